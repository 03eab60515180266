-- Orders point at an existing customer and, when credited, an existing rep.
select o.order_id, o.employee_id, o.customer_id from orders as o
left join customers as c using (customer_id)
left join employees as e using (employee_id)
where c.customer_id is null or (o.employee_id is not null and e.employee_id is null)
