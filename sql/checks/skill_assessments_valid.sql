-- Assessments: known skill and person, score within 1–5.
select s.employee_id, s.skill_id, s.assessed_date, s.score from skill_assessments as s
left join skills as k using (skill_id) left join employees as e using (employee_id)
where k.skill_id is null or e.employee_id is null or s.score not between 1 and 5
