-- The org tree with region and team of each unit, bilingual names; open and closed units.
with final as (
    select
        org_unit_id, parent_id, level, name_en, name_zh, opened_date, closed_date,
        case level when 'team' then parent_id when 'region' then org_unit_id end as region_id
    from org_units
)

select * from final order by level, org_unit_id
