"""The hiring page: a funnel on fewer applications than TANDEM_MIN_BASE is drawn as counts and marked small
base (and says so), the comparisons are explained, and the capacity plan's months short stay within the horizon."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people import hiring_report
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def _hiring(monkeypatch: pytest.MonkeyPatch, min_base: int | None = None) -> AppTest:
    if min_base is not None:
        monkeypatch.setenv("TANDEM_MIN_BASE", str(min_base))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    at.run()
    at.switch_page("pages/hiring.py").run()
    assert not at.exception, at.exception
    return at


def _funnel_spec(at: AppTest) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-hiring_funnel"))
    return json.loads(chart.proto.spec)


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("min_base", [None, 100_000], ids=["default", "huge"])
def test_funnel_marks_a_small_base_and_explains_its_comparisons(app_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 min_base: int | None):
    at = _hiring(monkeypatch, min_base)
    db = Database(app_db)
    as_of = as_of_date(db)
    period = parse_period(at.selectbox(key="period_quarter").value).to_date(as_of)
    applied = hiring_report.recruiting_overview(db, full_access(), period.start, period.end, as_of,
                                                min_base=10)["funnel_total"]["applied"][0]
    small = applied < (min_base or 10)
    spec = _funnel_spec(at)
    trace = spec["data"][0]
    assert ("small base" in spec["layout"]["title"]["text"]) == small
    assert (trace["textinfo"] == "text") == small
    if small:
        assert trace["text"][0] == f"{applied:,} of {applied:,}"
        assert "Fewer than" in _captions(at)
    assert "conversion compares each stage with the stage before it" in _captions(at)


def test_capacity_plan_months_short_within_the_horizon(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = _hiring(monkeypatch)
    summary = next(d.value for d in at.dataframe if "Months short" in d.value.columns)
    months = [int(re.match(r"\d+", str(v)).group()) for v in summary["Months short"]]  # "5" or "5 months"
    assert all(0 <= m <= 12 for m in months), months
