-- Monthly quota rows of the reps in $reps for the months of [$start, $end]. Params: $start, $end, $reps.
with final as (
    select employee_id, month, amount from quotas
    where month between $start::date and $end::date and list_contains($reps, employee_id)
)

select * from final
