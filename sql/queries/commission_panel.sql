-- Rep × month bookings of the reps in $reps over [$start, $end], and the part of it on KA customers: the
-- commission engine's panel on bookings (analytics/sales/incentives/payout.py, `_panel`). Sums are rounded
-- to 1e-6 half to even, as the engine's `_exact` rounds them (a float sum depends on the order rows arrive in).
-- Params: $start, $end, $reps.
with lines as (
    select o.employee_id, cast(date_trunc('month', o.order_date) as date) as month, o.amount,
           coalesce(c.tier = 'KA', false) as is_ka
    from orders as o left join customers as c using (customer_id)
    where o.order_date between $start::date and $end::date and list_contains($reps, o.employee_id)
),

final as (
    select employee_id, month, round_even(sum(amount), 6) as bookings,
           round_even(sum(case when is_ka then amount else 0.0 end), 6) as ka_bookings
    from lines
    group by employee_id, month
)

select * from final
