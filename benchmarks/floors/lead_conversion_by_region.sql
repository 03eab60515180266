-- Plain-DuckDB floor, exact: lead_conversion by region for every period of a request, in one statement.
-- The same values the metric engine returns (docs/metrics.md "lead_conversion"; sql/queries/lead_facts.sql and
-- analytics/sales/leads.py conversion): leads created in the period (up to the as-of date) ÷ the leads of them
-- converted within 90 days of their creation and by the as-of date. Each lead is placed in the unit its owner
-- (the sales rep it was passed to) held on the lead's created date — on the owner's termination date for a lead
-- created after it (no clamping to the hire date); region from org_paths. A lead with no owner, or an owner with
-- no assignment that day, is in no region: company-wide figures only, so it is left out here. A period is
-- maturing when one of its placed leads is younger than 90 days at the as-of date.
-- Params: $starts, $ends (date[]: first and last day of each period), $as_of (date).
-- Returns: period_start, region, value, numerator (converted), denominator (leads), maturing (of the period).
with periods as (
    select unnest($starts::date[]) as p_start, unnest($ends::date[]) as p_end
),

made as (
    select p.p_start, l.lead_id, l.owner_id, l.created_on, l.converted_on
    from leads as l
    join periods as p on l.created_on between p.p_start and least(p.p_end, $as_of::date)
),

placed as (
    select m.p_start, m.created_on, m.converted_on, g.region_id as region
    from made as m
    join employees as e on e.employee_id = m.owner_id
    join assignments as a
        on a.employee_id = e.employee_id
        and (case when e.termination_date < m.created_on then e.termination_date else m.created_on end)
            between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    join org_paths as g on g.org_unit_id = a.org_unit_id
    where g.region_id is not null
),

regions as (
    select
        p_start as period_start, region,
        count(*) filter (where converted_on <= created_on + 90 and converted_on <= $as_of::date)::double
            as numerator,
        count(*)::double as denominator,
        bool_or(created_on + 90 > $as_of::date) as young
    from placed
    group by all
)

select
    period_start, region, numerator / denominator as value, numerator, denominator,
    bool_or(young) over (partition by period_start) as maturing
from regions
order by period_start, region
