-- Bookings and quota placed by date, per period, rep and org unit: the slim form of sales_placed.sql for the
-- metrics that need nothing else (quota, attainment). Same placement, scope and rep_has_quota rule as
-- sales_placed.sql with $person false: each order in the unit its rep held on the order's date (a date after
-- the rep's last day: that last day; before the hire date: the hire date), each quota row in the unit held on
-- its month's last day; orders with no rep are rows with employee_id null, for viewers of the whole company
-- only. No cash, customers or month: orders are placed one by one (a rep has about one order a day, so
-- grouping them by day first saves nothing) and summed per period (told apart by first and last day: periods may
-- overlap or share a first day), rep and unit.
-- Params: $start, $end (first days of the first and last month), $period_starts, $period_ends, $all_units,
-- $units.
with periods as (
    select unnest($period_starts::date[]) as p_start, unnest($period_ends::date[]) as p_end
),

facts as (
    select o.employee_id, o.order_date as day, o.amount as bookings, null::double as quota
    from orders as o
    where o.order_date between $start::date and last_day($end::date)
    union all
    select employee_id, last_day(month) as day, null::double as bookings, amount as quota
    from quotas
    where month between $start::date and $end::date
),

in_periods as (
    select f.*, p.p_start, p.p_end
    from facts as f
    join periods as p on f.day between p.p_start and p.p_end
),

rep_quota as (
    select employee_id, p_start, p_end
    from in_periods
    where employee_id is not null and quota is not null
    group by all
    having sum(quota) > 0
),

placed as (
    select
        f.p_start, f.p_end, f.employee_id, f.bookings, f.quota,
        greatest(least(f.day, coalesce(e.termination_date, f.p_end)), e.hire_date) as placed_on
    from in_periods as f
    left join employees as e using (employee_id)
),

by_unit as (  -- summed before the org paths are joined: a few rows per rep instead of one per order
    select
        p.p_start as period_start, p.p_end as period_end, p.employee_id,
        a.org_unit_id, a.manager_id, a.role_id, a.job_level,
        coalesce(sum(p.bookings), 0) as bookings,
        sum(p.quota) as quota,
        rq.employee_id is not null as rep_has_quota
    from placed as p
    left join rep_quota as rq using (employee_id, p_start, p_end)
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    group by all
)

select
    b.period_start, b.period_end, b.employee_id, b.org_unit_id, org.region_id, org.team_id, b.manager_id, b.role_id,
    b.job_level, b.bookings, b.quota, b.rep_has_quota
from by_unit as b
left join org_paths as org using (org_unit_id)
where (b.employee_id is not null
        and ($all_units or list_contains($units, b.org_unit_id) or list_contains($units, org.region_id)))
    or (b.employee_id is null and $all_units)
