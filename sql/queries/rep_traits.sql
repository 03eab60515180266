-- Per person: hire date, whether a mentor started within the first month, and the latest performance
-- review (rating, potential) on or before $as_of. Params: $as_of.
with mentored as (
    select distinct m.mentee_id as employee_id
    from mentorships as m join employees as e on e.employee_id = m.mentee_id
    where m.start_date < e.hire_date + interval 31 day
),

reviews as (
    select employee_id, arg_max(rating, review_date) filter (where rating is not null) as rating, arg_max(potential, review_date) filter (where potential is not null) as potential,
           max(review_date) as review_date
    from performance_reviews where review_date <= $as_of::date
    group by all
),

final as (
    select e.employee_id, e.name, e.hire_date, e.termination_date, e.hire_source,
           m.employee_id is not null as mentored, r.rating, r.potential, r.review_date
    from employees as e
    left join mentored as m using (employee_id)
    left join reviews as r using (employee_id)
)

select * from final
