-- Flight-risk features as of each date in $as_of_dates, for everyone employed that day, using only
-- facts dated on or before it (no leakage), plus the label: left within $horizon_months after it.
-- Placement (org, role, manager) is the one held on the as-of date. Params: $as_of_dates (list of
-- dates), $horizon_months, $all_units, $units.
-- Memory: only the employee columns used are carried, and the monthly facts are read for the months the
-- dates look back on only (the caller may pass a few dates at a time: analytics/people/risk.py).
-- Determinism: DuckDB sums doubles in no fixed order (threads), so a double sum differs in the last bits from
-- run to run and the model amplifies that. Every sum here is exact instead: money as decimal(18, 2) (cents),
-- hours and days as decimal(18, 4), cast to double once at the end, so every run gives bit-identical features.
with dates as (
    select unnest($as_of_dates::date[]) as as_of
),

span as (  -- the months any date looks back on: (first date - 12 months, last date]
    select min(as_of) - interval 12 month as lo, max(as_of) as hi from dates
),

people as (
    select d.as_of, e.employee_id, e.hire_date, e.termination_date, e.exit_type, e.hire_source,
           e.probation_months
    from dates as d
    join employees as e on e.hire_date <= d.as_of and (e.termination_date is null or e.termination_date > d.as_of)
),

org as (
    select * from org_paths
),

placed as (
    select p.*, a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id, a.job_level,
           coalesce(r.family, 'unknown') as role_family
    from people as p
    left join assignments as a
        on a.employee_id = p.employee_id and p.as_of between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join roles as r using (role_id)
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
),

rep_month as (
    select employee_id, date_trunc('month', order_date)::date as month,
           sum(amount::decimal(18, 2)) as bookings
    from orders, span
    where employee_id is not null and date_trunc('month', order_date) > span.lo
        and date_trunc('month', order_date) <= span.hi
    group by all
),

sales_q as (
    select
        p.as_of, p.employee_id,
        sum(b.bookings) filter (where b.month > p.as_of - interval 3 month)::double as bookings_q1,
        sum(b.bookings) filter (where b.month <= p.as_of - interval 3 month)::double as bookings_q2
    from placed as p
    join rep_month as b on b.employee_id = p.employee_id
        and b.month > p.as_of - interval 6 month and b.month <= p.as_of
    group by all
),

quota_q as (
    select
        p.as_of, p.employee_id,
        sum(q.amount::decimal(18, 2)) filter (where q.month > p.as_of - interval 3 month)::double as quota_q1,
        sum(q.amount::decimal(18, 2)) filter (where q.month <= p.as_of - interval 3 month)::double as quota_q2
    from placed as p
    join quotas as q on q.employee_id = p.employee_id
        and q.month > p.as_of - interval 6 month and q.month <= p.as_of
    group by all
),

attendance_3m as (
    select p.as_of, p.employee_id, avg(t.overtime_hours::decimal(18, 4))::double as overtime_3m,
           sum(t.leave_days::decimal(18, 4))::double as leave_3m
    from placed as p
    join attendance as t on t.employee_id = p.employee_id
        and t.month > p.as_of - interval 3 month and t.month <= p.as_of
    group by all
),

travel_3m as (
    select p.as_of, p.employee_id, sum(v.travel_days::decimal(18, 4))::double as travel_3m
    from placed as p
    join travel as v on v.employee_id = p.employee_id
        and v.month > p.as_of - interval 3 month and v.month <= p.as_of
    group by all
),

engagement_seq as (  -- each answer with its change since the person's answer before (a care signal's "drop")
    select employee_id, survey_date, engagement_score, manager_score,
        engagement_score - lag(engagement_score) over (partition by employee_id order by survey_date)
            as engagement_change
    from engagement
),

engagement_last as (
    select p.as_of, p.employee_id, arg_max(g.engagement_score, g.survey_date) filter (where g.engagement_score is not null) as engagement,
           arg_max(g.manager_score, g.survey_date) filter (where g.manager_score is not null) as manager_score,
           arg_max(g.engagement_change, g.survey_date) filter (where g.engagement_change is not null) as engagement_change
    from placed as p
    join engagement_seq as g on g.employee_id = p.employee_id and g.survey_date <= p.as_of
    group by all
),

managers_12m as (
    select p.as_of, p.employee_id, count(distinct a.manager_id) as managers_12m
    from placed as p
    join assignments as a on a.employee_id = p.employee_id
        and a.valid_from <= p.as_of and coalesce(a.valid_to, date '9999-12-31') > p.as_of - interval 12 month
    group by all
),

training_12m as (
    select p.as_of, p.employee_id, count(*) as courses_12m
    from placed as p
    join enrollments as n on n.employee_id = p.employee_id and n.completed
        and n.completed_date <= p.as_of and n.completed_date > p.as_of - interval 12 month
    group by all
),

complaints_6m as (
    select p.as_of, p.employee_id, count(*) as complaints_6m
    from placed as p
    join complaints as c on c.employee_id = p.employee_id
        and c.complaint_date <= p.as_of and c.complaint_date > p.as_of - interval 6 month
    group by all
),

pay as (
    select p.as_of, p.employee_id, arg_max(c.base_monthly, c.valid_from) filter (where c.base_monthly is not null) as base_monthly
    from placed as p
    join compensation as c on c.employee_id = p.employee_id and c.valid_from <= p.as_of
    group by all
),

mentored as (
    select distinct mentee_id as employee_id from mentorships
    where start_date is not null
),

final as (
    select
        p.as_of, p.employee_id, p.org_unit_id, p.region_id, p.team_id, p.manager_id, p.role_id, p.role_family,
        p.job_level, p.hire_source,
        date_diff('day', p.hire_date, p.as_of) as tenure_days,
        p.as_of < p.hire_date + (p.probation_months) * interval 1 month as in_probation,
        s.bookings_q1, s.bookings_q2, q.quota_q1, q.quota_q2,
        case when q.quota_q1 > 0 then coalesce(s.bookings_q1, 0) / q.quota_q1 end as attainment_q1,
        case when q.quota_q2 > 0 then coalesce(s.bookings_q2, 0) / q.quota_q2 end as attainment_q2,
        t.overtime_3m, t.leave_3m, tv.travel_3m, g.engagement, g.manager_score, g.engagement_change,
        coalesce(m.managers_12m, 1) - 1 as manager_changes_12m,
        coalesce(tr.courses_12m, 0) as courses_12m,
        coalesce(c.complaints_6m, 0) as complaints_6m,
        pay.base_monthly,
        mt.employee_id is not null as mentored,
        p.termination_date is not null
            and p.termination_date <= p.as_of + ($horizon_months::integer) * interval 1 month as left_within,
        p.exit_type
    from placed as p
    left join sales_q as s using (as_of, employee_id)
    left join quota_q as q using (as_of, employee_id)
    left join attendance_3m as t using (as_of, employee_id)
    left join travel_3m as tv using (as_of, employee_id)
    left join engagement_last as g using (as_of, employee_id)
    left join managers_12m as m using (as_of, employee_id)
    left join training_12m as tr using (as_of, employee_id)
    left join complaints_6m as c using (as_of, employee_id)
    left join pay using (as_of, employee_id)
    left join mentored as mt on mt.employee_id = p.employee_id
)

select * from final
