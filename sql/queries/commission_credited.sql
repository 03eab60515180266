-- Rep × month panel of a plan paying on collected cash, for the reps in $reps over [$start, $end]: bookings,
-- KA bookings, and credited money (analytics/sales/incentives/payout.py, `order_lines`): per order the cash
-- collected on it by $as_of and by the plan's cutoff, at most the order's amount and not below 0; a credit
-- note (amount ≤ 0) is credited in full. The cutoff is $cutoff_date, else $cutoff_days after the end of the
-- plan's measurement period ($grain_months long, fiscal year from month $fy_start) that holds the order's
-- month, else none. Sums are rounded to 1e-6 half to even, as the engine's `_exact` rounds them.
-- Params: $start, $end, $as_of, $reps, $cutoff_date, $cutoff_days, $grain_months, $fy_start.
with reps as (select unnest($reps) as employee_id),

lines as (
    select o.order_id, o.employee_id, cast(date_trunc('month', o.order_date) as date) as month, o.amount,
           k.customer_id is not null as is_ka
    from orders as o semi join reps as r on r.employee_id = o.employee_id
    left join (select customer_id from customers where tier = 'KA') as k using (customer_id)
    where o.order_date between $start::date and $end::date
),

cutoffs as (
    select month, coalesce($cutoff_date::date, last_day(make_date(k // 12, k % 12 + 1, 1)
        + ($grain_months::integer - 1) * interval 1 month) + $cutoff_days::integer, $as_of::date) as cutoff
    from (
        select distinct month,
               (year(month) * 12 + month(month) - $fy_start::integer) // $grain_months::integer
               * $grain_months::integer + $fy_start::integer - 1 as k
        from lines
    )
),

collected as (
    select l.order_id, round_even(sum(c.amount), 6) as collected
    from lines as l
    inner join cutoffs as m using (month)
    inner join collections as c using (order_id)
    where c.collected_date <= $as_of::date and c.collected_date <= m.cutoff
    group by l.order_id
),

credited as (
    select l.employee_id, l.month, l.amount, l.is_ka,
           case when l.amount > 0 then least(greatest(coalesce(c.collected, 0.0), 0.0), l.amount) else l.amount end
               as credited
    from lines as l left join collected as c using (order_id)
),

final as (
    select employee_id, month, round_even(sum(amount), 6) as bookings,
           round_even(sum(case when is_ka then amount else 0.0 end), 6) as ka_bookings,
           round_even(sum(credited), 6) as credited,
           round_even(sum(case when is_ka then credited else 0.0 end), 6) as ka_credited
    from credited
    group by employee_id, month
)

select * from final
