-- Rows the metrics leave out, counted in the viewer's scope, so a page says what was excluded and why without
-- counting other units' rows. The same rules as data_exclusions.sql (the company-wide counts), each row placed:
--   people (termination before hire, unknown exit type): in the unit of their latest assignment;
--   orders (negative amount; reps with orders but no quota): in the unit the rep held on the order's date (the
--     latest assignment begun by then); an order without a rep in its customer's region;
--   quota rows of zero: in the unit the rep held on the month's last day.
-- A row that cannot be placed counts only for viewers of the whole company.
-- Params: $start, $end (the period's first and last day), $all_units, $units.
with org as (
    select * from org_paths
),

people as (
    select e.employee_id, e.hire_date, e.termination_date, e.exit_type, org.org_unit_id, org.region_id
    from employees as e
    left join (
        select employee_id, arg_max(org_unit_id, valid_from) filter (where org_unit_id is not null) as org_unit_id
        from assignments group by employee_id
    ) as a using (employee_id)
    left join org using (org_unit_id)
),

orders_placed as (
    select o.order_id, o.employee_id, o.amount, org.org_unit_id, coalesce(org.region_id, cu.region_id) as region_id
    from orders as o
    left join customers as cu using (customer_id)
    left join assignments as a  -- the latest assignment begun by the order's date (as an ASOF join would take)
        on a.employee_id = o.employee_id and o.order_date >= a.valid_from
    left join org on org.org_unit_id = a.org_unit_id
    where o.order_date between $start::date and $end::date
    qualify row_number() over (partition by o.order_id order by a.valid_from desc nulls last, a.org_unit_id) = 1
),

quotas_placed as (
    select q.employee_id, q.month, q.amount, org.org_unit_id, org.region_id
    from (select *, last_day(month) as day from quotas) as q
    left join assignments as a  -- the latest assignment begun by the month's last day
        on a.employee_id = q.employee_id and q.day >= a.valid_from
    left join org on org.org_unit_id = a.org_unit_id
    where q.month between $start::date and $end::date
    qualify row_number() over (partition by q.employee_id, q.month order by a.valid_from desc nulls last,
                                            a.org_unit_id) = 1
),

people_in_scope as (
    select * from people
    where $all_units or list_contains($units, org_unit_id) or list_contains($units, region_id)
),

orders_in_scope as (
    select * from orders_placed
    where $all_units or list_contains($units, org_unit_id) or list_contains($units, region_id)
),

quotas_in_scope as (
    select * from quotas_placed
    where $all_units or list_contains($units, org_unit_id) or list_contains($units, region_id)
),

final as (
    select 'employees_termination_before_hire' as rule,
           count(*) filter (where termination_date < hire_date) as n
    from people_in_scope
    union all
    select 'employees_unknown_exit_type',
           count(*) filter (where termination_date is not null
               and (exit_type is null or exit_type not in ('voluntary', 'involuntary', 'other')))
    from people_in_scope
    union all
    select 'orders_without_rep', count(*) filter (where employee_id is null)
    from orders_in_scope
    union all
    select 'orders_negative_amount', count(*) filter (where amount < 0)
    from orders_in_scope
    union all
    select 'quota_zero_rows', count(*) filter (where amount = 0)
    from quotas_in_scope
    union all
    select 'reps_with_orders_but_no_quota', count(distinct o.employee_id)
    from orders_in_scope as o
    where o.employee_id is not null
        and o.employee_id not in (
            select employee_id from quotas
            where month between $start::date and $end::date and amount > 0)
)

select * from final
