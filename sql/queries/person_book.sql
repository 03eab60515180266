-- Per person in scope: the KA accounts they own and their open receivables (orders booked by $as_of less
-- cash collected on them by $as_of), both on the day `least(termination_date, $as_of)` (their last day for
-- leavers), placed in the org unit held on that day.
-- Params: $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

people as (
    select employee_id, least(coalesce(termination_date, $as_of::date), $as_of::date) as day
    from employees
    where hire_date <= $as_of::date
),

ka as (
    select p.employee_id, count(distinct ao.customer_id) as ka_accounts
    from people as p
    join account_owners as ao
        on ao.employee_id = p.employee_id and p.day between ao.valid_from and coalesce(ao.valid_to, date '9999-12-31')
    join customers as c on c.customer_id = ao.customer_id and c.tier = 'KA'
    group by all
),

booked as (
    select employee_id, sum(amount) as booked
    from orders
    where order_date <= $as_of::date and employee_id is not null
    group by all
),

paid as (
    select o.employee_id, sum(c.amount) as paid
    from collections as c
    join orders as o using (order_id)
    where c.collected_date <= $as_of::date and o.order_date <= $as_of::date and o.employee_id is not null
    group by all
),

final as (
    select
        p.employee_id, p.day, a.org_unit_id, org.region_id, org.team_id, a.role_id,
        coalesce(ka.ka_accounts, 0) as ka_accounts,
        -- in cents: the difference of two large sums carries float residue (1e-10) that differs with summing order
        round(greatest(coalesce(b.booked, 0) - coalesce(pd.paid, 0), 0), 2) as open_receivables
    from people as p
    left join assignments as a
        on a.employee_id = p.employee_id and p.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org on org.org_unit_id = a.org_unit_id
    left join ka on ka.employee_id = p.employee_id
    left join booked as b on b.employee_id = p.employee_id
    left join paid as pd on pd.employee_id = p.employee_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
