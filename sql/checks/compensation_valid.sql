-- Pay rows: known person, positive base, dates in order.
select c.employee_id, c.valid_from, c.valid_to, c.base_monthly from compensation as c
left join employees as e using (employee_id)
where e.employee_id is null or c.base_monthly < 0 or c.valid_to < c.valid_from
