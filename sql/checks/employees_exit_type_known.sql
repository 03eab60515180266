-- Exit type must be voluntary, involuntary or other; set exactly when a termination date is set.
select employee_id, termination_date, exit_type from employees
where (termination_date is not null and (exit_type is null or exit_type not in ('voluntary', 'involuntary', 'other')))
   or (termination_date is null and exit_type is not null)
