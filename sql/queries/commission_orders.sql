-- Orders in the range with the KA flag of their customer, and the cash collected on them by $as_of.
-- Params: $start, $end, $as_of, $reps (list of employee ids in scope).
with reps as (select unnest($reps) as employee_id),

final as (
    select o.order_id, o.employee_id, o.order_date, o.amount, coalesce(c.tier = 'KA', false) as is_ka
    from orders as o semi join reps as r on r.employee_id = o.employee_id
    left join customers as c using (customer_id)
    where o.order_date between $start::date and $end::date
)

select * from final
