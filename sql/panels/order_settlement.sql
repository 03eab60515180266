-- Panel table behind rep_period_customers.sql's receivables (analytics/core/panels.py): every order with the day
-- from which it is settled for good — what is owed on it (its amount minus the cash collected up to a day) stays
-- within 0.005 from that day on. settled_on null: still owed after its last collection; 0001-01-01: never owed
-- (an amount within 0.005 of nothing, and no collection changing that). At a cut date only the orders dated by
-- then and not settled for good are summed again from the collections.
-- Params: none.
with steps as (  -- what is owed after each day with a collection
    select
        c.order_id, c.collected_date as day,
        abs(any_value(o.amount) - sum(sum(c.amount)) over (partition by c.order_id order by c.collected_date))
            > 0.005 as owed
    from collections as c
    join orders as o using (order_id)
    group by c.order_id, c.collected_date
),

by_order as (
    select
        order_id,
        max(day) filter (where owed) as last_owed,
        arg_max(owed, day) filter (where owed is not null) as owed_at_end
    from steps
    group by order_id
),

settled as (
    select b.order_id, min(s.day) as settled_on
    from by_order as b
    join steps as s using (order_id)
    where not b.owed_at_end and (b.last_owed is null or s.day > b.last_owed)
    group by b.order_id
)

select
    o.order_id, o.employee_id, o.order_date, o.amount,
    case
        when b.order_id is null then if(abs(o.amount) <= 0.005, date '0001-01-01', null)
        when b.owed_at_end then null
        when b.last_owed is null and abs(o.amount) <= 0.005 then date '0001-01-01'
        else s.settled_on
    end as settled_on
from orders as o
left join by_order as b using (order_id)
left join settled as s using (order_id)
