-- Activities: known person and kind.
select a.activity_id, a.employee_id, a.kind from activities as a left join employees as e using (employee_id)
where e.employee_id is null or a.kind not in ('visit', 'call', 'proposal')
