-- One person's dated records for the person page, as one long table: kind names the source — 'assignment'
-- (valid_from, valid_to, org unit, role, level, manager), 'review' (quarter, date, rating, potential, veto and
-- its reason), 'review_values' (quarter, date, mean of the value scores given, collaboration),
-- 'training' (course, enrolled and completed dates, completed, pre and post score), 'skill' (skill, date, score),
-- 'engagement' (survey date, engagement, manager score, eNPS answer), 'attendance' (month, overtime hours, leave
-- days), 'measure' (date, the measure's code, its value), 'mentor' (mentor's name, start and end). Only records dated on or before the as-of date.
-- Params: $employee_id, $as_of.
select 'assignment' as kind, a.valid_from as day, a.valid_to as day_to, a.org_unit_id as code, a.role_id as code2,
    a.job_level::double as value, null::double as value2, null::double as value3, m.name as text
from assignments as a
left join employees as m on m.employee_id = a.manager_id
where a.employee_id = $employee_id and a.valid_from <= $as_of::date
union all
select 'review', review_date, null, quarter, null, rating::double, potential::double,
    case when veto then 1.0 when veto is not null then 0.0 end, veto_reason
from performance_reviews
where employee_id = $employee_id and review_date <= $as_of::date
union all
select 'review_values', review_date, null, quarter, null,
    (coalesce(value_customer, 0) + coalesce(value_teamwork, 0) + coalesce(value_results, 0))::double
        / nullif((value_customer is not null)::int + (value_teamwork is not null)::int
                 + (value_results is not null)::int, 0),
    collaboration::double, null, null
from performance_reviews
where employee_id = $employee_id and review_date <= $as_of::date
union all
select 'training', enrolled_date, if(completed_date <= $as_of::date, completed_date, null), course_id, null,
    if(completed and completed_date <= $as_of::date, 1.0, 0.0), pre_score,
    if(completed_date <= $as_of::date, post_score, null), null
from enrollments
where employee_id = $employee_id and enrolled_date <= $as_of::date
union all
select 'skill', assessed_date, null, skill_id, null, score, null, null, null
from skill_assessments
where employee_id = $employee_id and assessed_date <= $as_of::date
union all
select 'engagement', survey_date, null, null, null, engagement_score, manager_score, enps::double, null
from engagement
where employee_id = $employee_id and survey_date <= $as_of::date
union all
select 'attendance', month, null, null, null, overtime_hours, leave_days, null, null
from attendance
where employee_id = $employee_id and month <= $as_of::date
union all
select 'measure', measured_on, null, measure, null, value, null, null, null
from person_measures
where employee_id = $employee_id and measured_on <= $as_of::date
union all
select 'mentor', ms.start_date, ms.end_date, null, null, null, null, null, m.name
from mentorships as ms
left join employees as m on m.employee_id = ms.mentor_id
where ms.mentee_id = $employee_id and ms.start_date <= $as_of::date
