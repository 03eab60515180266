-- Plain-DuckDB floor: every rep's attainment for the quarter in one statement. Params: $s, $e.
with q as (select employee_id, sum(amount) as quota from quotas where month between $s and $e group by 1 having sum(amount) > 0),
b as (select employee_id, sum(amount) as bookings from orders where order_date between $s and $e group by 1)
select q.employee_id, coalesce(b.bookings, 0) / q.quota as attainment from q left join b using (employee_id)
