-- Account owners: existing customer and person, dates in order.
select a.customer_id, a.employee_id, a.valid_from, a.valid_to from account_owners as a
left join customers as c using (customer_id) left join employees as e using (employee_id)
where c.customer_id is null or e.employee_id is null or a.valid_to < a.valid_from
