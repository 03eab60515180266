-- The months the facts cover, for period pickers and model windows. The history starts with the first
-- recorded exit, order or quota (people hired earlier appear, but their colleagues who left earlier do not,
-- so earlier months would be survivor-biased); with none of those, with the first hire.
with bounds as (
    select min(termination_date) as lo, max(termination_date) as hi from employees
    union all
    select min(order_date), max(order_date) from orders
    union all
    select min(month), max(month) from quotas
),

hires as (
    select min(hire_date) as lo, max(hire_date) as hi from employees
),

final as (
    select
        date_trunc('month', coalesce((select min(lo) from bounds), (select lo from hires)))::date as first_month,
        date_trunc('month', greatest((select max(hi) from bounds), (select hi from hires)))::date as last_month
)

select * from final
