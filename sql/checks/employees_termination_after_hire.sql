-- Employees whose last day is before their hire date.
select employee_id, hire_date, termination_date from employees where termination_date < hire_date
