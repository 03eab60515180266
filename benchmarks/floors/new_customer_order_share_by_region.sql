-- Plain-DuckDB floor, exact: the company's own metric new_customer_order_share (metrics/new_customer_order_share.toml)
-- by region for every period of a request, in one statement. The same values the metric engine returns
-- (analytics/metrics/custom_engine.py on analytics/core/custom_sql.py scoped, person rows): of the orders dated in
-- the period with a positive amount, the share that were a new customer's first order — Σ first orders ÷ Σ orders.
-- Each order is placed in the unit its rep held on the order's date, on the rep's termination date for an order
-- dated after it and on the hire date for one dated before it; region from org_paths. Orders with no rep, or a rep
-- with no assignment that day, are in no region (region null: the engine lists them as such a group).
-- Params: $starts, $ends (date[]: first and last day of each period).
-- Returns: period_start, region, value, numerator (first orders), denominator (orders).
with periods as (
    select unnest($starts::date[]) as p_start, unnest($ends::date[]) as p_end
),

rows as (
    select p.p_start, o.employee_id, o.order_date, if(o.is_new_customer, 1, 0) as first_order
    from orders as o
    join periods as p on o.order_date between p.p_start and p.p_end
    where o.amount > 0
),

placed as (
    select r.*, greatest(least(r.order_date, coalesce(e.termination_date, r.order_date)), e.hire_date) as placed_on
    from rows as r
    left join employees as e using (employee_id)
),

regions as (
    select
        p.p_start as period_start, g.region_id as region,
        sum(p.first_order)::double as numerator, count(*)::double as denominator
    from placed as p
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org_paths as g on g.org_unit_id = a.org_unit_id
    group by all
)

select period_start, region, numerator / denominator as value, numerator, denominator
from regions
order by period_start, region nulls last
