-- Requisitions: target and fill dates not before opening; known org unit and role.
select q.requisition_id, q.opened_date, q.target_date, q.filled_date from requisitions as q
left join org_units as o using (org_unit_id) left join roles as r using (role_id)
where q.target_date < q.opened_date or q.filled_date < q.opened_date or o.org_unit_id is null or r.role_id is null
