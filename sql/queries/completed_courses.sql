-- Courses completed on or before $as_of by everyone employed that day in scope (known courses only).
-- Params: $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

people as (
    select e.employee_id
    from employees as e
    join assignments as a
        on a.employee_id = e.employee_id and $as_of::date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    where e.hire_date <= $as_of::date and (e.termination_date is null or e.termination_date >= $as_of::date)
        and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
),

final as (
    select n.employee_id, n.course_id, min(coalesce(n.completed_date, n.enrolled_date)) as completed_date
    from enrollments as n
    join people as p using (employee_id)
    join courses as c using (course_id)
    where n.completed and coalesce(n.completed_date, n.enrolled_date) <= $as_of::date
    group by all
)

select * from final
