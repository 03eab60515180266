-- The plain-DuckDB floor for the overview: the four company-level numbers in one statement,
-- no effective-dating beyond what the numbers need. Params: $start, $end (quarter start/end day),
-- $ttm_start (first day of the 12-month window), $as_of.
with days as (
    select m::date as month, 'first' as kind, m::date as day
    from range($ttm_start::date, $end::date, interval 1 month) as t(m)
    union all
    select m::date, 'last', last_day(m::date)
    from range($ttm_start::date, $end::date, interval 1 month) as t(m)
),

hc as (
    select d.month, d.kind, d.day, count(*) as n,
           count(*) filter (where r.family = 'sales') as n_sales
    from days as d
    join employees as e on e.hire_date <= d.day and (e.termination_date is null or d.day <= e.termination_date)
    left join assignments as a on a.employee_id = e.employee_id
        and d.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join roles as r using (role_id)
    group by all
),

monthly as (
    select month, avg(n) as avg_hc, avg(n_sales) as avg_sales from hc group by month
),

quota_reps as (
    select employee_id from quotas where month between $start::date and $end::date
    group by all having sum(amount) > 0
),

final as (
    select
        (select n from hc where day = $end::date and kind = 'last') as headcount_end,
        (select count(*) from employees where termination_date between $ttm_start::date and $end::date)
            / (select avg(avg_hc) from monthly) as attrition_rate_ttm,
        (select sum(amount) from orders where order_date between $start::date and $end::date
            and employee_id in (select employee_id from quota_reps))
            / (select sum(amount) from quotas where month between $start::date and $end::date) as attainment,
        (select sum(amount) from orders where order_date between $start::date and $end::date
            and employee_id is not null)
            / (select avg(avg_sales) from monthly where month >= $start::date) as revenue_per_head
)

select * from final
