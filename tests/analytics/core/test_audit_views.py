"""The Admin page's audit log leaves page views out unless asked (one per visit, they would crowd out the rest)."""
from __future__ import annotations

from analytics.core import auth


def test_page_views_are_left_out_unless_asked(tiny_db):
    with tiny_db.transaction(bump=False) as cur:
        tiny_db.audit(cur, "demo.hr", "login")
        for page in ("overview", "quota", "overview"):
            tiny_db.audit(cur, "demo.hr", "page_view", page)
        tiny_db.audit(cur, "demo.hr", "export", "attrition chart")
    shown = auth.audit_log(tiny_db, page_views=False)
    assert "page_view" not in shown["action"].to_list()
    assert shown["action"].to_list()[:2] == ["export", "login"]  # newest first, nothing else dropped
    everything = auth.audit_log(tiny_db)
    assert everything["action"].to_list()[:5] == ["export", "page_view", "page_view", "page_view", "login"]
