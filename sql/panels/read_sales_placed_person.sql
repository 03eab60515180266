-- sales_placed.sql's rows with $person true (people measured over a period), read from the sales_placed panel
-- (analytics/core/panels.py): a rep's month rows of each period summed over the units they were placed in by date,
-- then all placed in the unit held on the period's last day (or the last day employed; before the hire date: the
-- hire date). Orders with no rep are left out, as there. Params: as sales_placed.sql.
with periods as (
    select unnest($period_starts::date[]) as p_start, unnest($period_ends::date[]) as p_end
),

rows as (
    select
        p.p_start as period_start, p.p_end as period_end, x.month, x.employee_id,
        sum(x.bookings) as bookings, sum(x.ka_bookings) as ka_bookings,
        sum(x.new_customer_bookings) as new_customer_bookings, sum(x.n_orders) as n_orders,
        sum(x.collected) as collected, sum(x.collected_window) as collected_window,
        max(x.last_order_date) as last_order_date, sum(x.quota) as quota
    from panels.sales_placed as x
    join periods as p on x.month between p.p_start and p.p_end
    where x.month between $start::date and $end::date and x.employee_id is not null
    group by all
),

rep_quota as (
    select employee_id, period_start, period_end, sum(quota) > 0 as rep_has_quota
    from rows
    where quota is not null
    group by all
)

select
    r.period_start, r.period_end, r.month, r.employee_id, a.org_unit_id, org.region_id, org.team_id, a.manager_id,
    a.role_id, a.job_level, r.bookings, r.ka_bookings, r.new_customer_bookings, r.n_orders, r.collected,
    r.collected_window, r.last_order_date, r.quota, coalesce(q.rep_has_quota, false) as rep_has_quota
from rows as r
left join rep_quota as q using (employee_id, period_start, period_end)
left join employees as e using (employee_id)
left join assignments as a
    on a.employee_id = r.employee_id
    and greatest(least(r.period_end, coalesce(e.termination_date, r.period_end)), e.hire_date)
        between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as org using (org_unit_id)
where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
