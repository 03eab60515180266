-- Per team lead (manager) for one period: their team's hires whose probation ended in the period and how
-- many passed it, hires with a mentor in the first month, and training enrolments completed.
-- Params: $start, $end, $as_of.
with reports as (
    select distinct a.manager_id, a.employee_id
    from assignments as a
    where a.manager_id is not null
        and a.valid_from <= $end::date and coalesce(a.valid_to, date '9999-12-31') >= $start::date
),

probation as (
    select r.manager_id,
           count(*) as probation_ended,
           count(*) filter (where e.termination_date is null
               or e.termination_date >= e.hire_date + (e.probation_months) * interval 1 month) as probation_passed,
           count(*) filter (where exists (
               select 1 from mentorships as m
               where m.mentee_id = e.employee_id and m.start_date < e.hire_date + interval 31 day)) as mentored
    from reports as r join employees as e using (employee_id)
    where e.hire_date + (e.probation_months) * interval 1 month between $start::date and least($end::date, $as_of::date)
    group by all
),

training as (
    select r.manager_id, count(*) as enrolments, count(*) filter (where n.completed) as completed
    from reports as r join enrollments as n using (employee_id)
    where n.enrolled_date between $start::date - interval 6 month and $end::date
    group by all
),

final as (
    select coalesce(p.manager_id, t.manager_id) as manager_id,
           coalesce(p.probation_ended, 0) as probation_ended, coalesce(p.probation_passed, 0) as probation_passed,
           coalesce(p.mentored, 0) as mentored, coalesce(t.enrolments, 0) as enrolments,
           coalesce(t.completed, 0) as completed
    from probation as p full join training as t using (manager_id)
)

select * from final
