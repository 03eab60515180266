-- Collections: existing order, non-negative amount, not before the order, not above the order amount in total.
with per_order as (
    select c.order_id, sum(c.amount) as collected, min(c.collected_date) as first_date, min(c.amount) as min_amount
    from collections as c group by all
)
select p.order_id, p.collected, o.amount, p.first_date, o.order_date from per_order as p
left join orders as o using (order_id)
where o.order_id is null or p.min_amount < 0 or p.first_date < o.order_date or p.collected > o.amount + 0.01
