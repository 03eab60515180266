-- Per rep and org unit for one period: new customers, complaints, visits, calls and proposals, receivables at
-- the period end, bookings, quota and open pipeline due in the period (docs/metrics.md, "Placement").
-- $person chooses the placement:
--   false (figures of groups): every event in the unit its rep held on the event's date (dated after the rep's
--     last day: the unit held on that last day): a new customer on its first order's date, a complaint, visit
--     or call on its date, a proposal on its due date, an order (its bookings, and what is still receivable on
--     it at the period end) on its date, a quota row on its month's last day. Open pipeline is a rep's book,
--     not an event: it sits where the rep sits on the period's last day. Orders, first orders and complaints
--     with no rep are rows with employee_id null (unassigned), for viewers of the whole company only.
--   true (people measured over a period): everything of a rep in the unit held on the period's last day (or
--     the last day employed); events with no rep are left out.
-- A customer's first order is their earliest order line with a positive amount: a credit note is never one.
-- Two kinds of row: customer_id null — the sums above, per rep and unit; customer_id set — where that customer's
-- orders are placed, per rep and unit, with in_base (an order there in the 12 months before the period starts)
-- and in_period (an order there in the period), for the repeat rate and active customers, counted as distinct
-- customers per group (a customer can be in several groups: a group's count is not a sum of its parts). Only
-- lines with a positive amount are orders in these rows: a credit note is not a purchase.
-- $customers false leaves the customer rows out (a request that needs only the sums: about a million rows fewer
-- at the large demo company).
-- Params: $start, $end (first and last day of the period), $as_of, $person, $customers, $all_units, $units.
with bounds as (
    select $start::date as p_start, $end::date as p_end, least($end::date, $as_of::date) as p_cut
),

earlier_customers as (  -- customers with an order before the period: no order of theirs in it is a first one
    select distinct o.customer_id
    from orders as o, bounds as b
    where o.amount > 0 and o.order_date < b.p_start
),

first_orders as (
    select o.employee_id, o.order_date as day, 1 as new_customers
    from orders as o
    cross join bounds as b
    anti join earlier_customers as ec on ec.customer_id = o.customer_id
    where o.amount > 0 and o.order_date between b.p_start and b.p_end
    qualify row_number() over (partition by o.customer_id order by o.order_date, o.order_id) = 1
),

paid as (
    select c.order_id, sum(c.amount) as collected
    from collections as c, bounds as b
    where c.collected_date <= b.p_cut
    group by all
),

events as (
    select o.employee_id, o.order_date as day, o.amount as bookings
    from orders as o, bounds as b
    where o.order_date between b.p_start and b.p_end
    union all by name
    select f.employee_id, f.day, f.new_customers
    from first_orders as f
    union all by name
    select o.employee_id, o.order_date as day, o.amount - coalesce(p.collected, 0) as receivables
    from orders as o
    cross join bounds as b
    left join paid as p using (order_id)
    where o.order_date <= b.p_cut and abs(o.amount - coalesce(p.collected, 0)) > 0.005
    union all by name
    select c.employee_id, c.complaint_date as day, 1 as complaints
    from complaints as c, bounds as b
    where c.complaint_date between b.p_start and b.p_end
    union all by name
    select
        a.employee_id, a.activity_date as day,
        (a.kind = 'visit')::integer as visits, (a.kind = 'call')::integer as calls
    from activities as a, bounds as b
    where a.kind in ('visit', 'call') and a.activity_date between b.p_start and b.p_end
    union all by name
    select a.employee_id, a.due_date as day, 1 as proposals_due, coalesce(a.on_time, false)::integer as proposals_on_time
    from activities as a, bounds as b
    where a.kind = 'proposal' and a.due_date between b.p_start and b.p_end
    union all by name
    select q.employee_id, last_day(q.month) as day, q.amount as quota
    from quotas as q, bounds as b
    where q.month between b.p_start and b.p_end
    union all by name
    select o.employee_id, b.p_end as day, o.amount as open_pipeline
    from opportunities as o, bounds as b
    where o.created_date <= $as_of::date
        and (o.closed_date is null or o.closed_date > $as_of::date)
        and o.expected_close_date between greatest(b.p_start, $as_of::date + 1) and b.p_end
        and o.employee_id is not null
),

rep_days as (  -- the sums, per rep and day (customer rows are placed one by one below)
    select
        null::bigint as customer_id, employee_id, day, null::boolean as in_base,
        sum(new_customers) as new_customers, sum(complaints) as complaints, sum(visits) as visits,
        sum(calls) as calls, sum(proposals_due) as proposals_due, sum(proposals_on_time) as proposals_on_time,
        sum(open_pipeline) as open_pipeline, sum(receivables) as receivables, sum(bookings) as bookings,
        sum(quota) as quota
    from events
    group by employee_id, day
),

customer_days as (
    select o.customer_id, o.employee_id, o.order_date as day, o.order_date < b.p_start as in_base
    from orders as o, bounds as b
    where $customers::boolean and o.amount > 0 and o.order_date >= b.p_start - interval 12 month
        and o.order_date <= b.p_end
),

placed as (
    select
        r.*,
        greatest(least(if($person::boolean, b.p_end, r.day), coalesce(e.termination_date, b.p_end, r.day)),
                 e.hire_date) as placed_on
    from (  -- the customer rows have none of the sums
        select * from rep_days
        union all
        select customer_id, employee_id, day, in_base, null, null, null, null, null, null, null, null, null, null
        from customer_days
    ) as r
    cross join bounds as b
    left join employees as e using (employee_id)
),

by_unit as (  -- summed before the org paths are joined
    select
        p.customer_id, p.employee_id, a.org_unit_id, a.manager_id, a.role_id, a.job_level,
        bool_or(p.in_base) as in_base,
        bool_or(not p.in_base) as in_period,
        coalesce(sum(p.new_customers), 0)::bigint as new_customers,
        coalesce(sum(p.complaints), 0)::bigint as complaints,
        coalesce(sum(p.visits), 0)::bigint as visits,
        coalesce(sum(p.calls), 0)::bigint as calls,
        coalesce(sum(p.proposals_due), 0)::bigint as proposals_due,
        coalesce(sum(p.proposals_on_time), 0)::bigint as proposals_on_time,
        coalesce(sum(p.open_pipeline), 0) as open_pipeline,
        coalesce(sum(p.receivables), 0) as receivables,
        coalesce(sum(p.bookings), 0) as bookings,
        sum(p.quota) as quota
    from placed as p
    left join assignments as a
        on a.employee_id = p.employee_id and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    group by all
)

select
    b.customer_id, b.employee_id, b.org_unit_id, org.region_id, org.team_id, b.manager_id, b.role_id, b.job_level,
    b.in_base, b.in_period, b.new_customers, b.complaints, b.visits, b.calls, b.proposals_due, b.proposals_on_time,
    b.open_pipeline, b.receivables, b.bookings, b.quota
from by_unit as b
left join org_paths as org using (org_unit_id)
where (b.employee_id is not null
        and ($all_units or list_contains($units, b.org_unit_id) or list_contains($units, org.region_id)))
    or (b.employee_id is null and $all_units and not $person::boolean)
