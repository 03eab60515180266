-- rep_month_sales.sql's rows read from the sales_placed panel (analytics/core/panels.py): a rep's month rows summed
-- over the units they were placed in by date, then the rep placed in the unit held on the month's last day
-- employed (before the hire date: the hire date). Orders without a rep and reps missing from employees are left
-- out, as there. Params: as rep_month_sales.sql ($hired_from: reps hired on or after it, or everyone).
with rep_months as (
    select
        employee_id, month,
        sum(bookings) as bookings, sum(ka_bookings) as ka_bookings,
        sum(new_customer_bookings) as new_customer_bookings, sum(n_orders)::bigint as n_orders,
        sum(quota) as quota, sum(collected) as collected
    from panels.sales_placed
    where month between $start::date and $end::date and employee_id is not null
        and ($hired_from::date is null
            or employee_id in (select employee_id from employees where hire_date >= $hired_from::date))
    group by employee_id, month
)

select
    r.employee_id, r.month, e.hire_date,
    a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id, a.job_level,
    r.bookings, r.ka_bookings, r.new_customer_bookings, r.n_orders, r.quota, r.collected
from rep_months as r
join employees as e using (employee_id)
left join assignments as a
    on a.employee_id = r.employee_id
    and greatest(least(last_day(r.month), coalesce(e.termination_date, last_day(r.month))), e.hire_date)
        between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as org using (org_unit_id)
where ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
    and ($hired_from::date is null or e.hire_date >= $hired_from::date)
