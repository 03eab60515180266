-- First and last month holding facts (hires, exits, orders, quotas), for period pickers.
with bounds as (
    select min(hire_date) as lo, max(coalesce(termination_date, hire_date)) as hi from employees
    union all
    select min(order_date), max(order_date) from orders
    union all
    select min(month), max(month) from quotas
),

final as (
    select date_trunc('month', min(lo))::date as first_month, date_trunc('month', max(hi))::date as last_month
    from bounds
)

select * from final
