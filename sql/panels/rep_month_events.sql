-- Panel table behind rep_period_customers.sql (analytics/core/panels.py): per month, rep and org unit, the sums of
-- that query that add up over months — new customers (a customer's first order line with a positive amount),
-- complaints, visits, calls, proposals due and submitted on time, bookings, quota — each event placed as there
-- with $person false: in the unit its rep held on the event's date (dated after the rep's last day: that last day;
-- before the hire date: the hire date). Events with no rep are rows with employee_id null.
-- Params: $start, $end (first days of the first and last month).
with first_orders as (  -- a customer's first order line with a positive amount, over the whole history
    select arg_min(employee_id, (order_date, order_id)) filter (where employee_id is not null) as employee_id, min(order_date) as day, 1 as new_customers
    from orders
    where amount > 0
    group by customer_id
),

events as (
    select employee_id, order_date as day, amount as bookings
    from orders
    where order_date between $start::date and last_day($end::date)
    union all by name
    select employee_id, day, new_customers
    from first_orders
    where day between $start::date and last_day($end::date)
    union all by name
    select employee_id, complaint_date as day, 1 as complaints
    from complaints
    where complaint_date between $start::date and last_day($end::date)
    union all by name
    select employee_id, activity_date as day, (kind = 'visit')::integer as visits, (kind = 'call')::integer as calls
    from activities
    where kind in ('visit', 'call') and activity_date between $start::date and last_day($end::date)
    union all by name
    select employee_id, due_date as day, 1 as proposals_due, coalesce(on_time, false)::integer as proposals_on_time
    from activities
    where kind = 'proposal' and due_date between $start::date and last_day($end::date)
    union all by name
    select employee_id, last_day(month) as day, amount as quota
    from quotas
    where month between $start::date and $end::date
),

placed as (  -- each event placed by itself (grouping ~12 million events by rep and day first costs more than it saves)
    select ev.*, greatest(least(ev.day, coalesce(e.termination_date, ev.day)), e.hire_date) as placed_on
    from events as ev
    left join employees as e using (employee_id)
)

select
    date_trunc('month', p.day)::date as month, p.employee_id, a.org_unit_id, a.manager_id, a.role_id, a.job_level,
    sum(p.new_customers) as new_customers, sum(p.complaints) as complaints, sum(p.visits) as visits,
    sum(p.calls) as calls, sum(p.proposals_due) as proposals_due, sum(p.proposals_on_time) as proposals_on_time,
    sum(p.bookings) as bookings, sum(p.quota) as quota
from placed as p
left join assignments as a
    on a.employee_id = p.employee_id and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
group by all
