-- What is known about each hire in their first 30 days (days 0–29 after the hire date, and never after
-- $as_of): channel, a mentor starting in that window, the 30-day onboarding plan (tasks done ÷ total),
-- customer visits and bookings in the window, with the days observed; plus the probation outcome as
-- known by $as_of. Placed in the org unit and role held on the hire date.
-- Params: $start, $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

hires as (
    select
        employee_id, hire_date, hire_source, probation_months,
        case when termination_date <= $as_of::date then termination_date end as termination_date,
        least(hire_date + interval 29 day, $as_of::date)::date as window_end
    from employees
    where hire_date between $start::date and $as_of::date
),

visits as (
    select h.employee_id, count(*) as visits_30
    from hires as h
    join activities as act
        on act.employee_id = h.employee_id and act.kind = 'visit'
        and act.activity_date between h.hire_date and h.window_end
    group by all
),

sales as (
    select h.employee_id, sum(o.amount) as bookings_30
    from hires as h
    join orders as o on o.employee_id = h.employee_id and o.order_date between h.hire_date and h.window_end
    group by all
),

mentored as (
    select distinct h.employee_id
    from hires as h
    join mentorships as m on m.mentee_id = h.employee_id and m.start_date <= h.window_end
),

final as (
    select
        h.employee_id, h.hire_date, h.hire_source, h.probation_months, h.termination_date,
        (h.hire_date + (h.probation_months) * interval 1 month)::date as probation_end,
        datediff('day', h.hire_date, h.window_end) + 1 as days_observed,
        a.org_unit_id, org.region_id, org.team_id, a.role_id, coalesce(r.carries_quota, false) as carries_quota,
        m.employee_id is not null as mentored,
        case when o.tasks_total > 0 then least(o.tasks_done, o.tasks_total) / o.tasks_total end as onboarding_done,
        coalesce(v.visits_30, 0) as visits_30,
        coalesce(s.bookings_30, 0) as bookings_30
    from hires as h
    left join assignments as a
        on a.employee_id = h.employee_id and h.hire_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org on org.org_unit_id = a.org_unit_id
    left join roles as r on r.role_id = a.role_id
    left join mentored as m on m.employee_id = h.employee_id
    left join onboarding as o on o.employee_id = h.employee_id
    left join visits as v on v.employee_id = h.employee_id
    left join sales as s on s.employee_id = h.employee_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
