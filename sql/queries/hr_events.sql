-- Point-in-time HR events: who was employed on the first and on the last day of each month, who was
-- hired and who left, each placed in the org unit, manager, role and level they held on that day
-- (effective-dated; never today's org). One row per (month, kind, employee). People whose termination
-- date is before their hire date break a data contract and are left out (counted by data_exclusions.sql).
-- reads: hr_moments
-- Params: $start, $end (first days of the first and last month), $all_units (bool), $units (list of org ids).
with org as (
    select * from org_paths
),

placed as (
    select
        ev.month, ev.kind, ev.day, ev.employee_id,
        a.org_unit_id, org.region_id, org.team_id, a.manager_id, a.role_id,
        coalesce(r.family, 'unknown') as role_family, a.job_level,
        e.hire_date, e.termination_date, e.exit_type, e.exit_reason, e.regretted, e.hire_source,
        e.probation_months
    from hr_moments as ev
    join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = ev.employee_id
        and ev.day between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join roles as r using (role_id)
),

final as (
    select *
    from placed
    where $all_units
        or list_contains($units, org_unit_id)
        or list_contains($units, region_id)
)

select * from final
