-- People hired between $start and $as_of with what is known of them by $as_of: channel, referrer,
-- recruiter (from the requisition they filled), org unit and role on the hire date, probation end,
-- exit (if by $as_of), and bookings and quota in tenure months 4–12 (month 1 = calendar month of hire).
-- Params: $start, $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

hires as (
    select
        employee_id, hire_date, hire_source, referrer_id, probation_months,
        case when termination_date <= $as_of::date then termination_date end as termination_date,
        (date_trunc('month', hire_date) + interval 3 month)::date as m4_start,
        last_day((date_trunc('month', hire_date) + interval 11 month)::date) as m12_end
    from employees
    where hire_date between $start::date and $as_of::date
),

req as (
    select hired_employee_id as employee_id, any_value(recruiter) as recruiter, any_value(requisition_id)
        as requisition_id
    from requisitions
    where hired_employee_id is not null
    group by all
),

sales as (
    select h.employee_id, sum(o.amount) as bookings_m4_12
    from hires as h
    join orders as o
        on o.employee_id = h.employee_id and o.order_date between h.m4_start and h.m12_end
        and o.order_date <= $as_of::date
    group by all
),

quota as (
    select h.employee_id, sum(q.amount) as quota_m4_12
    from hires as h
    join quotas as q
        on q.employee_id = h.employee_id and q.month between h.m4_start and h.m12_end
        and q.month <= $as_of::date
    group by all
),

final as (
    select
        h.employee_id, h.hire_date, h.hire_source, h.referrer_id, h.probation_months, h.termination_date,
        (h.hire_date + (h.probation_months) * interval 1 month)::date as probation_end,
        (h.hire_date + interval 365 day)::date as year_end,
        h.m12_end,
        req.recruiter, req.requisition_id,
        a.org_unit_id, org.region_id, a.role_id, coalesce(r.carries_quota, false) as carries_quota,
        coalesce(s.bookings_m4_12, 0) as bookings_m4_12, q.quota_m4_12
    from hires as h
    left join req using (employee_id)
    left join sales as s using (employee_id)
    left join quota as q using (employee_id)
    left join assignments as a
        on a.employee_id = h.employee_id and h.hire_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org on org.org_unit_id = a.org_unit_id
    left join roles as r on r.role_id = a.role_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
