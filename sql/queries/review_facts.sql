-- Performance reviews dated in [$start, $end] with their values, collaboration and veto, each placed in the unit
-- the person held on the review date (on their last day employed for a review dated after it).
-- Params: $start, $end, $all_units, $units.
with reviews_in as (
    select * from performance_reviews
    where review_date between $start and $end
),

dated as (
    select r.employee_id, r.quarter,
        case when e.termination_date is not null and e.termination_date < r.review_date
            then e.termination_date else r.review_date end as placed_on
    from reviews_in as r
    join employees as e using (employee_id)
),

placed as (
    select d.employee_id, d.quarter, a.org_unit_id, a.manager_id, a.role_id, a.job_level
    from dated as d
    join assignments as a
        on a.employee_id = d.employee_id and d.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
),

final as (
    select
        r.employee_id, r.quarter, r.review_date, r.rating, r.potential,
        r.value_customer, r.value_teamwork, r.value_results, r.collaboration,
        coalesce(r.veto, false) as veto,
        p.org_unit_id, g.region_id, g.team_id, p.manager_id, p.role_id, p.job_level
    from reviews_in as r
    left join placed as p on p.employee_id = r.employee_id and p.quarter = r.quarter
    left join org_paths as g on g.org_unit_id = p.org_unit_id
    where $all_units or list_contains($units, p.org_unit_id) or list_contains($units, g.region_id)
)

select * from final
