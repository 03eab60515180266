-- Monthly HR counts per org unit and role, for requests grouped by nothing finer than region, team, org unit or
-- role family; the same counts as analytics/people/attrition.py monthly_counts over hr_events.sql's rows (the
-- same placement, scope and exclusions), without a row per person and month:
-- - headcount on the first and the last day of each month from the changes: each assignment held while
--   employed is +1 in its unit and role on its first day and -1 the day after its last; the running sum at each
--   month's first and last day is the headcount. Employed days covered by no assignment count in no unit
--   (employment minus the days some assignment holds, overlapping assignments merged), as hr_events.sql's left
--   join leaves them; two overlapping assignments count twice, in their units, as there.
-- - hires, exits by type, regretted exits and exits in probation (before hire date + probation months, clamped to
--   the month's end as add_months_expr) from hr_moments.sql's hire and exit rows, each placed on its day.
-- reads: hr_moments
-- Params: as hr_events.sql.
with in_scope as (
    select org_unit_id from org_paths where list_contains($units, org_unit_id) or list_contains($units, region_id)
),

employed as (
    select employee_id, hire_date, termination_date
    from employees
    where termination_date is null or termination_date >= hire_date
),

spans as (
    select employee_id, a.org_unit_id, a.role_id,
        greatest(a.valid_from, e.hire_date) as s,
        least(coalesce(a.valid_to, date '9999-12-30'), coalesce(e.termination_date, date '9999-12-30')) as e
    from assignments as a
    join employed as e using (employee_id)
),

held as (  -- the days each person holds some assignment: overlapping spans merged (gaps and islands)
    select employee_id, min(s) as s, max(e) as e
    from (
        select employee_id, s, e, sum(starts) over (partition by employee_id order by s, e) as island
        from (
            select employee_id, s, e,
                coalesce(s > max(e) over (partition by employee_id order by s, e
                                           rows between unbounded preceding and 1 preceding), true)::integer as starts
            from spans
            where s <= e
        )
    )
    group by employee_id, island
),

deltas as (  -- +1 where a span starts, -1 the day after it ends; in no unit: employed days held by no assignment
    select org_unit_id, role_id, s as day, 1 as d from spans where s <= e
    union all
    select org_unit_id, role_id, e + 1, -1 from spans where s <= e
    union all
    select null, null, hire_date, 1 from employed where $all_units
    union all
    select null, null, coalesce(termination_date, date '9999-12-30') + 1, -1 from employed where $all_units
    union all
    select null, null, s, -1 from held where $all_units
    union all
    select null, null, e + 1, 1 from held where $all_units
),

bucketed as (  -- each change at the first point (a month's first or last day) it counts at; before the first month:
    -- the first point; after the last month: none
    select org_unit_id, role_id,
        case when day < $start::date then 0
             else 2 * ((year(day) - year($start::date)) * 12 + month(day) - month($start::date))
                 + (day > date_trunc('month', day))::integer end as i,
        sum(d) as d
    from deltas
    where ($all_units or org_unit_id in (select org_unit_id from in_scope)) and day <= last_day($end::date)
    group by all
),

running as (  -- the headcount from each change up to the next one
    select org_unit_id, role_id, i,
        sum(d) over w as n,
        coalesce(lead(i) over w,
            2 * ((year($end::date) - year($start::date)) * 12 + month($end::date) - month($start::date) + 1)) as next_i
    from bucketed
    window w as (partition by org_unit_id, role_id order by i)
),

heads as (  -- at every point, where anybody is counted
    -- next_i > i always (lead of distinct points; the end point lies past the last one), so the series is never empty
    select org_unit_id, role_id, unnest(generate_series(i, next_i - 1)) as i, n
    from running
    where n <> 0
),

heads_by_month as (
    select (($start::date) + (i // 2) * interval 1 month)::date as month, org_unit_id, role_id,
        sum(n) filter (where i % 2 = 0) as hc_first, sum(n) filter (where i % 2 = 1) as hc_last
    from heads
    group by all
),

moves as (
    select
        ev.month, a.org_unit_id, a.role_id,
        count(*) filter (where ev.kind = 'hire') as hires,
        count(*) filter (where ev.kind = 'exit') as exits,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'voluntary') as exits_voluntary,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'involuntary') as exits_involuntary,
        count(*) filter (where ev.kind = 'exit' and e.exit_type = 'other') as exits_other,
        count(*) filter (where ev.kind = 'exit' and coalesce(e.regretted, false)) as exits_regretted,
        count(*) filter (
            where ev.kind = 'exit' and coalesce(ev.day < e.hire_date + (e.probation_months) * interval 1 month, false)
        ) as exits_probation
    from hr_moments as ev
    join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = ev.employee_id
        and ev.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    where ev.kind in ('hire', 'exit')
        and ($all_units or a.org_unit_id in (select org_unit_id from in_scope))
    group by ev.month, a.org_unit_id, a.role_id
),

by_role as (
    select
        coalesce(h.month, m.month) as month, coalesce(h.org_unit_id, m.org_unit_id) as org_unit_id,
        coalesce(h.role_id, m.role_id) as role_id,
        coalesce(h.hc_first, 0)::bigint as hc_first, coalesce(h.hc_last, 0)::bigint as hc_last,
        coalesce(m.hires, 0) as hires, coalesce(m.exits, 0) as exits,
        coalesce(m.exits_voluntary, 0) as exits_voluntary, coalesce(m.exits_involuntary, 0) as exits_involuntary,
        coalesce(m.exits_other, 0) as exits_other, coalesce(m.exits_regretted, 0) as exits_regretted,
        coalesce(m.exits_probation, 0) as exits_probation
    from (select * from heads_by_month where hc_first <> 0 or hc_last <> 0) as h
    full join moves as m
        on m.month = h.month and m.org_unit_id is not distinct from h.org_unit_id
        and m.role_id is not distinct from h.role_id
)

select
    b.month, b.org_unit_id, org.region_id, org.team_id, coalesce(r.family, 'unknown') as role_family,
    b.hc_first, b.hc_last, b.hires, b.exits, b.exits_voluntary, b.exits_involuntary, b.exits_other,
    b.exits_regretted, b.exits_probation
from by_role as b
left join org_paths as org using (org_unit_id)
left join roles as r using (role_id)
