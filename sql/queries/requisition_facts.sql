-- Requisitions with the region and team of their org unit, the hire's channel and the number of
-- applications. Rows are kept whatever their dates (the pipeline counts and excludes bad ones).
-- Scope: the requisition's own org unit (or its region).
-- Params: $all_units, $units.
with org as (
    select * from org_paths
),

apps as (
    select requisition_id, count(*) as n_applications
    from applications
    group by all
),

final as (
    select
        r.requisition_id, r.org_unit_id, org.region_id, org.team_id, r.role_id, r.key_position,
        r.opened_date, r.target_date, r.filled_date, r.cancelled_date, r.recruiter, r.hired_employee_id,
        e.hire_source, e.hire_date,
        coalesce(apps.n_applications, 0) as n_applications
    from requisitions as r
    left join org using (org_unit_id)
    left join employees as e on e.employee_id = r.hired_employee_id
    left join apps using (requisition_id)
    where $all_units or list_contains($units, r.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
