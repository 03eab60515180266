-- The courses: bilingual names, category, the skill each develops and the metric it is meant to move.
with final as (
    select course_id, name_en, name_zh, category, skill_id, target_metric, hours
    from courses
)

select * from final order by course_id
