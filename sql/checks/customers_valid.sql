-- Customers: tier KA or regular, region an existing region.
select c.customer_id, c.tier, c.region_id from customers as c
left join org_units as o on o.org_unit_id = c.region_id
where c.tier not in ('KA', 'regular') or (c.region_id is not null and o.org_unit_id is null)
