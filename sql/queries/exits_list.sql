-- People who left between $start and $end, placed in the org unit held on their last day.
-- Person-level: only served to viewers with person-level rights. Params: $start, $end, $all_units, $units.
with leavers as (
    select * from employees where termination_date between $start::date and $end::date
),

org as (
    select * from org_paths
),

final as (
    select
        l.employee_id, l.name, a.role_id, a.org_unit_id, org.region_id, org.name_en as unit_en,
        org.name_zh as unit_zh, l.hire_date, l.termination_date,
        date_diff('day', l.hire_date, l.termination_date) as tenure_days,
        l.termination_date < l.hire_date + (l.probation_months) * interval 1 month as in_probation,
        l.exit_type, l.exit_reason, l.regretted, l.hire_source, m.name as manager
    from leavers as l
    left join assignments as a
        on a.employee_id = l.employee_id
        and l.termination_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    left join org using (org_unit_id)
    left join employees as m on m.employee_id = a.manager_id
    where $all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id)
)

select * from final order by termination_date desc
