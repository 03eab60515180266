-- Per person employed on $as_of in scope: accounts owned that day (KA and regular), and per industry the
-- distinct customers they sold to and the bookings, from $start to $as_of (one row per person × industry;
-- industry null when they sold nothing); scope_unit and scope_region: the unit (and region) held that day.
-- Params: $start, $as_of, $all_units, $units.
with people as (
    select * from people_in_scope_placed($as_of::date, $all_units, $units)
),

load as (
    select o.employee_id,
           count(*) filter (where c.tier = 'KA') as ka_accounts,
           count(*) filter (where c.tier is distinct from 'KA') as regular_accounts
    from account_owners as o
    join customers as c using (customer_id)
    where $as_of::date between o.valid_from and coalesce(o.valid_to, date '9999-12-31')
    group by all
),

industry as (
    select o.employee_id, c.industry, count(distinct o.customer_id) as customers, sum(o.amount) as bookings
    from orders as o
    join customers as c using (customer_id)
    where o.order_date between $start::date and $as_of::date and o.employee_id is not null
    group by all
),

final as (
    select p.employee_id, coalesce(l.ka_accounts, 0) as ka_accounts, coalesce(l.regular_accounts, 0) as regular_accounts,
           i.industry, coalesce(i.customers, 0) as industry_customers, coalesce(i.bookings, 0) as industry_bookings,
           p.scope_unit, p.scope_region
    from people as p
    left join load as l using (employee_id)
    left join industry as i using (employee_id)
)

select * from final
