-- Per rep for one period: customer development (active, new, repeat base and repeaters), complaints,
-- visits and proposals, open pipeline due in the period, receivables at the period end, bookings and
-- quota. Each rep placed in the org unit held on the last day of the period they were employed.
-- A customer's repeat-base rep is the rep of their latest order in the 12 months before the period.
-- Params: $start, $end (first and last day of the period), $as_of, $all_units, $units.
with bounds as (
    select $start::date as p_start, $end::date as p_end, least($end::date, $as_of::date) as p_cut
),

period_orders as (
    select o.* from orders as o, bounds as b
    where o.order_date between b.p_start and b.p_end and o.employee_id is not null
),

first_orders as (
    select customer_id, arg_min(employee_id, order_date) as employee_id, min(order_date) as first_date
    from orders group by all
),

base as (
    select o.customer_id, arg_max(o.employee_id, o.order_date) as employee_id
    from orders as o, bounds as b
    where o.order_date >= b.p_start - interval 12 month and o.order_date < b.p_start and o.employee_id is not null
    group by all
),

repeaters as (
    select distinct customer_id from period_orders
),

customer_stats as (
    select employee_id, count(*) as base_customers,
           count(*) filter (where customer_id in (select customer_id from repeaters)) as repeat_customers
    from base group by all
),

new_stats as (
    select f.employee_id, count(*) as new_customers
    from first_orders as f, bounds as b
    where f.first_date between b.p_start and b.p_end and f.employee_id is not null
    group by all
),

active as (
    select employee_id, count(distinct customer_id) as active_customers, sum(amount) as bookings
    from period_orders group by all
),

complaint_stats as (
    select c.employee_id, count(*) as complaints
    from complaints as c, bounds as b
    where c.complaint_date between b.p_start and b.p_end and c.employee_id is not null
    group by all
),

activity_stats as (
    select
        a.employee_id,
        count(*) filter (where a.kind = 'visit' and a.activity_date between b.p_start and b.p_end) as visits,
        count(*) filter (where a.kind = 'call' and a.activity_date between b.p_start and b.p_end) as calls,
        count(*) filter (where a.kind = 'proposal' and a.due_date between b.p_start and b.p_end) as proposals_due,
        count(*) filter (where a.kind = 'proposal' and a.due_date between b.p_start and b.p_end and a.on_time)
            as proposals_on_time
    from activities as a, bounds as b
    where (a.activity_date between b.p_start and b.p_end) or (a.due_date between b.p_start and b.p_end)
    group by all
),

pipeline as (
    select o.employee_id, sum(o.amount) as open_pipeline
    from opportunities as o, bounds as b
    where o.created_date <= $as_of::date
        and (o.closed_date is null or o.closed_date > $as_of::date)
        and o.expected_close_date between greatest(b.p_start, $as_of::date + 1) and b.p_end
        and o.employee_id is not null
    group by all
),

receivable as (
    select o.employee_id, sum(o.amount) - coalesce(sum(c.collected), 0) as receivables
    from orders as o
    cross join bounds as b
    left join (
        select order_id, sum(amount) as collected from collections, bounds
        where collected_date <= p_cut group by all
    ) as c using (order_id)
    where o.order_date <= b.p_cut and o.employee_id is not null
    group by all
),

quota_stats as (
    select q.employee_id, sum(q.amount) as quota
    from quotas as q, bounds as b
    where q.month between b.p_start and b.p_end
    group by all
),

reps as (
    select employee_id from active
    union select employee_id from customer_stats
    union select employee_id from new_stats
    union select employee_id from complaint_stats
    union select employee_id from activity_stats
    union select employee_id from pipeline
    union select employee_id from quota_stats
    union select employee_id from receivable where receivables > 0.005
),

placed as (
    select r.employee_id,
           greatest(least((select p_end from bounds), coalesce(e.termination_date, (select p_end from bounds))),
                    e.hire_date) as day
    from reps as r join employees as e using (employee_id)
),

org as (
    select * from org_paths
),

final as (
    select
        p.employee_id, a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id, a.job_level,
        coalesce(ac.active_customers, 0) as active_customers,
        coalesce(ns.new_customers, 0) as new_customers,
        coalesce(cs.base_customers, 0) as base_customers,
        coalesce(cs.repeat_customers, 0) as repeat_customers,
        coalesce(cp.complaints, 0) as complaints,
        coalesce(st.visits, 0) as visits,
        coalesce(st.calls, 0) as calls,
        coalesce(st.proposals_due, 0) as proposals_due,
        coalesce(st.proposals_on_time, 0) as proposals_on_time,
        coalesce(pp.open_pipeline, 0) as open_pipeline,
        coalesce(rc.receivables, 0) as receivables,
        coalesce(ac.bookings, 0) as bookings,
        qs.quota
    from placed as p
    left join active as ac using (employee_id)
    left join new_stats as ns using (employee_id)
    left join customer_stats as cs using (employee_id)
    left join complaint_stats as cp using (employee_id)
    left join activity_stats as st using (employee_id)
    left join pipeline as pp using (employee_id)
    left join receivable as rc using (employee_id)
    left join quota_stats as qs using (employee_id)
    left join assignments as a
        on a.employee_id = p.employee_id and p.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
