-- Everyone employed on $as_of in scope, placed where they sat that day (org unit, team, region, manager,
-- role, level), with the start of their current run in that role, the latest performance review on or
-- before $as_of (with its veto), whether a mentor started within their first month, and a known leaving date.
-- Person-level: served only to viewers with person-level rights. Params: $as_of, $all_units, $units.
with people as (
    select * from employees
    where hire_date <= $as_of::date and (termination_date is null or termination_date >= $as_of::date)
),

org as (
    select * from org_paths
),

placed as (
    select p.*, a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id, a.job_level
    from people as p
    join assignments as a
        on a.employee_id = p.employee_id and $as_of::date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
),

other_role as (
    -- the last day this person held another role before today's run in the current one
    select p.employee_id, max(coalesce(a.valid_to, $as_of::date)) as other_until
    from placed as p
    join assignments as a
        on a.employee_id = p.employee_id and a.role_id <> p.role_id and a.valid_from <= $as_of::date
    group by all
),

role_since as (
    select p.employee_id, min(a.valid_from) as role_since
    from placed as p
    left join other_role as o using (employee_id)
    join assignments as a
        on a.employee_id = p.employee_id and a.role_id = p.role_id and a.valid_from <= $as_of::date
        and a.valid_from > coalesce(o.other_until, date '0001-01-01')
    group by all
),

reviews as (
    select employee_id, arg_max(rating, review_date) filter (where rating is not null) as rating, arg_max(potential, review_date) filter (where potential is not null) as potential,
           arg_max(quarter, review_date) filter (where quarter is not null) as review_quarter, max(review_date) as review_date,
           arg_max(coalesce(veto, false), review_date) filter (where coalesce(veto, false) is not null) as veto
    from performance_reviews
    where review_date <= $as_of::date and rating between 1 and 5 and potential between 1 and 3
    group by all
),

mentored as (
    select distinct m.mentee_id as employee_id
    from mentorships as m join employees as e on e.employee_id = m.mentee_id
    where m.start_date < e.hire_date + interval 31 day and m.start_date <= $as_of::date
),

final as (
    select
        p.employee_id, p.name, p.hire_date, p.termination_date, p.probation_months, p.hire_source,
        p.org_unit_id, p.team_id, p.region_id, p.manager_id, p.role_id, p.job_level,
        coalesce(r.family, 'unknown') as role_family, coalesce(r.carries_quota, false) as carries_quota,
        r.career_step, rs.role_since,
        v.rating, v.potential, v.review_quarter, v.review_date, v.veto,
        m.employee_id is not null as mentored
    from placed as p
    left join roles as r using (role_id)
    left join role_since as rs using (employee_id)
    left join reviews as v using (employee_id)
    left join mentored as m using (employee_id)
)

select * from final
