-- Order amounts are not negative.
select order_id, amount from orders where amount < 0
