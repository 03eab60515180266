-- Panel table behind rep_period_customers.sql (analytics/core/panels.py): which customer bought (an order line
-- with a positive amount) from which rep in which month, the rep in the unit held on the order's date as there
-- with $person false (dated after the rep's last day: that last day; before the hire date: the hire date).
-- Params: $start, $end (first days of the first and last month).
select distinct
    date_trunc('month', o.order_date)::date as month, o.customer_id, o.employee_id,
    a.org_unit_id, a.manager_id, a.role_id, a.job_level
from orders as o
left join employees as e using (employee_id)
left join assignments as a
    on a.employee_id = o.employee_id
    and greatest(least(o.order_date, coalesce(e.termination_date, o.order_date)), e.hire_date)
        between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
where o.amount > 0 and o.order_date between $start::date and last_day($end::date)
