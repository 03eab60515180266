"""The monthly review's sales item carries lead conversion — the metric engine's figure, with both owners named."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import parse_period
from analytics.metrics.figure import headline
from analytics.reviews.content import build_review

AS_OF = dt.date(2025, 12, 31)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_monthly_sales_item_names_lead_conversion_and_its_owners(demo_db_path, lang: str):
    db = Database(demo_db_path, read_only=True)
    try:
        review = build_review(db, full_access(), "monthly", parse_period("2025-11"), as_of=AS_OF, lang=lang)
        fig = headline(db, full_access(), "lead_conversion", parse_period("2025-11"), AS_OF)
    finally:
        db.close()
    item = review.item("sales")
    assert item.numbers["lead_conversion"] == pytest.approx(fig.value)
    assert fmt_number(fig.value, "ratio", lang) in item.takeaway
    assert ("线索转化率" if lang == "zh" else "Lead conversion") in item.takeaway
    assert ("由销售与市场共同负责" if lang == "zh" else "owned jointly by Sales and Marketing") in item.takeaway
    assert fig.maturing and ("未成熟" if lang == "zh" else "maturing") in item.takeaway


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_goal_on_lead_conversion_names_both_owners_and_reads_the_engine(demo_db_path, lang: str):
    from analytics.core.periods import parse_period as period_of
    from analytics.reviews import goals

    db = Database(demo_db_path, read_only=True)
    try:
        tree = goals.progress(db, full_access(), AS_OF, lang)
        fig = headline(db, full_access(), "lead_conversion", period_of("FY2025"), AS_OF, compare=False)
    finally:
        db.close()
    goal = tree.filter(tree["metric_id"] == "lead_conversion").row(0, named=True)
    assert goal["joint_owners"] == ("由销售与市场共同负责" if lang == "zh" else "Owned jointly by Sales and Marketing")
    assert goal["actual"] == pytest.approx(fig.value)
    others = tree.filter(tree["metric_id"] != "lead_conversion")["joint_owners"]
    assert others.is_null().all()  # a metric of one owner names none
