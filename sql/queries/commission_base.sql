-- Effective-dated base salary of the reps in $reps: a row per change (the base in force on a day is the
-- row with the latest valid_from on or before it), none after the last day employed.
-- Params: $reps.
with reps as (select unnest($reps) as employee_id),

final as (
    select c.employee_id, c.valid_from, c.base_monthly
    from compensation as c semi join reps as r on r.employee_id = c.employee_id
    inner join employees as e on e.employee_id = c.employee_id
    where c.valid_from <= coalesce(e.termination_date, date '9999-12-31')
)

select * from final order by employee_id, valid_from
