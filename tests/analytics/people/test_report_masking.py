"""Report tables that do not come from the metric engine, as the demo analyst (aggregates only) gets them: no
group of fewer than the threshold of people shown, masked rows blank, never a single masked row in a table, and
the HR head sees the same rows with their real counts."""
from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from analytics.charts import figures as charts
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.people import attrition_report, hiring_report
from analytics.sales import quota_report

AS_OF = dt.date(2025, 12, 31)
PERIODS = ("2025-Q3", "2025-Q4")
ANALYST = Viewer("analyst", None, frozenset())
HEAD = full_access()
THRESHOLD = ANALYST.suppression_threshold


@pytest.fixture(scope="module")
def db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("masking") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    database = Database(path, read_only=True)
    yield database
    database.close()


def check(analyst: pl.DataFrame, head: pl.DataFrame, count: str, values: list[str], part: list[str] | None = None,
          small: bool = True) -> None:
    """``analyst`` is ``head`` masked: shown rows on at least the threshold with the head's counts, masked rows
    blank, within each ``part`` no masked row alone (bar a table of one row); ``small``: the head's table has a
    group under the threshold (so the masking is tested)."""
    assert analyst.height == head.height > 0
    assert not head["masked"].any() and head[count].null_count() == 0
    hidden = analyst["masked"]
    shown = analyst.filter(~hidden)
    assert (shown[count] >= THRESHOLD).all()
    assert shown[count].to_list() == head.filter(~hidden)[count].to_list()
    for column in [count, *values]:
        assert analyst.filter(hidden)[column].null_count() == int(hidden.sum()), column
    # every group under the threshold is masked
    assert analyst.filter(head[count] < THRESHOLD)["masked"].all()
    tables = analyst.with_columns(_one=pl.lit(1)).group_by(part or ["_one"]).agg(
        rows=pl.len(), masked=pl.col("masked").sum())
    assert tables.filter((pl.col("masked") == 1) & (pl.col("rows") > 1)).is_empty()
    if small:
        assert (head[count] < THRESHOLD).any() and hidden.sum() >= 2


# ── attrition page ──
@pytest.mark.parametrize("by", attrition_report.CURVE_GROUPS)
def test_retention_curves_and_their_table(db, by):
    curves, summary = attrition_report.retention(db, ANALYST, AS_OF, by, period=parse_period("2025-Q4"))
    full_curves, full_summary = attrition_report.retention(db, HEAD, AS_OF, by, period=parse_period("2025-Q4"))
    # at each month, a point with fewer at risk than the threshold is masked (and its band)
    check(curves, full_curves, "at_risk", ["survival", "lower", "upper"], part=["month"],
          small=bool((full_curves["at_risk"] < THRESHOLD).any()))
    assert curves["group"].to_list() == full_curves["group"].to_list()
    check(summary, full_summary, "n", ["exits", "median_months"],
          small=bool((full_summary["n"] < THRESHOLD).any()))
    # the chart has a gap where a point is masked: no survival value for it
    fig = charts.retention_curves(curves)
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    plotted = sum(v is not None for tr in lines for v in tr.y)
    assert plotted == curves.filter(~pl.col("masked")).height


def test_retention_masks_small_groups_somewhere(db):
    _, summary = attrition_report.retention(db, ANALYST, AS_OF, "region", period=parse_period("2025-Q4"))
    curves, _ = attrition_report.retention(db, ANALYST, AS_OF, "role_id", period=parse_period("2025-Q4"))
    assert summary["masked"].sum() >= 2 and curves["masked"].sum() >= 2


def test_hire_cohort_heatmap(db):
    grid = attrition_report.cohort_heatmap(db, ANALYST, AS_OF)
    full = attrition_report.cohort_heatmap(db, HEAD, AS_OF)
    check(grid, full, "n_hires", ["retained"], part=["tenure_month"])
    # the groups are the hire months: a hire month is masked in every column or in none, two or more of them
    months = grid.group_by("hire_month").agg(pl.col("masked").all().alias("all"), pl.col("masked").any().alias("any"))
    assert (months["all"] == months["any"]).all() and months["all"].sum() >= 2
    fig = charts.cohort_heatmap(grid)
    shown = [v for row in fig.data[0].z for v in row if v is not None]
    assert len(shown) == grid["retained"].drop_nulls().len()
    assert "—" in {t for row in fig.data[0].text for t in row}


