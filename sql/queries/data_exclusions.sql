-- Rows the metrics leave out, counted so pages can say what was excluded and why.
-- Params: $start, $end (the period's first and last day).
with final as (
    select 'employees_termination_before_hire' as rule,
           count(*) filter (where termination_date < hire_date) as n
    from employees
    union all
    select 'employees_unknown_exit_type',
           count(*) filter (where termination_date is not null
               and (exit_type is null or exit_type not in ('voluntary', 'involuntary', 'other')))
    from employees
    union all
    select 'orders_without_rep', count(*) filter (where employee_id is null)
    from orders where order_date between $start::date and $end::date
    union all
    select 'orders_negative_amount', count(*) filter (where amount < 0)
    from orders where order_date between $start::date and $end::date
    union all
    select 'quota_zero_rows', count(*) filter (where amount = 0)
    from quotas where month between $start::date and $end::date
    union all
    select 'reps_with_orders_but_no_quota', count(distinct o.employee_id)
    from orders as o
    where o.order_date between $start::date and $end::date and o.employee_id is not null
        and o.employee_id not in (
            select employee_id from quotas
            where month between $start::date and $end::date and amount > 0)
)

select * from final
