-- The skills: bilingual names and category.
with final as (
    select skill_id, name_en, name_zh, category
    from skills
)

select * from final order by skill_id
