-- Quotas: existing person, amount not negative.
select q.employee_id, q.month, q.amount from quotas as q left join employees as e using (employee_id)
where e.employee_id is null or q.amount < 0 or q.month <> date_trunc('month', q.month)
