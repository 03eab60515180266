-- Enrolments starting in the period, with the learner's placement on the enrolment day (scope filter).
-- Params: $start, $end, $all_units, $units.
with org as (
    select * from org_paths
),

final as (
    select n.enrollment_id, n.employee_id, n.course_id, n.completed, a.org_unit_id, org.region_id, org.team_id,
           a.role_id
    from enrollments as n
    left join assignments as a
        on a.employee_id = n.employee_id and n.enrolled_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where n.enrolled_date between $start::date and $end::date
        and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
)

select * from final
