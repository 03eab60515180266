-- The org tree with region and team of each unit, bilingual names; open and closed units.
with final as (
    select p.*, o.opened_date, o.closed_date
    from org_paths as p join org_units as o using (org_unit_id)
)

select * from final order by level, org_unit_id
