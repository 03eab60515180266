-- Per person: hire date, whether a mentor started within the first month, and the latest performance
-- review (rating, potential, values, collaboration, veto and its reason) on or before $as_of. Params: $as_of.
with mentored as (
    select distinct m.mentee_id as employee_id
    from mentorships as m join employees as e on e.employee_id = m.mentee_id
    where m.start_date < e.hire_date + interval 31 day
),

reviews as (
    select employee_id, arg_max(rating, review_date) filter (where rating is not null) as rating, arg_max(potential, review_date) filter (where potential is not null) as potential,
           max(review_date) as review_date,
           arg_max(value_customer, review_date) filter (where value_customer is not null) as value_customer, arg_max(value_teamwork, review_date) filter (where value_teamwork is not null) as value_teamwork,
           arg_max(value_results, review_date) filter (where value_results is not null) as value_results, arg_max(collaboration, review_date) filter (where collaboration is not null) as collaboration,
           arg_max(coalesce(veto, false), review_date) filter (where coalesce(veto, false) is not null) as veto,
           case when arg_max(coalesce(veto, false), review_date) filter (where coalesce(veto, false) is not null) then arg_max(veto_reason, review_date) filter (where veto_reason is not null) end as veto_reason
    from performance_reviews where review_date <= $as_of::date
    group by all
),

final as (
    select e.employee_id, e.name, e.hire_date, e.termination_date, e.hire_source,
           m.employee_id is not null as mentored, r.rating, r.potential, r.review_date,
           r.value_customer, r.value_teamwork, r.value_results, r.collaboration, coalesce(r.veto, false) as veto,
           r.veto_reason
    from employees as e
    left join mentored as m using (employee_id)
    left join reviews as r using (employee_id)
)

select * from final
