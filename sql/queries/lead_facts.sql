-- Leads created in [$start, $end], each placed in the unit its owner (the sales rep it was passed to) held on the
-- lead's created date — on the owner's last day employed for a lead created after it; a lead with no owner, or an
-- owner with no placement that day, is in no unit (company-wide figures only). The marketing team and the source
-- come with the lead. Params: $start, $end, $all_units, $units.
with leads_in as (
    select * from leads
    where created_on between $start and $end
),

owners as (
    select l.lead_id, l.owner_id,
        case when e.termination_date is not null and e.termination_date < l.created_on
            then e.termination_date else l.created_on end as placed_on
    from leads_in as l
    join employees as e on e.employee_id = l.owner_id
),

placed as (
    select o.lead_id, a.org_unit_id, a.manager_id, a.role_id, a.job_level
    from owners as o
    join assignments as a
        on a.employee_id = o.owner_id and o.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
),

final as (
    select
        l.lead_id, l.created_on, l.source, l.marketing_unit_id, l.owner_id as employee_id,
        l.qualified_on, l.converted_on, l.lost_on,
        p.org_unit_id, g.region_id, g.team_id, p.manager_id, p.role_id, p.job_level
    from leads_in as l
    left join placed as p using (lead_id)
    left join org_paths as g on g.org_unit_id = p.org_unit_id
    where $all_units or list_contains($units, p.org_unit_id) or list_contains($units, g.region_id)
)

select * from final
