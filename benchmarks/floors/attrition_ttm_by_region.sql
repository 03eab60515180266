-- Plain-DuckDB floor, exact: attrition_rate_ttm by region for every month of a request, in one statement.
-- The same values the metric engine returns (docs/metrics.md; sql/queries/hr_events.sql and
-- analytics/people/attrition.py): for month m, exits in the 12 months ending with m ÷ the mean of those months'
-- average headcounts, a month's average headcount = (employed on its first day + employed on its last day) ÷ 2.
-- Everyone is placed by date: in the org unit of the assignment valid that day (valid_from..valid_to), its
-- region from org_paths (no assignment that day, or a unit above the regions: region null). People whose
-- termination date is before their hire date are left out. A region is listed for month m when it has any
-- snapshot, hire or exit in the 12 months (no headcount: value null).
-- Params: $months (date[]: first days of the months asked for).
-- Returns: period_start, region, value, numerator (exits), denominator (average headcount).
with targets as (
    select unnest($months::date[]) as period_start
),

months as (
    select unnest(generate_series(
        (select min(period_start) from targets) - interval 11 month,
        (select max(period_start) from targets)::timestamp,
        interval 1 month))::date as month
),

bounds as (
    select min(month) as first_day, last_day(max(month)) as last_day from months
),

days as (
    select month, 'first' as kind, month as day from months
    union all
    select month, 'last', last_day(month) from months
),

heads as (
    select d.month, d.kind, d.day, e.employee_id
    from days as d
    join employees as e
        on e.hire_date <= d.day and (e.termination_date is null or d.day <= e.termination_date)
    where e.termination_date is null or e.termination_date >= e.hire_date
),

moves as (
    select date_trunc('month', e.hire_date)::date as month, 'hire' as kind, e.hire_date as day, e.employee_id
    from employees as e, bounds as b
    where e.hire_date between b.first_day and b.last_day
        and (e.termination_date is null or e.termination_date >= e.hire_date)
    union all
    select date_trunc('month', e.termination_date)::date, 'exit', e.termination_date, e.employee_id
    from employees as e, bounds as b
    where e.termination_date between b.first_day and b.last_day and e.termination_date >= e.hire_date
),

monthly as (
    select
        ev.month, o.region_id,
        count(*) filter (where ev.kind = 'first') as hc_first,
        count(*) filter (where ev.kind = 'last') as hc_last,
        count(*) filter (where ev.kind = 'exit') as exits
    from (select * from heads union all select * from moves) as ev
    left join assignments as a
        on a.employee_id = ev.employee_id
        and ev.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org_paths as o on o.org_unit_id = a.org_unit_id
    group by all
),

ttm as (
    select
        t.period_start, m.region_id as region,
        sum(m.exits)::double as numerator,
        sum((m.hc_first + m.hc_last) / 2) / 12 as denominator
    from targets as t
    join monthly as m on m.month between t.period_start - interval 11 month and t.period_start
    group by all
)

select period_start, region, if(denominator > 0, numerator / denominator, null) as value, numerator, denominator
from ttm
order by period_start, region nulls last
