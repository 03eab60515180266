-- Orders in the range that credit no rep (excluded from rep metrics; shown as a count).
with final as (
    select count(*) as n_orders, coalesce(sum(amount), 0) as amount
    from orders
    where employee_id is null and order_date between $start::date and last_day($end::date)
)

select * from final