@pytest.mark.parametrize("period", PERIODS)
def test_exit_reasons(db, period):
    reasons = attrition_report.exit_reasons(db, ANALYST, parse_period(period), AS_OF)
    full = attrition_report.exit_reasons(db, HEAD, parse_period(period), AS_OF)
    # a masked reason keeps neither its count nor which reason and type it was
    check(reasons, full, "exits", ["share", "regretted", "exit_type", "exit_reason"])
    shown = reasons.filter(~pl.col("masked"))
    assert shown.select("exit_type", "exit_reason").rows() == full.filter(~reasons["masked"]).select(
        "exit_type", "exit_reason").rows()


@pytest.mark.parametrize("period", PERIODS)
def test_probation_cells(db, period):
    panel = attrition_report.probation_panel(db, ANALYST, parse_period(period), AS_OF)
    full = attrition_report.probation_panel(db, HEAD, parse_period(period), AS_OF)
    check(panel, full, "n_complete", ["n_hires", "n_left_within", "n_incomplete", "rate"])
    assert panel.select("hire_source", "mentored").rows() == full.select("hire_source", "mentored").rows()


# ── quota page ──
@pytest.mark.parametrize("split", quota_report.RAMP_SPLITS)
def test_ramp_curves(db, split):
    ramp = quota_report.ramp(db, ANALYST, AS_OF, split)
    full = quota_report.ramp(db, HEAD, AS_OF, split)
    check(ramp, full, "n_reps", ["attainment"], part=["tenure_month"],
          small=bool((full["n_reps"] < THRESHOLD).any()))
    summary = ramp.unique("cohort", maintain_order=True).rename({"masked": "point", "summary_masked": "masked"})
    full_summary = full.unique("cohort", maintain_order=True).rename(
        {"masked": "point", "summary_masked": "masked"})
    check(summary, full_summary, "reps", ["productive", "median_months"],
          small=bool((full_summary["reps"] < THRESHOLD).any()))
    # the chart: no value and no count in the hover data of a masked point
    fig = charts.ramp_curves(ramp)
    for trace in fig.data:
        for y, n in zip(trace.y, trace.customdata, strict=True):
            assert (y is None) == (n is None) and (n is None or n >= THRESHOLD)


def test_ramp_by_role_masks_a_small_role(db):
    ramp = quota_report.ramp(db, ANALYST, AS_OF, "role")
    assert ramp["masked"].sum() >= 2 and ramp["summary_masked"].sum() >= 2


# ── hiring page ──
@pytest.mark.parametrize("period", PERIODS)
def test_hiring_times_and_quality_of_hire(db, period):
    current = parse_period(period).to_date(AS_OF)
    rec = hiring_report.recruiting_overview(db, ANALYST, current.start, current.end, AS_OF)
    full = hiring_report.recruiting_overview(db, HEAD, current.start, current.end, AS_OF)
    for name, count, values, part in (
        ("funnel", "applied", ["reached", "conversion", "share_of_applied"], ["stage"]),
        ("funnel_total", "applied", ["reached"], None),
        ("offer_acceptance", "offered", ["accepted", "acceptance_rate"], None),
        ("time_to_fill", "filled", ["median_days", "mean_days", "p90_days"], None),
        ("time_to_fill_total", "filled", ["median_days", "mean_days", "p90_days"], None),
        ("time_to_hire", "hires", ["median_days", "mean_days"], None),
        ("key_positions", "due", ["filled_on_time", "fill_rate"], None),
        ("key_positions_total", "due", ["filled_on_time", "fill_rate"], None),
        ("quality_by_channel", "hires", ["probation_observed", "probation_passed", "probation_pass_rate",
                                         "retention_12m", "retained_12m", "attainment_m4_12"], None),
    ):
        table, head = rec[name], full[name]
        if head.is_empty():
            continue
        check(table, head, count, values, part, small=bool((head[count] < THRESHOLD).any()))
    comparison = rec["referrals"]["comparison"]
    check(comparison, full["referrals"]["comparison"], "hires", ["probation_pass_rate", "retention_12m"],
          small=False)


