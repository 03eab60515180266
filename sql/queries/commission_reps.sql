-- Reps in scope for a commission period: everyone with orders or quota in the range, placed where they
-- sat at the end of the range (or on their last day), with the commission plan and base pay in force then.
-- Params: $start, $end, $all_units, $units.
with active as (
    select employee_id from orders
    where order_date between $start::date and $end::date and employee_id is not null
    union
    select employee_id from quotas where month between $start::date and $end::date
),

placed as (
    select x.employee_id, e.name,
           greatest(least($end::date, coalesce(e.termination_date, $end::date)), e.hire_date) as day
    from active as x join employees as e using (employee_id)
),

pay as (
    select p.employee_id, arg_max(c.commission_plan, c.valid_from) filter (where c.commission_plan is not null) as plan_id,
           arg_max(c.base_monthly, c.valid_from) filter (where c.base_monthly is not null) as base_monthly
    from placed as p join compensation as c on c.employee_id = p.employee_id and c.valid_from <= p.day
    group by all
),

org as (
    select * from org_paths
),

final as (
    select p.employee_id, p.name, a.org_unit_id as team_id, org.region_id, a.role_id, pay.plan_id, pay.base_monthly
    from placed as p
    left join assignments as a
        on a.employee_id = p.employee_id and p.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join pay on pay.employee_id = p.employee_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
