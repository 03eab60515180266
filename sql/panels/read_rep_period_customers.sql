-- rep_period_customers.sql's rows for one period of whole months, read from the panels (analytics/core/panels.py)
-- instead of the facts: the sums that add up over months from rep_month_events, the customer rows from
-- customer_months, the receivables at the period end from order_settlement (only the orders dated by then and not
-- settled for good are summed again from the collections), the open pipeline from opportunities as the query does.
-- $person false: everything in the unit held on its date (the panels are placed so; receivables on the order's
-- date, pipeline on the period's last day); true: everything of a rep in the unit held on the period's last day
-- (or the last day employed). Same rows, columns and values as rep_period_customers.sql (tests/analytics/core/
-- test_panels.py). $customers false: no customer rows. Params: $start, $end (first and last day of the period),
-- $as_of, $person, $customers, $all_units, $units.
with bounds as (
    select $start::date as p_start, $end::date as p_end, least($end::date, $as_of::date) as p_cut
),

candidates as (  -- orders that may still be owed on at the cut
    select s.order_id, s.employee_id, s.order_date, s.amount
    from panels.order_settlement as s, bounds as b
    where s.order_date <= b.p_cut and (s.settled_on is null or s.settled_on > b.p_cut)
),

paid as (
    select c.order_id, sum(c.amount) as collected
    from collections as c, bounds as b
    where c.collected_date <= b.p_cut and c.order_id in (select order_id from candidates)
    group by all
),

dated as (  -- per rep and day, still to be placed: receivables on the order's date, open pipeline at the period end
    select k.employee_id, k.order_date as day, k.amount - coalesce(p.collected, 0) as receivables
    from candidates as k
    left join paid as p using (order_id)
    where abs(k.amount - coalesce(p.collected, 0)) > 0.005
    union all by name
    select o.employee_id, b.p_end as day, o.amount as open_pipeline
    from opportunities as o, bounds as b
    where o.created_date <= $as_of::date
        and (o.closed_date is null or o.closed_date > $as_of::date)
        and o.expected_close_date between greatest(b.p_start, $as_of::date + 1) and b.p_end
        and o.employee_id is not null
),

dated_days as (
    select employee_id, day, sum(receivables) as receivables, sum(open_pipeline) as open_pipeline
    from dated
    group by employee_id, day
),

month_rows as (
    select *
    from panels.rep_month_events
    where month between $start::date and $end::date
),

sums_by_date as (  -- $person false: the month rows as placed, the dated rows placed on their day
    select employee_id, org_unit_id, manager_id, role_id, job_level, new_customers, complaints, visits, calls,
        proposals_due, proposals_on_time, null::double as open_pipeline, null::double as receivables, bookings,
        quota
    from month_rows
    where not $person::boolean
    union all by name
    select d.employee_id, a.org_unit_id, a.manager_id, a.role_id, a.job_level, d.open_pipeline, d.receivables
    from dated_days as d
    cross join bounds as b
    left join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = d.employee_id
        and greatest(least(d.day, coalesce(e.termination_date, b.p_end, d.day)), e.hire_date)
            between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    where not $person::boolean
),

rep_sums as (  -- $person true: each rep's sums of the period, before they are placed
    select employee_id, sum(new_customers) as new_customers, sum(complaints) as complaints, sum(visits) as visits,
        sum(calls) as calls, sum(proposals_due) as proposals_due, sum(proposals_on_time) as proposals_on_time,
        sum(open_pipeline) as open_pipeline, sum(receivables) as receivables, sum(bookings) as bookings,
        sum(quota) as quota
    from (
        select employee_id, new_customers, complaints, visits, calls, proposals_due, proposals_on_time, bookings, quota
        from month_rows
        union all by name
        select employee_id, receivables, open_pipeline from dated_days
    )
    where $person::boolean and employee_id is not null
    group by employee_id
),

customer_rows as (
    select customer_id, employee_id, org_unit_id, manager_id, role_id, job_level,
        bool_or(month < $start::date) as in_base, bool_or(month >= $start::date) as in_period
    from panels.customer_months
    where $customers::boolean and month between ($start::date - interval 12 month)::date and $end::date
        and (not $person::boolean or employee_id is not null)
    group by all
),

rep_customers as (
    select customer_id, employee_id, bool_or(in_base) as in_base, bool_or(in_period) as in_period
    from customer_rows
    where $person::boolean
    group by all
),

at_period_end as (  -- $person true: every row of a rep in the unit held on the period's last day (or last employed)
    select r.*, a.org_unit_id, a.manager_id, a.role_id, a.job_level
    from (
        select null::bigint as customer_id, null::boolean as in_base, null::boolean as in_period, employee_id,
            new_customers, complaints, visits, calls, proposals_due, proposals_on_time, open_pipeline, receivables,
            bookings, quota
        from rep_sums
        union all by name
        select customer_id, in_base, in_period, employee_id from rep_customers
    ) as r
    cross join bounds as b
    left join employees as e using (employee_id)
    left join assignments as a
        on a.employee_id = r.employee_id
        and greatest(least(b.p_end, coalesce(e.termination_date, b.p_end)), e.hire_date)
            between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
),

by_unit as (
    select
        null::bigint as customer_id, employee_id, org_unit_id, manager_id, role_id, job_level,
        null::boolean as in_base, null::boolean as in_period,
        coalesce(sum(new_customers), 0)::bigint as new_customers,
        coalesce(sum(complaints), 0)::bigint as complaints,
        coalesce(sum(visits), 0)::bigint as visits,
        coalesce(sum(calls), 0)::bigint as calls,
        coalesce(sum(proposals_due), 0)::bigint as proposals_due,
        coalesce(sum(proposals_on_time), 0)::bigint as proposals_on_time,
        coalesce(sum(open_pipeline), 0) as open_pipeline,
        coalesce(sum(receivables), 0) as receivables,
        coalesce(sum(bookings), 0) as bookings,
        sum(quota) as quota
    from (
        select employee_id, org_unit_id, manager_id, role_id, job_level, new_customers, complaints, visits, calls,
            proposals_due, proposals_on_time, open_pipeline, receivables, bookings, quota
        from sums_by_date
        union all
        select employee_id, org_unit_id, manager_id, role_id, job_level, new_customers, complaints, visits, calls,
            proposals_due, proposals_on_time, open_pipeline, receivables, bookings, quota
        from at_period_end
        where customer_id is null
    )
    group by employee_id, org_unit_id, manager_id, role_id, job_level
    union all
    select
        customer_id, employee_id, org_unit_id, manager_id, role_id, job_level, in_base, in_period,
        0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, null::double
    from customer_rows  -- $person false: one row per customer, rep and unit already
    where not $person::boolean
    union all
    select
        customer_id, employee_id, org_unit_id, manager_id, role_id, job_level, bool_or(in_base), bool_or(in_period),
        0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, null::double
    from at_period_end
    where customer_id is not null
    group by customer_id, employee_id, org_unit_id, manager_id, role_id, job_level
)

select
    b.customer_id, b.employee_id, b.org_unit_id, org.region_id, org.team_id, b.manager_id, b.role_id, b.job_level,
    b.in_base, b.in_period, b.new_customers, b.complaints, b.visits, b.calls, b.proposals_due, b.proposals_on_time,
    b.open_pipeline, b.receivables, b.bookings, b.quota
from by_unit as b
left join org_paths as org using (org_unit_id)
where (b.employee_id is not null
        and ($all_units or list_contains($units, b.org_unit_id) or list_contains($units, org.region_id)))
    or (b.employee_id is null and $all_units and not $person::boolean)
