-- Applications with their requisition's org unit, region, role and recruiter. Applications whose
-- requisition is unknown are kept with a null requisition (known_requisition = false) so the pipeline
-- can count them; they are in scope only for whole-company viewers.
-- Params: $all_units, $units.
with org as (
    select * from org_paths
),

final as (
    select
        a.application_id, a.requisition_id, a.channel, a.applied_date, a.screened_date, a.interviewed_date,
        a.offered_date, a.accepted_date, a.hired_employee_id, a.referrer_id,
        r.requisition_id is not null as known_requisition,
        r.org_unit_id, org.region_id, r.role_id, r.key_position, r.recruiter, r.opened_date
    from applications as a
    left join requisitions as r using (requisition_id)
    left join org on org.org_unit_id = r.org_unit_id
    where $all_units or list_contains($units, r.org_unit_id) or list_contains($units, org.region_id)
)

select * from final
