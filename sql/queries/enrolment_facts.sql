-- Enrolments started between $start and $end of known people and courses, each placed in the org unit and
-- role the person held on the enrolment day; pre/post scores outside 0–100 are nulled (counted by
-- talent_data_issues.sql). Params: $start, $end, $all_units, $units.
with org as (
    select * from org_paths
),

final as (
    select
        n.enrollment_id, n.employee_id, n.course_id, c.skill_id, c.target_metric, n.enrolled_date,
        n.completed, n.completed_date,
        case when n.pre_score between 0 and 100 then n.pre_score end as pre_score,
        case when n.post_score between 0 and 100 then n.post_score end as post_score,
        a.role_id, a.org_unit_id, org.team_id, org.region_id, e.hire_date, e.termination_date
    from enrollments as n
    join courses as c using (course_id)
    join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = n.employee_id
        and n.enrolled_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where n.enrolled_date between $start::date and $end::date
        and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
)

select * from final
