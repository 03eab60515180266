-- Latest valid assessed score per skill, on or before $as_of, for everyone employed that day in scope.
-- Valid = a known skill (in `skills`) and a score within 1–5; invalid rows are left out here and counted
-- by talent_data_issues.sql. A person never assessed on a skill has no row (shown as null, never zero).
-- Params: $as_of, $all_units, $units.
with people as (
    select * from people_in_scope($as_of::date, $all_units, $units)
),

valid as (
    select s.employee_id, s.skill_id, s.assessed_date, s.score
    from skill_assessments as s
    join people as p using (employee_id)
    join skills as k using (skill_id)
    where s.assessed_date <= $as_of::date and s.score between 1 and 5
),

final as (
    select employee_id, skill_id, arg_max(score, assessed_date) filter (where score is not null) as score, max(assessed_date) as assessed_date,
           count(*) as n_assessments
    from valid
    group by all
)

select * from final
