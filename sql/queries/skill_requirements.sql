-- Required score (1–5) per role and skill, with the skill's bilingual name and category. Only known skills.
with final as (
    select r.role_id, r.skill_id, r.required_score, k.name_en, k.name_zh, k.category
    from role_skill_requirements as r
    join skills as k using (skill_id)
)

select * from final order by role_id, skill_id
