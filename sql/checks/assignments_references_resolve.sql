-- Assignments point at existing people, org units, roles and managers.
select a.assignment_id, a.employee_id, a.org_unit_id, a.role_id, a.manager_id from assignments as a
left join employees as e using (employee_id)
left join org_units as o using (org_unit_id)
left join roles as r using (role_id)
left join employees as m on m.employee_id = a.manager_id
where e.employee_id is null or o.org_unit_id is null or r.role_id is null
   or (a.manager_id is not null and m.employee_id is null)
