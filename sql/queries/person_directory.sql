-- The people a viewer may open a person page for: everyone placed in the scope on the as-of date, and those who
-- left within the year before it (placed on their last day). Name, team, role and level to tell namesakes
-- apart. Params: $as_of, $all_units, $units.
with seen as (
    select e.employee_id, e.name, e.termination_date,
        least($as_of::date, coalesce(e.termination_date, $as_of::date)) as seen_on
    from employees as e
    where e.hire_date <= $as_of::date
        and (e.termination_date is null or e.termination_date >= $as_of::date - interval 1 year)
)

select s.employee_id, s.name, s.termination_date, a.org_unit_id, o.team_id, o.region_id, a.role_id, a.job_level
from seen as s
join assignments as a
    on a.employee_id = s.employee_id and s.seen_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as o on o.org_unit_id = a.org_unit_id
where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, o.region_id)
order by s.name, s.employee_id
