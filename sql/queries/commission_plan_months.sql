-- The commission plan in force for each rep in $reps and each month of [$start, $end] that the rep was
-- employed in or has orders or quota in: the plan of the compensation row valid on the month's last day,
-- or on the last day employed when that is earlier (null: no plan in force then). `day` is that look-up
-- day; the base salary of a bonus or cap is read on it too (docs/commission_plans.md, "Plan changes").
-- Params: $start, $end, $reps.
with reps as (select unnest($reps) as employee_id),

months as (
    select cast(m as date) as month
    from (select unnest(generate_series(date_trunc('month', $start::date), $end::date, interval 1 month)) as m)
),

people as (
    select employee_id, hire_date, termination_date from employees semi join reps using (employee_id)
),

active as (
    select employee_id, cast(date_trunc('month', order_date) as date) as month
    from orders semi join reps using (employee_id)
    where order_date between $start::date and $end::date
    union
    select employee_id, month from quotas semi join reps using (employee_id)
    where month between date_trunc('month', $start::date) and $end::date
),

rep_months as (
    select p.employee_id, m.month, least(last_day(m.month), coalesce(p.termination_date, last_day(m.month))) as day
    from people as p cross join months as m
    left join active as a on a.employee_id = p.employee_id and a.month = m.month
    where a.employee_id is not null
        or (p.hire_date <= last_day(m.month) and coalesce(p.termination_date, m.month) >= m.month)
),

final as (
    select r.employee_id, r.month, r.day, c.commission_plan as plan_id
    from rep_months as r
    left join compensation as c
        on c.employee_id = r.employee_id and r.day between c.valid_from and coalesce(c.valid_to, date '9999-12-31')
    qualify row_number() over (partition by r.employee_id, r.month order by c.valid_from desc nulls last) = 1
)

select * from final order by employee_id, month
