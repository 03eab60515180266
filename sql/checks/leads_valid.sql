-- Leads: a known source; a known rep and a known org unit where given; stage dates not before creation;
-- not both converted and lost.
select l.lead_id, l.source, l.owner_id, l.marketing_unit_id, l.created_on, l.converted_on, l.lost_on
from leads as l
left join employees as e on e.employee_id = l.owner_id
left join org_units as o on o.org_unit_id = l.marketing_unit_id
where l.source not in ('web', 'event', 'partner', 'campaign', 'referral', 'other')
   or (l.owner_id is not null and e.employee_id is null)
   or (l.marketing_unit_id is not null and o.org_unit_id is null)
   or l.qualified_on < l.created_on or l.converted_on < l.created_on or l.lost_on < l.created_on
   or (l.converted_on is not null and l.lost_on is not null)
