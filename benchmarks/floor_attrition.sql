-- Plain-DuckDB floor: the quarter's attrition by region in one statement. Params: $s, $e.
with days as (
    select m::date as month, m::date as d from range($s::date, $e::date, interval 1 month) t(m)
    union all select m::date, last_day(m::date) from range($s::date, $e::date, interval 1 month) t(m)
), heads as (
    select o.parent_id as region, count(*) / 6.0 as avg_hc from days
    join employees e on e.hire_date <= days.d and (e.termination_date is null or days.d <= e.termination_date)
   
    join assignments a on a.employee_id = e.employee_id
        and days.d between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    join org_units o on o.org_unit_id = a.org_unit_id group by 1
), leavers as (
    select o.parent_id as region, count(*) as exits from employees e
    join assignments a on a.employee_id = e.employee_id
        and e.termination_date between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    join org_units o on o.org_unit_id = a.org_unit_id where e.termination_date between $s and $e group by 1
)
select region, exits / avg_hc as attrition from heads left join leavers using (region)