def test_hiring_times_mask_a_single_requisition(db):
    current = parse_period("2025-Q4").to_date(AS_OF)
    rec = hiring_report.recruiting_overview(db, ANALYST, current.start, current.end, AS_OF)
    full = hiring_report.recruiting_overview(db, HEAD, current.start, current.end, AS_OF)
    assert (full["time_to_fill"]["filled"] < THRESHOLD).any()
    assert rec["time_to_fill"]["masked"].sum() >= 2 and rec["time_to_hire"]["masked"].sum() >= 2


def test_quality_of_hire_parts_on_few_hires_are_blank(db):
    current = parse_period("2025-Q4").to_date(AS_OF)
    quality = hiring_report.recruiting_overview(db, ANALYST, current.start, current.end, AS_OF)["quality_by_channel"]
    full = hiring_report.recruiting_overview(db, HEAD, current.start, current.end, AS_OF)["quality_by_channel"]
    for rate, base, _ in hiring_report.QUALITY_PARTS:
        small = (full[base] > 0) & (full[base] < THRESHOLD)
        assert quality.filter(small)[rate].null_count() == int(small.sum())
        shown = quality.filter(pl.col(rate).is_not_null())
        assert (shown[base] >= THRESHOLD).all()
    assert ((full["retention_observed"] > 0) & (full["retention_observed"] < THRESHOLD)).any()


def test_below_the_analysts_scope_no_cross_tabulation_is_published(db):
    """Narrowed to a region (the sidebar, a drill), a table by channel, reason, hire month, cohort or role would be
    region × that grouping: not published, no rows (rule 5); by region, and the region's own totals, as usual."""
    east = ANALYST.narrowed("east")
    assert east.narrowed_below_scope
    period = parse_period("2025-Q4")
    curves, summary = attrition_report.retention(db, east, AS_OF, "hire_source", period=period)
    tables = [curves, summary, attrition_report.cohort_heatmap(db, east, AS_OF),
              attrition_report.exit_reasons(db, east, period, AS_OF),
              attrition_report.probation_panel(db, east, period, AS_OF), quota_report.ramp(db, east, AS_OF, "mentored")]
    current = period.to_date(AS_OF)
    rec = hiring_report.recruiting_overview(db, east, current.start, current.end, AS_OF)
    tables += [rec[k] for k in ("funnel", "offer_acceptance", "time_to_fill", "time_to_hire", "quality_by_channel")]
    for table in tables:
        assert table.is_empty() and "masked" in table.columns
    by_region, _ = attrition_report.retention(db, east, AS_OF, "region", period=period)
    assert not by_region["masked"].all()
    assert not rec["funnel_total"]["masked"].any() and rec["funnel_total"]["applied"].min() >= THRESHOLD
    # the HR head narrowed to the region sees it all
    head = hiring_report.recruiting_overview(db, HEAD.narrowed("east"), current.start, current.end, AS_OF)
    assert head["funnel"].height and not head["funnel"]["masked"].any()
    assert attrition_report.exit_reasons(db, HEAD.narrowed("east"), period, AS_OF).height


def test_the_referral_summary_is_masked_for_a_small_group_of_referral_hires(demo_db_path):
    import datetime as dt

    from analytics.core.access import Viewer, full_access
    from analytics.core.db import Database
    from analytics.people.hiring_report import recruiting_overview

    db = Database(demo_db_path, read_only=True)
    try:
        start, end = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
        small = Viewer("nw", frozenset({"northwest"}), frozenset())
        hr = recruiting_overview(db, full_access().narrowed("northwest", {}), start, end, end)["referrals"]["summary"]
        assert 0 < hr["referral_hires"][0] < 5  # a small group: the HR head sees it
        masked = recruiting_overview(db, small, start, end, end)["referrals"]["summary"]
        assert masked["masked"][0] and masked.drop("masked").row(0) == (None,) * (masked.width - 1)
        everyone = recruiting_overview(db, Viewer("a", None, frozenset()), start, end, end)["referrals"]["summary"]
        assert not everyone["masked"][0] and everyone["referral_hires"][0] >= 5
    finally:
        db.close()
