-- Sales traits per person employed on $as_of in scope, over the window $start..$end (12 months in the
-- profiles): bookings (all, KA, from new customers), quota, active customers, complaints, visits, days
-- employed in the window; the repeat base (customers whose latest order in the 12 months before $start was
-- with this rep) and how many of them ordered again in the window; bookings and quota of the two trailing
-- quarters $q1_start..$end (last) and $q2_start..$q1_start - 1 (the one before).
-- scope_unit and scope_region: the unit (and its region) the person holds on $as_of, by which the scope chose them.
-- Params: $start, $end, $as_of, $q1_start, $q2_start, $all_units, $units.
with org as (
    select * from org_paths
),

people as (
    select e.employee_id, e.hire_date, a.org_unit_id as scope_unit, org.region_id as scope_region
    from employees as e
    join assignments as a
        on a.employee_id = e.employee_id and $as_of::date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where e.hire_date <= $as_of::date and (e.termination_date is null or e.termination_date >= $as_of::date)
        and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
),

window_orders as (
    select o.employee_id, o.customer_id, o.order_date, o.amount, o.is_new_customer, c.tier = 'KA' as is_ka
    from orders as o
    left join customers as c using (customer_id)
    where o.order_date between $start::date and $end::date and o.employee_id is not null
),

sales as (
    select
        employee_id,
        sum(amount) as bookings,
        coalesce(sum(amount) filter (where is_ka), 0) as ka_bookings,
        coalesce(sum(amount) filter (where is_new_customer), 0) as new_customer_bookings,
        count(*) as n_orders,
        count(distinct customer_id) as active_customers,
        coalesce(sum(amount) filter (where order_date >= $q1_start::date), 0) as bookings_q1,
        coalesce(sum(amount) filter (where order_date >= $q2_start::date and order_date < $q1_start::date), 0)
            as bookings_q2
    from window_orders
    group by all
),

quota as (
    select
        employee_id,
        sum(amount) as quota,
        sum(amount) filter (where month >= $q1_start::date) as quota_q1,
        sum(amount) filter (where month >= $q2_start::date and month < $q1_start::date) as quota_q2
    from quotas
    where month between date_trunc('month', $start::date) and $end::date
    group by all
),

base as (
    select o.customer_id, arg_max(o.employee_id, o.order_date) filter (where o.employee_id is not null) as employee_id
    from orders as o
    where o.order_date >= $start::date - interval 12 month and o.order_date < $start::date
        and o.employee_id is not null
    group by all
),

repeat as (
    select b.employee_id, count(*) as base_customers,
           count(*) filter (where b.customer_id in (select customer_id from window_orders)) as repeat_customers
    from base as b
    group by all
),

complaint_stats as (
    select employee_id, count(*) as complaints
    from complaints
    where complaint_date between $start::date and $end::date and employee_id is not null
    group by all
),

visit_stats as (
    select employee_id, count(*) as visits
    from activities
    where kind = 'visit' and activity_date between $start::date and $end::date
    group by all
),

final as (
    select
        p.employee_id,
        greatest(date_diff('day', greatest(p.hire_date, $start::date), least($end::date, $as_of::date)) + 1, 0)
            as days_in_window,
        coalesce(s.bookings, 0) as bookings,
        coalesce(s.ka_bookings, 0) as ka_bookings,
        coalesce(s.new_customer_bookings, 0) as new_customer_bookings,
        coalesce(s.n_orders, 0) as n_orders,
        coalesce(s.active_customers, 0) as active_customers,
        q.quota,
        coalesce(s.bookings_q1, 0) as bookings_q1, q.quota_q1,
        coalesce(s.bookings_q2, 0) as bookings_q2, q.quota_q2,
        coalesce(r.base_customers, 0) as base_customers,
        coalesce(r.repeat_customers, 0) as repeat_customers,
        coalesce(c.complaints, 0) as complaints,
        coalesce(v.visits, 0) as visits,
        p.scope_unit, p.scope_region
    from people as p
    left join sales as s using (employee_id)
    left join quota as q using (employee_id)
    left join repeat as r using (employee_id)
    left join complaint_stats as c using (employee_id)
    left join visit_stats as v using (employee_id)
)

select * from final
