-- Courses completed on or before $as_of by everyone employed that day in scope (known courses only).
-- Params: $as_of, $all_units, $units.
with people as (
    select * from people_in_scope($as_of::date, $all_units, $units)
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
