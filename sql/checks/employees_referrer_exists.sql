-- A referrer must be a known employee.
select e.employee_id, e.referrer_id from employees as e
where e.referrer_id is not null and not exists (select 1 from employees as r where r.employee_id = e.referrer_id)
