-- Monthly quota rows of the reps in $reps for the months of [$start, $end]. Params: $start, $end, $reps.
with reps as (select unnest($reps) as employee_id),

final as (
    select employee_id, month, amount from quotas semi join reps using (employee_id)
    where month between $start::date and $end::date
)

select * from final
