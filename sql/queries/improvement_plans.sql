-- Improvement plans opened by the as-of date, of the people the viewer's scope holds where they sat on the day the
-- plan was opened or where they sit now (on the as-of date, or on their last day employed for someone who has
-- left): so a director keeps seeing the plans they opened for someone who moved away, and the new director sees
-- them too. With the person's name, hire and termination dates, and the unit and role held now (org_unit_id,
-- team_id, region_id, role_id) and on the opening day (unit_opened, role_opened). $plan_id null: every plan.
-- Params: $as_of, $plan_id, $all_units, $units.
with plans as (
    select *
    from improvement_plans
    where opened_on <= $as_of::date and ($plan_id::bigint is null or plan_id = $plan_id::bigint)
),

people as (
    select
        employee_id, name, hire_date, termination_date,
        least($as_of::date, coalesce(termination_date, $as_of::date)) as seen_on
    from employees
    where employee_id in (select employee_id from plans)
),

opened as (
    select p.plan_id, a.org_unit_id as unit_opened, a.role_id as role_opened, o.region_id as region_opened
    from plans as p
    join assignments as a
        on a.employee_id = p.employee_id
        and p.opened_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org_paths as o on o.org_unit_id = a.org_unit_id
    qualify row_number() over (partition by p.plan_id order by a.valid_from desc) = 1
),

now as (
    select e.employee_id, a.org_unit_id, o.team_id, o.region_id, a.role_id
    from people as e
    join assignments as a
        on a.employee_id = e.employee_id
        and e.seen_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org_paths as o on o.org_unit_id = a.org_unit_id
    qualify row_number() over (partition by e.employee_id order by a.valid_from desc) = 1
),

final as (
    select
        p.plan_id, p.employee_id, e.name, e.hire_date, e.termination_date,
        n.org_unit_id, n.team_id, n.region_id, n.role_id, b.unit_opened, b.role_opened,
        p.opened_on, p.cause, p.action_training, p.action_mentor, p.action_post, p.review_date, p.closed_on,
        p.note, p.opened_by, p.created_at
    from plans as p
    join people as e using (employee_id)
    left join opened as b using (plan_id)
    left join now as n using (employee_id)
    where $all_units
        or list_contains($units, b.unit_opened) or list_contains($units, b.region_opened)
        or list_contains($units, n.org_unit_id) or list_contains($units, n.region_id)
)

select * from final
order by opened_on, plan_id
