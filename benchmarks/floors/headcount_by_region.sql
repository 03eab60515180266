-- Plain-DuckDB floor, exact: headcount_end by region for every month of a request, in one statement.
-- The same values the metric engine returns (docs/metrics.md; sql/queries/hr_events.sql and
-- analytics/people/attrition.py): people employed on the month's last day (hire date ≤ day ≤ termination date,
-- or none yet), each placed in the org unit of the assignment valid that day, its region from org_paths (no
-- assignment that day, or a unit above the regions: region null). People whose termination date is before
-- their hire date are left out. A region is listed for a month when it has anyone employed on the month's
-- first or last day, or a hire or an exit in the month (nobody on the last day: 0).
-- Params: $months (date[]: first days of the months asked for).
-- Returns: period_start, region, value, numerator (null), denominator (null).
with targets as (
    select distinct unnest($months::date[]) as month
),

days as (
    select month, 'first' as kind, month as day from targets
    union all
    select month, 'last', last_day(month) from targets
),

heads as (
    select d.month, d.kind, d.day, e.employee_id
    from days as d
    join employees as e
        on e.hire_date <= d.day and (e.termination_date is null or d.day <= e.termination_date)
    where e.termination_date is null or e.termination_date >= e.hire_date
),

moves as (
    select t.month, 'hire' as kind, e.hire_date as day, e.employee_id
    from employees as e
    join targets as t on date_trunc('month', e.hire_date) = t.month
    where e.termination_date is null or e.termination_date >= e.hire_date
    union all
    select t.month, 'exit', e.termination_date, e.employee_id
    from employees as e
    join targets as t on date_trunc('month', e.termination_date) = t.month
    where e.termination_date >= e.hire_date
)

select
    ev.month as period_start, o.region_id as region,
    (count(*) filter (where ev.kind = 'last'))::double as value,
    null::double as numerator, null::double as denominator
from (select * from heads union all select * from moves) as ev
left join assignments as a
    on a.employee_id = ev.employee_id
    and ev.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as o on o.org_unit_id = a.org_unit_id
group by all
order by period_start, region nulls last
