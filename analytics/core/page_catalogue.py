"""The app's pages as data: address (slug), catalogue key of the name and menu group, in menu order.

``app.py`` builds its menu from the role rules and takes its page addresses from here; the usage report
(analytics/reviews/usage_report.py) reads the same list, so a page nobody opened still counts as least used.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    """One page of the menu: its address, the ``nav.*`` key of its name and its menu group (``nav.group.*``)."""

    slug: str
    nav_key: str
    group: str


PAGES: tuple[PageEntry, ...] = (
    PageEntry("overview", "nav.overview", "reviews"),
    PageEntry("inbox", "nav.inbox", "reviews"),
    PageEntry("monthly-review", "nav.review_monthly", "reviews"),
    PageEntry("quarterly-review", "nav.review_quarterly", "reviews"),
    PageEntry("goals", "nav.goals", "reviews"),
    PageEntry("attrition", "nav.attrition", "hr"),
    PageEntry("risk", "nav.risk", "hr"),
    PageEntry("hiring", "nav.hiring", "hr"),
    PageEntry("talent", "nav.talent", "hr"),
    PageEntry("training", "nav.training", "hr"),
    PageEntry("plans", "nav.plans", "hr"),
    PageEntry("care", "nav.care", "hr"),
    PageEntry("person", "nav.person", "hr"),
    PageEntry("quota", "nav.quota", "sales"),
    PageEntry("scorecard", "nav.scorecard", "sales"),
    PageEntry("key-accounts", "nav.key_accounts", "sales"),
    PageEntry("incentives", "nav.incentives", "sales"),
    PageEntry("joint-plan", "nav.joint_plan", "sales"),
    PageEntry("glossary", "nav.glossary", "reference"),
    PageEntry("data", "nav.data", "reference"),
    PageEntry("usage", "nav.usage", "reference"),
    PageEntry("admin", "nav.admin", "reference"),
    PageEntry("no-access", "nav.no_access", "reference"),
)
BY_SLUG = {p.slug: p for p in PAGES}
#: the pages a usage report ranks (the way out for users without a role is not a page anyone "uses")
REPORTED = tuple(p.slug for p in PAGES if p.slug != "no-access")


def nav_key(slug: str) -> str | None:
    """The catalogue key of a page's name, or None for an address that is no page (an old or mistyped one)."""
    entry = BY_SLUG.get(slug)
    return entry.nav_key if entry else None
