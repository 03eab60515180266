-- KA customers with their owner on $as_of (account_owners valid that day; null when none), the owner's
-- placement (on $as_of, or on their last day if they have left) and known leaving date, and the customer's
-- bookings from $start to $as_of. In scope when the customer's region or the owner's unit is in scope.
-- Params: $start, $as_of, $all_units, $units.
with org as (
    select * from org_paths
),

ka as (
    select customer_id, name, region_id, industry
    from customers
    where tier = 'KA' and (created_date is null or created_date <= $as_of::date)
),

owners as (
    select customer_id, employee_id as owner_id, valid_from as owner_since
    from account_owners
    where $as_of::date between valid_from and coalesce(valid_to, date '9999-12-31')
),

owner_place as (
    select o.customer_id, o.owner_id, o.owner_since, e.name as owner_name, e.termination_date as owner_termination_date,
           a.role_id as owner_role, a.org_unit_id as owner_unit, org.team_id as owner_team_id,
           org.region_id as owner_region_id
    from owners as o
    left join employees as e on e.employee_id = o.owner_id
    left join assignments as a
        on a.employee_id = o.owner_id
        and least($as_of::date, coalesce(e.termination_date, $as_of::date))
            between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org on org.org_unit_id = a.org_unit_id
),

sales as (
    select customer_id, sum(amount) as bookings
    from orders
    where order_date between $start::date and $as_of::date
    group by all
),

final as (
    select k.customer_id, k.name as customer_name, k.region_id, k.industry,
           p.owner_id, p.owner_since, p.owner_name, p.owner_role, p.owner_team_id, p.owner_region_id,
           p.owner_termination_date, coalesce(s.bookings, 0) as bookings
    from ka as k
    left join owner_place as p using (customer_id)
    left join sales as s using (customer_id)
    where $all_units or list_contains($units, k.region_id) or list_contains($units, p.owner_unit)
        or list_contains($units, p.owner_region_id)
)

select * from final
