-- One person as the person page (成长档案) shows them, when the viewer's scope holds them: placed where they sat
-- on the as-of date, or on their last day employed for someone who has left. No row: not in scope (or unknown,
-- or hired after the as-of date). Params: $employee_id, $as_of, $all_units, $units.
with person as (
    select e.*, least($as_of::date, coalesce(e.termination_date, $as_of::date)) as seen_on
    from employees as e
    where e.employee_id = $employee_id and e.hire_date <= $as_of::date
)

select
    p.employee_id, p.name, p.gender, p.birth_year, p.hire_date, p.termination_date, p.exit_type, p.exit_reason,
    p.hire_source, p.probation_months, p.seen_on, a.org_unit_id, o.team_id, o.region_id, a.role_id, a.job_level,
    a.manager_id, m.name as manager_name
from person as p
join assignments as a
    on a.employee_id = p.employee_id and p.seen_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org_paths as o on o.org_unit_id = a.org_unit_id
left join employees as m on m.employee_id = a.manager_id
where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, o.region_id)
