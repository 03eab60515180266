-- Monthly HR counts per org unit and role, for requests grouped by nothing finer than region, team, org
-- unit or role family: hr_events.sql's moments placed the same way (the assignment valid on the day; scope
-- and exclusions alike), counted per unit and role before the org paths and role families are joined (a few
-- rows per unit instead of one per person and moment). Counts as analytics/people/attrition.py
-- monthly_counts: headcount on the first and the last day of the month, hires, exits by type, regretted exits
-- and exits in probation (before hire date + probation months, clamped to the month's end as add_months_expr).
-- reads: hr_moments
-- Params: as hr_events.sql.
with in_scope as (  -- the units a scoped viewer sees (with every unit, all rows are kept below)
    select org_unit_id from org_paths where list_contains($units, org_unit_id) or list_contains($units, region_id)
),

by_role as (
    select
        ev.month, a.org_unit_id, a.role_id,
        count(*) filter (where ev.kind = 'first') as hc_first,
        count(*) filter (where ev.kind = 'last') as hc_last,
        count(*) filter (where ev.kind = 'hire') as hires,
        count(*) filter (where ev.kind = 'exit') as exits,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'voluntary') as exits_voluntary,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'involuntary') as exits_involuntary,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'other') as exits_other,
        count(*) filter (where ev.kind = 'exit' and coalesce(e.regretted, false)) as exits_regretted,
        count(*) filter (
            where ev.kind = 'exit' and coalesce(ev.day < e.hire_date + to_months(e.probation_months), false)
        ) as exits_probation
    from hr_moments as ev
    join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = ev.employee_id
        and ev.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    where $all_units or a.org_unit_id in (select org_unit_id from in_scope)
    group by all
)

select  -- one row per month, unit and role (the engine sums them to its grouping)
    b.month, b.org_unit_id, org.region_id, org.team_id, coalesce(r.family, 'unknown') as role_family,
    b.hc_first, b.hc_last, b.hires, b.exits, b.exits_voluntary, b.exits_involuntary, b.exits_other,
    b.exits_regretted, b.exits_probation
from by_role as b
left join org_paths as org using (org_unit_id)
left join roles as r using (role_id)
