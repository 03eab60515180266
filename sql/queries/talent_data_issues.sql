-- Rows of the talent facts that the talent analytics leave out, counted per table and issue (one row per
-- issue, zero counts included): assessments of unknown skills or people or with a score outside 1–5;
-- enrolments of unknown people or courses; pre/post scores outside 0–100 (the score is ignored, the
-- enrolment kept); reviews with rating outside 1–5 or potential outside 1–3. Params: none.
with assessments as (
    select
        count(*) filter (where k.skill_id is null) as unknown_skill,
        count(*) filter (where e.employee_id is null) as unknown_person,
        count(*) filter (where s.score not between 1 and 5) as score_out_of_range
    from skill_assessments as s
    left join skills as k using (skill_id)
    left join employees as e using (employee_id)
),

enrolments as (
    select
        count(*) filter (where e.employee_id is null) as unknown_person,
        count(*) filter (where c.course_id is null) as unknown_course,
        count(*) filter (where n.pre_score not between 0 and 100 or n.post_score not between 0 and 100)
            as score_out_of_range
    from enrollments as n
    left join courses as c using (course_id)
    left join employees as e using (employee_id)
),

reviews as (
    select
        count(*) filter (where e.employee_id is null) as unknown_person,
        count(*) filter (where p.rating not between 1 and 5 or p.potential not between 1 and 3) as out_of_range
    from performance_reviews as p
    left join employees as e using (employee_id)
),

final as (
    select 'skill_assessments' as table_name, 'unknown_skill' as issue, unknown_skill as n_rows from assessments
    union all select 'skill_assessments', 'unknown_person', unknown_person from assessments
    union all select 'skill_assessments', 'score_out_of_range', score_out_of_range from assessments
    union all select 'enrollments', 'unknown_person', unknown_person from enrolments
    union all select 'enrollments', 'unknown_course', unknown_course from enrolments
    union all select 'enrollments', 'score_out_of_range', score_out_of_range from enrolments
    union all select 'performance_reviews', 'unknown_person', unknown_person from reviews
    union all select 'performance_reviews', 'out_of_range', out_of_range from reviews
)

select * from final
