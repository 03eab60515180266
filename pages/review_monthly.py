"""Monthly coordination review (月度协调会): last month against target, people, alerts, action items."""
from ui.review_view import review_page

review_page("monthly")
