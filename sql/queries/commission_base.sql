-- Effective-dated base salary of the reps in $reps: a row per change (the base in force on a day is the
-- row with the latest valid_from on or before it), none after the last day employed.
-- Params: $reps.
with final as (
    select c.employee_id, c.valid_from, c.base_monthly
    from compensation as c join employees as e using (employee_id)
    where list_contains($reps, c.employee_id) and c.valid_from <= coalesce(e.termination_date, date '9999-12-31')
)

select * from final order by employee_id, valid_from
