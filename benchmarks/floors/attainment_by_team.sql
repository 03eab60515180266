-- Plain-DuckDB floor, exact: attainment by team for every period of a request, in one statement.
-- The same values the metric engine returns (docs/metrics.md "attainment" and "Placement";
-- sql/queries/sales_placed.sql with $person false, analytics/sales/quota.py attainment):
-- Σ bookings ÷ Σ quota over the reps with quota in the period (their quota rows of the period adding up to more
-- than zero, over the whole company). Each order counts in the team its rep held on the order's date, each quota
-- row in the team held on its month's last day; a date after the rep's last day is placed on that last day, one
-- before the hire date on the hire date. Orders with no rep are in no team. Team from org_paths (a rep with no
-- assignment that day, or in a unit that is not a team: team null). Orders by order date, credit notes included.
-- Params: $starts, $ends (date[]: first and last day of each period; whole months).
-- Returns: period_start, team, value, numerator (bookings of reps with quota), denominator (their quota).
with periods as (
    select unnest($starts::date[]) as p_start, unnest($ends::date[]) as p_end
),

bounds as (
    select min(p_start) as first_day, max(p_end) as last_day from periods
),

order_days as (
    select o.employee_id, o.order_date as day, sum(o.amount) as bookings, null::double as quota
    from orders as o, bounds as b
    where o.employee_id is not null and o.order_date between b.first_day and b.last_day
    group by all
),

quota_days as (
    select q.employee_id, last_day(q.month) as day, null::double as bookings, sum(q.amount) as quota
    from quotas as q, bounds as b
    where q.month between b.first_day and date_trunc('month', b.last_day)
    group by all
),

facts as (
    select f.*, p.p_start, p.p_end
    from (select * from order_days union all by name select * from quota_days) as f
    join periods as p on f.day between p.p_start and p.p_end
),

with_quota as (
    select employee_id, p_start
    from facts
    where quota is not null
    group by all
    having sum(quota) > 0
),

placed as (
    select
        f.p_start, f.employee_id, f.bookings, f.quota,
        greatest(least(f.day, coalesce(e.termination_date, f.p_end)), e.hire_date) as placed_on
    from facts as f
    semi join with_quota as w using (employee_id, p_start)
    left join employees as e using (employee_id)
),

teams as (
    select
        p.p_start as period_start, o.team_id as team,
        coalesce(sum(p.bookings), 0) as numerator,
        coalesce(sum(p.quota), 0) as denominator
    from placed as p
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org_paths as o on o.org_unit_id = a.org_unit_id
    group by all
)

select period_start, team, if(denominator > 0, numerator / denominator, null) as value, numerator, denominator
from teams
order by period_start, team nulls last
