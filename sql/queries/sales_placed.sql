-- Sales placed by date (docs/metrics.md, "Placement"): per period, month, rep and org unit, bookings (negative
-- lines are credit notes and reduce them), KA and new-customer bookings, order lines, cash collected by the
-- as-of date, cash collected by then within $window_days of each order's date, the latest order date, and quota.
-- $person chooses the placement:
--   false (figures of groups): each order in the unit its rep held on the order's date (dated after the rep's
--     last day: the unit held on that last day), each quota row in the unit held on its month's last day
--     employed. A rep's rows of one month may so lie in several units. Orders with no rep are rows with
--     employee_id null (unassigned), for viewers of the whole company only.
--   true (people measured over a period): all of a rep's figures of the period in the unit held on the
--     period's last day (or the last day employed); orders with no rep are left out.
-- Periods are told apart by their first and last day (period_start, period_end): two periods of a request may
-- overlap or share a first day (a quarter and its first month), and each gets its own rows.
-- rep_has_quota: the rep's quota summed over the whole period is positive, counted over every unit whatever
-- the viewer's scope (attainment leaves out reps without quota, wherever their bookings are placed).
-- Params: $start, $end (first days of the first and last month), $period_starts, $period_ends (first and last
-- day of each period of the request; together they cover the months), $as_of, $window_days, $person,
-- $all_units, $units.
with periods as (
    select unnest($period_starts::date[]) as p_start, unnest($period_ends::date[]) as p_end
),

cash as (
    select
        c.order_id,
        sum(c.amount) as collected,
        coalesce(sum(c.amount) filter (where c.collected_date <= o.order_date + $window_days::integer), 0)
            as collected_window
    from collections as c
    join orders as o using (order_id)
    where c.collected_date <= $as_of::date and o.order_date between $start::date and last_day($end::date)
    group by all
),

order_days as (  -- one row per order: a rep has about one order a day, so grouping by day first saves nothing
    select
        o.employee_id, o.order_date as day,
        o.amount as bookings,
        if(cu.tier = 'KA', o.amount, 0) as ka_bookings,
        if(o.is_new_customer, o.amount, 0) as new_customer_bookings,
        1 as n_orders,
        coalesce(k.collected, 0) as collected,
        coalesce(k.collected_window, 0) as collected_window,
        o.order_date as last_order_date
    from orders as o
    left join customers as cu using (customer_id)
    left join cash as k using (order_id)
    where o.order_date between $start::date and last_day($end::date)
),

quota_days as (
    select employee_id, last_day(month) as day, sum(amount) as quota
    from quotas
    where month between $start::date and $end::date
    group by all
),

facts as (
    select f.*, p.p_start, p.p_end
    from (  -- every column named in both branches (one SQL for DuckDB and Spark: no union by name)
        select employee_id, day, bookings, ka_bookings, new_customer_bookings, n_orders, collected, collected_window,
            last_order_date, null as quota
        from order_days
        union all
        select employee_id, day, null, null, null, null, null, null, null, quota
        from quota_days
    ) as f
    join periods as p on f.day between p.p_start and p.p_end
),

rep_quota as (
    select employee_id, p_start, p_end, sum(quota) > 0 as rep_has_quota
    from facts
    where employee_id is not null and quota is not null
    group by all
),

placed as (
    select
        f.*,
        date_trunc('month', f.day)::date as month,
        greatest(least(if($person::boolean, f.p_end, f.day), coalesce(e.termination_date, f.p_end, f.day)),
                 e.hire_date) as placed_on
    from facts as f
    left join employees as e using (employee_id)
),

by_unit as (  -- summed before the org paths are joined: a few rows per rep and month, not one per order
    select
        p.p_start as period_start, p.p_end as period_end, p.month, p.employee_id,
        a.org_unit_id, a.manager_id, a.role_id, a.job_level,
        coalesce(sum(p.bookings), 0) as bookings,
        coalesce(sum(p.ka_bookings), 0) as ka_bookings,
        coalesce(sum(p.new_customer_bookings), 0) as new_customer_bookings,
        coalesce(sum(p.n_orders), 0) as n_orders,
        coalesce(sum(p.collected), 0) as collected,
        coalesce(sum(p.collected_window), 0) as collected_window,
        max(p.last_order_date) as last_order_date,
        sum(p.quota) as quota,
        coalesce(any_value(rq.rep_has_quota), false) as rep_has_quota
    from placed as p
    left join rep_quota as rq using (employee_id, p_start, p_end)
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    group by all
)

select
    b.period_start, b.period_end, b.month, b.employee_id, b.org_unit_id, org.region_id, org.team_id, b.manager_id,
    b.role_id, b.job_level, b.bookings, b.ka_bookings, b.new_customer_bookings, b.n_orders, b.collected,
    b.collected_window, b.last_order_date, b.quota, b.rep_has_quota
from by_unit as b
left join org_paths as org using (org_unit_id)
where (b.employee_id is not null
        and ($all_units or list_contains($units, b.org_unit_id) or list_contains($units, org.region_id)))
    or (b.employee_id is null and $all_units and not $person::boolean)
