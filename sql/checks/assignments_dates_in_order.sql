-- An assignment ends on or after it starts.
select assignment_id, employee_id, valid_from, valid_to from assignments where valid_to < valid_from
