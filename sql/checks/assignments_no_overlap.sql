-- One person holds one assignment at a time.
select a.employee_id, a.assignment_id, b.assignment_id as overlapping_id
from assignments as a join assignments as b
  on a.employee_id = b.employee_id and a.assignment_id < b.assignment_id
 and a.valid_from <= coalesce(b.valid_to, date '9999-12-31')
 and b.valid_from <= coalesce(a.valid_to, date '9999-12-31')
