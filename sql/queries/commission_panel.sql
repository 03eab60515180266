-- Rep × month bookings of the reps in $reps over [$start, $end], and the part of it on KA customers: the
-- commission engine's panel on bookings (analytics/sales/incentives/payout.py, `_panel`). Sums are rounded
-- to 1e-6 half to even, as the engine's `_exact` rounds them (a float sum depends on the order rows arrive in).
-- Params: $start, $end, $reps.
with reps as (select unnest($reps) as employee_id),

lines as (
    select o.employee_id, cast(date_trunc('month', o.order_date) as date) as month, o.amount,
           k.customer_id is not null as is_ka
    from orders as o semi join reps as r on r.employee_id = o.employee_id
    left join (select customer_id from customers where tier = 'KA') as k using (customer_id)
    where o.order_date between $start::date and $end::date
),

final as (
    select employee_id, month, round_even(sum(amount), 6) as bookings,
           round_even(sum(case when is_ka then amount else 0.0 end), 6) as ka_bookings
    from lines
    group by employee_id, month
)

select * from final
