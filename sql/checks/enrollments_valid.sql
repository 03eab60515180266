-- Enrolments: known person and course, completion consistent, scores 0–100.
select n.enrollment_id, n.employee_id, n.course_id from enrollments as n
left join courses as c using (course_id) left join employees as e using (employee_id)
where c.course_id is null or e.employee_id is null
   or (n.completed and n.completed_date is null) or n.completed_date < n.enrolled_date
   or n.pre_score not between 0 and 100 or n.post_score not between 0 and 100
