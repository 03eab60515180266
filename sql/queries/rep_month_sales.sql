-- Sales per rep and month, each rep measured over the month as a person (docs/metrics.md, "Placement":
-- people measured over a period): all of the rep's bookings (all, KA, new-customer; negative lines are credit
-- notes and reduce them), orders, quota, and cash collected by the as-of date on the month's orders, the rep
-- placed in the org unit held on the month's last day employed (effective-dated; an order dated after the
-- last day counts in the month of its date, the rep where they sat on that last day). One row per rep and
-- month, for the ramp, time to productivity, training and planning. Orders without a rep are left out here.
-- Figures of groups (bookings, quota and attainment of a team or region) are placed by each event's date:
-- they come from sales_placed.sql, not from this panel.
-- $hired_from (a date, or null for everyone): only reps hired on or after it (the ramp and onboarding read new
-- hires only: a third of the rows at the large demo company).
-- Params: $start, $end (first days of first/last month), $as_of (date), $hired_from, $all_units, $units.
with order_facts as (
    select
        o.order_id, o.employee_id, o.amount, o.is_new_customer,
        date_trunc('month', o.order_date)::date as month,
        c.tier = 'KA' as is_ka
    from orders as o
    left join customers as c using (customer_id)
    where o.order_date between $start::date and last_day($end::date)
        and o.employee_id is not null
),

bookings as (
    select
        employee_id, month,
        sum(amount) as bookings,
        coalesce(sum(amount) filter (where is_ka), 0) as ka_bookings,
        coalesce(sum(amount) filter (where is_new_customer), 0) as new_customer_bookings,
        count(*) as n_orders
    from order_facts
    group by all
),

collected as (
    select f.employee_id, f.month, sum(c.amount) as collected
    from collections as c
    join order_facts as f using (order_id)
    where c.collected_date <= $as_of::date
    group by all
),

quota as (
    select employee_id, month, sum(amount) as quota
    from quotas
    where month between $start::date and $end::date
    group by all
),

keys as (
    select employee_id, month from bookings
    union
    select employee_id, month from quota
),

placed_day as (
    select
        k.employee_id, k.month,
        greatest(least(last_day(k.month), coalesce(e.termination_date, last_day(k.month))), e.hire_date) as day,
        e.hire_date
    from keys as k
    join employees as e using (employee_id)
),

org as (
    select * from org_paths
),

final as (
    select
        p.employee_id, p.month, p.hire_date,
        a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id, a.job_level,
        coalesce(b.bookings, 0) as bookings,
        coalesce(b.ka_bookings, 0) as ka_bookings,
        coalesce(b.new_customer_bookings, 0) as new_customer_bookings,
        coalesce(b.n_orders, 0) as n_orders,
        q.quota,
        coalesce(c.collected, 0) as collected
    from placed_day as p
    left join bookings as b using (employee_id, month)
    left join quota as q using (employee_id, month)
    left join collected as c using (employee_id, month)
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where ($all_units
        or list_contains($units, a.org_unit_id)
        or list_contains($units, org.region_id))
        and ($hired_from::date is null or p.hire_date >= $hired_from::date)
)

select * from final
