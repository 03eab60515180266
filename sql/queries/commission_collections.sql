-- Collections received by $as_of on orders booked in the range by reps in scope.
-- Params: $start, $end, $as_of, $reps.
with reps as (select unnest($reps) as employee_id),

final as (
    select c.order_id, c.collected_date, c.amount
    from collections as c inner join orders as o using (order_id)
    semi join reps as r on r.employee_id = o.employee_id
    where o.order_date between $start::date and $end::date and c.collected_date <= $as_of::date
)

select * from final
