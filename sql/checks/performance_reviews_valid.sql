-- Reviews: known person, rating 1–5, potential 1–3; values and collaboration 1–5 where given; a veto has a reason.
select p.employee_id, p.quarter, p.rating, p.potential from performance_reviews as p
left join employees as e using (employee_id)
where e.employee_id is null or p.rating not between 1 and 5 or p.potential not between 1 and 3
   or p.value_customer not between 1 and 5 or p.value_teamwork not between 1 and 5
   or p.value_results not between 1 and 5 or p.collaboration not between 1 and 5
   or (coalesce(p.veto, false) and coalesce(trim(p.veto_reason), '') = '')
