-- The roles: bilingual names, family, whether they carry a quota, and the career step (rep 1 → supervisor 2
-- → regional manager 3; null for roles off the sales ladder).
with final as (
    select role_id, name_en, name_zh, family, carries_quota, career_step
    from roles
)

select * from final order by career_step nulls last, role_id
