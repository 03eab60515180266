-- Orders in the range with the KA flag of their customer, and the cash collected on them by $as_of.
-- Params: $start, $end, $as_of, $reps (list of employee ids in scope).
with final as (
    select o.order_id, o.employee_id, o.order_date, o.amount, coalesce(c.tier = 'KA', false) as is_ka
    from orders as o left join customers as c using (customer_id)
    where o.order_date between $start::date and $end::date and list_contains($reps, o.employee_id)
)

select * from final
