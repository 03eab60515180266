-- Every org unit but the root hangs under an existing unit; levels are known.
select o.org_unit_id, o.parent_id, o.level from org_units as o
where (o.parent_id is not null and not exists (select 1 from org_units as p where p.org_unit_id = o.parent_id))
   or o.level not in ('company', 'region', 'team', 'department')
   or (o.parent_id is null and o.level <> 'company')
