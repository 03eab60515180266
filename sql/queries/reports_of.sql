-- Everyone who reports to $manager_id on $day, directly or through their managers (the chain of
-- effective-dated assignments on that day). Params: $manager_id, $day.
with recursive on_day as (
    select employee_id, manager_id from assignments
    where $day::date between valid_from and coalesce(valid_to, date '9999-12-31')
),

chain as (
    select employee_id, 1 as depth from on_day where manager_id = $manager_id
    union all  -- the depth limit ends the recursion; final keeps each person once
    select o.employee_id, c.depth + 1 from on_day as o join chain as c on o.manager_id = c.employee_id
    where c.depth < 10
),

final as (
    select distinct employee_id from chain
)

select * from final
