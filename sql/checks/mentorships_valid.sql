-- Mentorships: both people exist, mentor is not the mentee, dates in order.
select m.mentorship_id from mentorships as m
left join employees as a on a.employee_id = m.mentor_id left join employees as b on b.employee_id = m.mentee_id
where a.employee_id is null or b.employee_id is null or m.mentor_id = m.mentee_id or m.end_date < m.start_date
