-- Point-in-time HR moments, not yet placed: who was employed on the first and on the last day of each month,
-- who was hired and who left. One row per (month, kind, employee): month, kind (first, last, hire, exit), day,
-- employee_id. People whose termination date is before their hire date break a data contract and are left out
-- (counted by data_exclusions.sql). Read by hr_events.sql (each row placed, person-level) and hr_monthly.sql
-- (counted per org unit and role family).
-- Params: $start, $end (first days of the first and last month).
with months as (
    select cast(m as date) as month, cast(m + interval 1 month - interval 1 day as date) as month_last
    from (select unnest(generate_series($start::date, $end::date, interval 1 month)) as m)
),

points as (
    select month, 'first' as kind, month as day from months
    union all
    select month, 'last' as kind, month_last as day from months
),

snapshots as (
    select p.month, p.kind, p.day, e.employee_id
    from points as p
    join employees as e
        on e.hire_date <= p.day and (e.termination_date is null or p.day <= e.termination_date)
    where e.termination_date is null or e.termination_date >= e.hire_date
),

moves as (
    select date_trunc('month', hire_date)::date as month, 'hire' as kind, hire_date as day, employee_id
    from employees
    where hire_date between $start::date and last_day($end::date)
        and (termination_date is null or termination_date >= hire_date)
    union all
    select date_trunc('month', termination_date)::date, 'exit', termination_date, employee_id
    from employees
    where termination_date between $start::date and last_day($end::date)
        and termination_date >= hire_date
),

events as (
    select * from snapshots
    union all
    select * from moves
)

select * from events
