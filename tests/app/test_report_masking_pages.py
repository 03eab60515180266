"""AppTest: signed in as the demo analyst (aggregates only), the attrition, hiring and quota pages show no group of
fewer than the threshold of people, in a table cell or in a chart's points and hover data."""
from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_month
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people import attrition_report
from analytics.sales import quota_report
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

THRESHOLD = 5


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.analyst")
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def count(cell) -> float | None:
    """A shown count ("1,234", 7) as a number; a masked or empty cell ("—", None, NaN) as None."""
    if cell is None or cell == "—" or (isinstance(cell, float) and math.isnan(cell)):
        return None
    return float(str(cell).replace(",", ""))


def assert_no_small_cells(at: AppTest, headers: set[str], column: str) -> int:
    """Every table carrying all of ``headers`` shows ``column`` as at least the threshold or masked; returns how
    many such tables there were."""
    found = 0
    for frame in at.dataframe:
        table = frame.value
        if not headers <= set(table.columns):
            continue
        found += 1
        shown = [count(v) for v in table[column].tolist()]
        assert all(n is None or n >= THRESHOLD for n in shown), (column, shown)
    return found


def spec(at: AppTest, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))
    return json.loads(chart.proto.spec)


def test_attrition_page(app_db: Path):
    at = open_page("pages/attrition.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    period = parse_period(at.selectbox(key="period_quarter").value)
    # the curves' table (people per group) and the probation cells (people whose probation ended)
    assert assert_no_small_cells(at, {"Group", "People"}, "People") == 1
    assert assert_no_small_cells(at, {"Hire channel", "Probation completed or ended"},
                                 "Probation completed or ended") == 1
    probation = next(f.value for f in at.dataframe if "Probation completed or ended" in f.value.columns)
    masked = probation[probation["Probation completed or ended"] == "—"]
    assert len(masked) >= 2 and (masked.iloc[:, 2:] == "—").all().all()
    # the hire-cohort heatmap: no value in a row of a hire month with fewer hires
    grid = attrition_report.cohort_heatmap(db, full_access(), as_of)
    small = {fmt_month(m, "en") for m in grid.filter(pl.col("n_hires") < THRESHOLD)["hire_month"].unique()}
    heat = spec(at, "attr_heatmap")["data"][0]
    assert small & set(heat["y"])
    for label, row, text in zip(heat["y"], heat["z"], heat["text"], strict=True):
        if label in small:
            assert all(v is None for v in row) and "—" in text and set(text) <= {"—", ""}  # "": not observed yet
    # the exit reasons: no bar of fewer exits
    for trace in spec(at, "attr_reasons")["data"]:
        assert all(v is None or v >= THRESHOLD for v in trace["y"])
    # the retention curves, by hire year and by role: no point where fewer than the threshold are at risk
    for by in ("hire_cohort", "role_id"):
        if by != "hire_cohort":
            at.selectbox(key="attr_curve_by").set_value(by).run()
            assert not at.exception
        curves, _ = attrition_report.retention(db, full_access(), as_of, by, "any", period=period)
        names = attrition_report.group_names(db, full_access(), by, "en")
        small_points = {(names.get(g, g), m) for g, m in
                        curves.filter(pl.col("at_risk") < THRESHOLD).select("group", "month").rows()}
        assert small_points
        lines = [t for t in spec(at, "attr_curves")["data"] if t.get("mode") == "lines"]
        for trace in lines:
            assert "customdata" not in trace  # the hover carries no count
            for x, y in zip(trace["x"], trace["y"], strict=True):
                if (trace["name"], x) in small_points:
                    assert y is None, (trace["name"], x)
        assert assert_no_small_cells(at, {"Group", "People"}, "People") == 1


def test_hiring_page(app_db: Path):
    at = open_page("pages/hiring.py")
    # funnel by channel (applications), quality of hire and time to hire by channel (hires)
    assert assert_no_small_cells(at, {"Channel", "Stage", "Applications"}, "Applications") == 1
    assert assert_no_small_cells(at, {"Channel", "Hires"}, "Hires") == 2
    time_to_hire = next(f.value for f in at.dataframe if {"Channel", "Median days"} <= set(f.value.columns))
    masked = time_to_hire[time_to_hire["Hires"] == "—"]
    assert len(masked) >= 2 and (masked["Median days"] == "—").all()


def test_hiring_page_revenue_at_risk_shows_no_small_count(app_db: Path):
    at = open_page("pages/hiring.py")
    assert assert_no_small_cells(at, {"Region", "Kind", "People"}, "People") == 1


def test_quota_page(app_db: Path):
    at = open_page("pages/quota.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    for split in ("hire_cohort", "role"):
        if split != "hire_cohort":
            at.radio(key="quota_ramp_split").set_value(split).run()
            assert not at.exception
        full = quota_report.ramp(db, full_access(), as_of, split)
        assert (full["n_reps"] < THRESHOLD).any()
        points = 0
        for trace in spec(at, "quota_ramp")["data"]:
            if "customdata" not in trace:
                continue
            for y, n in zip(trace["y"], trace["customdata"], strict=True):
                points += 1
                assert n is None or n >= THRESHOLD  # the hover shows n
                assert (y is None) == (n is None)
        assert points == full.height
        assert assert_no_small_cells(at, {"Group", "Reps"}, "Reps") == 1
