-- Employment spells overlapping a window, for survival curves: one row per person employed at some
-- time between $window_start and $as_of, placed in the org unit, role and manager held on the day they
-- enter the window (hire date, or the window start for people hired before it: left truncation).
-- Exits after the as-of date are not known yet: such spells are censored at the as-of date.
-- Params: $window_start, $as_of, $all_units, $units.
with spells as (
    select
        employee_id, hire_date, hire_source, probation_months,
        case when termination_date <= $as_of::date then termination_date end as termination_date,
        case when termination_date <= $as_of::date then exit_type end as exit_type,
        greatest(hire_date, $window_start::date) as entry_day
    from employees
    where hire_date <= $as_of::date
        and (termination_date is null or termination_date >= $window_start::date)
),

org as (
    select * from org_paths
),

final as (
    select
        s.*, a.org_unit_id, org.region_id, org.team_id, a.role_id, a.manager_id, a.job_level,
        coalesce(r.family, 'unknown') as role_family,
        exists (
            select 1 from mentorships as m
            where m.mentee_id = s.employee_id and m.start_date < s.hire_date + interval 31 day
        ) as mentored
    from spells as s
    left join assignments as a
        on a.employee_id = s.employee_id
        and s.entry_day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join roles as r using (role_id)
    where $all_units
        or list_contains($units, a.org_unit_id)
        or list_contains($units, org.region_id)
)

select * from final
