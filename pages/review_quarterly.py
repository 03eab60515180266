"""Quarterly strategy review (季度战略会): the quarter's results, talent, goals, regions, decisions."""
from ui.review_view import review_page

review_page("quarterly")
