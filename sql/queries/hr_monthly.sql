-- Monthly HR counts per org unit and role family: the grouped form of hr_events.sql, whose rows it reads (the
-- same placement, scope and exclusions), for requests grouped by nothing finer than region, team, org unit or
-- role family. Counts as analytics/people/attrition.py monthly_counts: headcount on the first and the last day
-- of the month, hires, exits by type, regretted exits and exits in probation (before hire date + probation
-- months, clamped to the month's end as add_months_expr).
-- reads: hr_events
-- Params: as hr_events.sql.
select
    month, org_unit_id, region_id, team_id, role_family,
    count(*) filter (where kind = 'first') as hc_first,
    count(*) filter (where kind = 'last') as hc_last,
    count(*) filter (where kind = 'hire') as hires,
    count(*) filter (where kind = 'exit') as exits,
    count(*) filter (where kind = 'exit' and exit_type = 'voluntary') as exits_voluntary,
    count(*) filter (where kind = 'exit' and exit_type = 'involuntary') as exits_involuntary,
    count(*) filter (where kind = 'exit' and exit_type = 'other') as exits_other,
    count(*) filter (where kind = 'exit' and coalesce(regretted, false)) as exits_regretted,
    count(*) filter (
        where kind = 'exit' and coalesce(day < hire_date + to_months(probation_months), false)
    ) as exits_probation
from hr_events
group by all
