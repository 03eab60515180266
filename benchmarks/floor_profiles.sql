-- Plain-DuckDB floor for the skill profiles: latest score per person and skill, pivoted, in one statement.
-- Params: $d (as-of date).
with latest as (
    select employee_id, skill_id, arg_max(score, assessed_date) as score
    from skill_assessments where assessed_date <= $d::date group by all
),

final as (
    select employee_id, avg(score) as skill_mean, count(*) as skills_assessed,
           max(score) filter (where skill_id = 'negotiation') as negotiation,
           max(score) filter (where skill_id = 'ka_management') as ka_management
    from latest group by all
)

select * from final
