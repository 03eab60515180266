-- People hired between $start and $as_of, placed in the org unit and role they held on their hire date,
-- with the 30-day onboarding plan (tasks done ÷ total), whether a mentor started within their first month,
-- their probation end and whether they left before it (known by $as_of).
-- Params: $start, $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

hires as (
    select * from employees where hire_date between $start::date and $as_of::date
),

mentored as (
    select distinct m.mentee_id as employee_id
    from mentorships as m join hires as h on h.employee_id = m.mentee_id
    where m.start_date < h.hire_date + interval 31 day and m.start_date <= $as_of::date
),

final as (
    select
        h.employee_id, h.hire_date, h.hire_source, h.probation_months,
        (h.hire_date + (h.probation_months) * interval 1 month)::date as probation_end,
        case when h.termination_date <= $as_of::date then h.termination_date end as termination_date,
        coalesce(h.termination_date <= $as_of::date
                 and h.termination_date < h.hire_date + (h.probation_months) * interval 1 month, false) as probation_exit,
        a.role_id, a.org_unit_id, org.team_id, org.region_id, r.career_step, coalesce(r.carries_quota, false)
            as carries_quota,
        m.employee_id is not null as mentored,
        o.tasks_total, o.tasks_done,
        case when o.tasks_total > 0 then least(o.tasks_done, o.tasks_total) / o.tasks_total end as onboarding_done
    from hires as h
    left join assignments as a
        on a.employee_id = h.employee_id and h.hire_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join roles as r using (role_id)
    left join mentored as m on m.employee_id = h.employee_id
    left join onboarding as o on o.employee_id = h.employee_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
