-- Collections received by $as_of on orders booked in the range by reps in scope.
-- Params: $start, $end, $as_of, $reps.
with final as (
    select c.order_id, c.collected_date, c.amount
    from collections as c join orders as o using (order_id)
    where o.order_date between $start::date and $end::date and c.collected_date <= $as_of::date
        and list_contains($reps, o.employee_id)
)

select * from final
