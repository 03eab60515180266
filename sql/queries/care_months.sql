-- The monthly facts behind the care signals (analytics/people/care.py): one row per person and month from
-- $first_month to $last_month while employed at some point of it, placed in the unit held on the month's last
-- day (or their last day, when they left within it), with the month's overtime hours, leave days and travel
-- days (null when not recorded). Params: $first_month, $last_month (first days of months), $all_units, $units.
with months as (
    select cast(m as date) as month
    from (select unnest(generate_series($first_month::date, $last_month::date, interval 1 month)) as m)
),

employed as (
    select e.employee_id, m.month,
        least((m.month + interval 1 month - interval 1 day)::date,
              coalesce(e.termination_date, date '9999-12-31')) as seen_on
    from employees as e
    join months as m
        on e.hire_date <= (m.month + interval 1 month - interval 1 day)::date
        and (e.termination_date is null or e.termination_date >= m.month)
)

select p.employee_id, p.month, a.org_unit_id, o.team_id, o.region_id,
    t.overtime_hours, t.leave_days, v.travel_days
from employed as p
join assignments as a
    on a.employee_id = p.employee_id and p.seen_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as o on o.org_unit_id = a.org_unit_id
left join attendance as t on t.employee_id = p.employee_id and t.month = p.month
left join travel as v on v.employee_id = p.employee_id and v.month = p.month
where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, o.region_id)
