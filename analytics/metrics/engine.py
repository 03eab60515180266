"""Compute any registered metric for a period and a grouping, within a viewer's scope.

This is the one door pages and the command line use, so both show the same numbers:
``compute(db, viewer, "attrition_rate_ttm", parse_period("2025-Q3"), by=["region"])``.
Output columns: the grouping columns (named as in ``--by``), ``label`` (display name of the
group where it has one), ``value``, ``numerator``, ``denominator``, ``n_people``, ``masked``,
``period``, ``partial``.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period, month_end, month_period, trailing_months
from analytics.core.registry import REGISTRY, custom, get_metric, is_custom
from analytics.core.settings import load_settings
from analytics.metrics import alert_metrics, custom_engine, joint_metrics, suppression
from analytics.metrics.shaping import (
    PEOPLE_DIMENSIONS,
    GroupingError,
    Request,
    bases,
    check_aggregate_grouping,
    hide,
    labels,
    shape,
    shape_periods,
)
from analytics.people import attrition
from analytics.sales import quota


class MetricNotComputable(ValueError):
    """A metric that is defined in the registry but has no computation for this request."""


def as_of_date(db: Database) -> dt.date:
    """The data's as-of date: ``meta.as_of`` (set by loads), else the last day of last month."""
    value = db.meta("as_of")
    if value:
        return dt.date.fromisoformat(value)
    today = dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


# ── HR ──────────────────────────────────────────────────────────────────
_HR_VALUES: dict[str, tuple[str, str | None, str | None, bool]] = {
    # metric id: (value column, numerator, denominator, trailing 12 months)
    "headcount_start": ("headcount_start", None, None, False),
    "headcount_end": ("headcount_end", None, None, False),
    "headcount_avg": ("headcount_avg", None, None, False),
    "hires": ("hires", None, None, False),
    "exits": ("exits", None, None, False),
    "exits_voluntary": ("exits_voluntary", None, None, False),
    "exits_involuntary": ("exits_involuntary", None, None, False),
    "exits_other": ("exits_other", None, None, False),
    "attrition_rate": ("attrition_rate", "exits", "headcount_avg", False),
    "attrition_rate_ttm": ("attrition_rate", "exits", "headcount_avg", True),
    "attrition_rate_annualised": ("attrition_rate_annualised", "exits", "headcount_avg", False),
    "attrition_voluntary": ("attrition_voluntary", "exits_voluntary", "headcount_avg", False),
    "attrition_involuntary": ("attrition_involuntary", "exits_involuntary", "headcount_avg", False),
    "attrition_regretted": ("attrition_regretted", "exits_regretted", "headcount_avg", False),
    "probation_share_of_exits": ("probation_share_of_exits", "exits_probation", "exits", False),
}


def _hr_events(req: Request, start: dt.date, end: dt.date, family: str | None = None) -> pl.LazyFrame:
    events = req.db.query("hr_events", start=start, end=end, **req.viewer.sql_params()).lazy()
    if family:
        events = events.filter(pl.col("role_family") == family)
    return events


_GROUPED_HR = {"org_unit_id", "region_id", "team_id", "role_family"}  # the groupings of hr_monthly.sql


def _hr_monthly(req: Request, start: dt.date, end: dt.date, cols: list[str], family: str | None = None
                ) -> pl.LazyFrame:
    """Monthly counts per group (attrition.monthly_counts' columns): aggregated in DuckDB (hr_monthly.sql) when
    the grouping allows, else from the person-level events."""
    if not set(cols) <= _GROUPED_HR:
        return attrition.monthly_counts(_hr_events(req, start, end, family), cols).collect().lazy()
    rows = req.db.query("hr_monthly", start=start, end=end, **req.viewer.sql_params()).lazy()
    if family:
        rows = rows.filter(pl.col("role_family") == family)
    counts = [pl.col(c).sum() for c in attrition.COUNT_COLUMNS]
    return (rows.group_by(["month", *cols]).agg(counts)
            .with_columns(hc_avg=(pl.col("hc_first") + pl.col("hc_last")) / 2).collect().lazy())


def _hr_metric(metric_id: str, req: Request) -> pl.DataFrame:
    """Every period of the request in one grouped pass: each month joined to the windows it lies in (a TTM
    window per period, or the period itself), summed per window and group (attrition.period_counts' rules)."""
    value, num, den, ttm = _HR_VALUES[metric_id]
    windows = [trailing_months(p.months[-1], 12) if ttm else p for p in req.periods]
    cols = [attrition.HR_DIMENSIONS[d] for d in req.dims]
    monthly = _hr_monthly(req, min(w.start for w in windows), max(w.months[-1] for w in windows), cols)
    spans = pl.DataFrame(
        [{"_p": i, "month": m, "_first": w.months[0], "_last": w.months[-1], "_n": w.n_months}
         for i, w in enumerate(windows) for m in w.months],
        schema={"_p": pl.Int64, "month": pl.Date, "_first": pl.Date, "_last": pl.Date, "_n": pl.Int64})
    sums = [pl.col(c).sum() for c in attrition.COUNT_COLUMNS if c not in {"hc_first", "hc_last"}]
    counts = monthly.join(spans.lazy(), on="month").group_by(["_p", *cols]).agg(
        *sums, (pl.col("hc_avg").sum() / pl.col("_n").first()).alias("headcount_avg"),
        pl.col("hc_first").filter(pl.col("month") == pl.col("_first")).sum().alias("headcount_start"),
        pl.col("hc_last").filter(pl.col("month") == pl.col("_last")).sum().alias("headcount_end"),
        pl.col("_n").first())
    if not cols:  # a period with no month in the data still has its (zero) row, as the company's total
        every = pl.LazyFrame({"_p": list(range(len(windows))), "_n": [w.n_months for w in windows]})
        counts = every.join(counts.drop("_n"), on="_p", how="left").with_columns(
            pl.exclude("_p", "_n").fill_null(0))
    frame = attrition.rates(counts, pl.col("_n")).sort("_p").collect()
    return shape_periods(frame, req, value, num, den, "headcount_avg", cols)


def _cohort_metric(metric_id: str, req: Request) -> pl.DataFrame:
    """Probation / first-year exit rate of the people hired in each period (cohort measures)."""
    horizon = "probation" if metric_id == "probation_exit_rate" else "year"
    cols = [attrition.HR_DIMENSIONS[d] for d in req.dims]
    events = req.db.query("hr_hires_exits", start=min(p.start for p in req.periods),
                          end=max(p.months[-1] for p in req.periods), **req.viewer.sql_params()).lazy()
    hires = attrition.with_derived(events.filter(pl.col("kind") == "hire")).collect().lazy()
    out = []
    for period in req.periods:
        rows = hires.filter(pl.col("month").is_between(period.start, period.end))
        frame = attrition.cohort_exits(rows, req.as_of, cols, horizon).collect()
        shaped = shape(frame, req, period, "rate", "n_left_within", "n_complete", "n_complete", cols)
        # a cohort whose outcome window has not elapsed for everyone is maturing: the rate covers the
        # people whose window has (docs/metrics.md, maturing cohorts)
        out.append(shaped.with_columns(maturing=pl.Series(frame["partial"].to_list(), dtype=pl.Boolean)))
    return pl.concat(out, how="diagonal_relaxed")


# ── Sales ───────────────────────────────────────────────────────────────
# Placement (docs/metrics.md): the figures of groups are placed by each event's date (a rep who moved counts
# in both units; orders with no rep count company-wide only); people measured over a period (reps at quota,
# the attainment bands, pipeline coverage) are placed once, where they sat on the period's last day.
_PERSON_SALES = {"reps_at_quota", "attainment_band"}


def _sales_panel(req: Request, person: bool = False) -> pl.LazyFrame:
    params = quota.placed_params(req.periods, req.as_of, person)
    return req.db.query("sales_placed", **params, **req.viewer.sql_params()).lazy()


def _booked_panel(req: Request) -> pl.LazyFrame:
    """``sales_booked.sql``: bookings and quota only, per period, rep and unit (quota and attainment)."""
    params = quota.placed_params(req.periods, req.as_of)
    params = {k: params[k] for k in ("start", "end", "period_starts", "period_ends")}
    return req.db.query("sales_booked", **params, **req.viewer.sql_params()).lazy()


def _sales_metric(metric_id: str, req: Request) -> pl.DataFrame:
    cols = [quota.SALES_DIMENSIONS[d] for d in req.dims]
    if metric_id in {"quota", "attainment"}:
        return _booked_metric(metric_id, req, cols)
    panel = _sales_panel(req, person=metric_id in _PERSON_SALES)
    out = []
    for period in req.periods:
        rows = quota.in_period(panel, period)
        if metric_id in {"bookings", "collection_rate", "ka_share"}:
            frame = quota.sales_totals(rows, cols).collect()
            spec = {"bookings": ("bookings", None, None),
                    "collection_rate": ("collection_rate", "collected_window", "bookings"),
                    "ka_share": ("ka_share", "ka_bookings", "bookings")}[metric_id]
            shaped = shape(frame, req, period, *spec, "n_reps", cols)
            if metric_id == "collection_rate":  # cash so far while some order's window is still open
                shaped = shaped.with_columns(maturing=pl.lit(quota.maturing(rows, period, req.as_of)))
            out.append(shaped)
        elif metric_id == "reps_at_quota":
            frame = quota.reps_at_quota(rows, cols).collect()
            out.append(shape(frame, req, period, "reps_at_quota", "n_at_quota", "n_reps_with_quota",
                              "n_reps_with_quota", cols))
        elif metric_id == "attainment_band":
            reps = quota.rep_attainment(rows).with_columns(band=quota.attainment_band(pl.col("attainment")))
            frame = reps.group_by([*cols, "band"]).agg(n_reps=pl.len()).collect()
            shaped = shape(frame, req, period, "n_reps", None, None, "n_reps", [*cols, "band"])
            out.append(shaped)
    return pl.concat(out, how="diagonal_relaxed")


def _booked_metric(metric_id: str, req: Request, cols: list[str]) -> pl.DataFrame:
    """quota and attainment of every period from the slim panel (no cash, customers or months scanned)."""
    panel = _booked_panel(req)
    spec = ("quota", None, None) if metric_id == "quota" else ("attainment", "att_bookings", "quota")
    out = []
    for period in req.periods:
        frame = quota.attainment(quota.in_period(panel, period), cols).collect()
        out.append(shape(frame, req, period, *spec, "n_reps_with_quota", cols))
    return pl.concat(out, how="diagonal_relaxed")


def _revenue_per_head(_: str, req: Request) -> pl.DataFrame:
    cols = [quota.SALES_DIMENSIONS[d] for d in req.dims]
    panel = _sales_panel(req)
    monthly = _hr_monthly(req, min(p.start for p in req.periods), max(p.months[-1] for p in req.periods), cols,
                          "sales")
    out = []
    for period in req.periods:
        sales = quota.sales_totals(quota.in_period(panel, period), cols)
        heads = attrition.period_counts(monthly, period, cols)
        frame = (heads.join(sales, on=cols, how="full", coalesce=True) if cols else pl.concat(
            [heads, sales], how="horizontal")).with_columns(
            pl.col("bookings").fill_null(0),
            revenue_per_head=pl.when(pl.col("headcount_avg") > 0).then(
                pl.col("bookings").fill_null(0) / pl.col("headcount_avg")),
        ).collect()
        out.append(shape(frame, req, period, "revenue_per_head", "bookings", "headcount_avg", "headcount_avg", cols))
    return pl.concat(out, how="diagonal_relaxed")


_CUSTOMER_VALUES: dict[str, tuple[str, str | None, str | None]] = {
    "new_customers": ("new_customers", None, None),
    "repeat_rate": ("repeat_rate", "repeat_customers", "base_customers"),
    "complaint_rate": ("complaint_rate", "complaints", "active_customers"),
    "visits": ("visits", None, None),
    "proposal_on_time": ("proposal_on_time", "proposals_on_time", "proposals_due"),
    "dso": ("dso", "receivables", "bookings"),
    "pipeline_coverage": ("pipeline_coverage", "open_pipeline", "remaining_quota"),
}


_CUSTOMER_COUNTS = {"repeat_rate", "complaint_rate"}  # the customer metrics that count distinct customers


def _customer_metric(metric_id: str, req: Request) -> pl.DataFrame:
    cols = [quota.SALES_DIMENSIONS[d] for d in req.dims]
    person = metric_id == "pipeline_coverage"  # a rep's remaining quota and pipeline: the person, at period end
    counts = metric_id in _CUSTOMER_COUNTS
    out = []
    for period in req.periods:
        params = {"start": period.start, "end": period.end, "as_of": req.as_of, "person": person,
                  **req.viewer.sql_params()}
        days = max((min(period.end, req.as_of) - period.start).days + 1, 1)

        def figures(params: dict = params, days: int = days) -> pl.DataFrame:
            rows = req.db.query("rep_period_customers", **params).lazy()
            return quota.customer_metrics(rows, cols, days).collect()

        # every customer metric of the period and grouping reads the same figures, derived once (the customer
        # rows, about a million at the large company, are too large for the query memo); a metric of sums only
        # asks without the customer rows, unless the figures with them are at hand already
        key = {**params, "by": cols}
        frame = None if counts else req.db.recall_derived("customer_metrics", {**key, "customers": True})
        if frame is None:
            frame = req.db.derived("customer_metrics", {**key, "customers": counts},
                                   functools.partial(figures, {**params, "customers": counts}))
        out.append(shape(frame, req, period, *_CUSTOMER_VALUES[metric_id], "n_reps", cols))
    return pl.concat(out, how="diagonal_relaxed")



def _recruiting_metric(metric_id: str, req: Request) -> pl.DataFrame:
    """time_to_fill (mean days opened → offer accepted, requisitions filled in the period) and the
    key-position fill rate (filled by target date ÷ due in the period), from analytics/people/recruiting.py."""
    from analytics.people import recruiting
    cols = [PEOPLE_DIMENSIONS[d] for d in req.dims]
    reqs = recruiting.clean_requisitions(req.db.query("requisition_facts", **req.viewer.sql_params())).rows
    out = []
    for period in req.periods:
        if metric_id == "time_to_fill":
            frame = recruiting.time_to_fill(reqs, period.start, period.end, cols)
            out.append(shape(frame, req, period, "mean_days", None, None, "filled", cols))
        else:
            frame = recruiting.key_position_fill_rate(reqs, period.start, period.end, req.as_of, cols)
            out.append(shape(frame, req, period, "fill_rate", "filled_on_time", "due", "due", cols))
    return pl.concat(out, how="diagonal_relaxed")


def _training_metric(_: str, req: Request) -> pl.DataFrame:
    """training_completion: completed enrolments ÷ enrolments started in the period."""
    cols = [PEOPLE_DIMENSIONS[d] for d in req.dims]
    out = []
    for period in req.periods:
        rows = req.db.query("training_enrolments", start=period.start, end=period.end,
                            **req.viewer.sql_params()).lazy()
        agg = [pl.len().alias("enrolments"), pl.col("completed").sum().alias("completed"),
               pl.col("employee_id").n_unique().alias("people")]
        frame = (rows.group_by(cols).agg(agg) if cols else rows.select(agg)).with_columns(
            rate=pl.when(pl.col("enrolments") > 0).then(pl.col("completed") / pl.col("enrolments"))).collect()
        out.append(shape(frame, req, period, "rate", "completed", "enrolments", "people", cols))
    return pl.concat(out, how="diagonal_relaxed")


HANDLERS: dict[str, Callable[[str, Request], pl.DataFrame]] = {
    **dict.fromkeys(_HR_VALUES, _hr_metric),
    **dict.fromkeys(["probation_exit_rate", "first_year_exit_rate"], _cohort_metric),
    **dict.fromkeys(["bookings", "quota", "attainment", "reps_at_quota", "collection_rate", "ka_share",
                     "attainment_band"], _sales_metric),
    "revenue_per_head": _revenue_per_head,
    **dict.fromkeys(_CUSTOMER_VALUES, _customer_metric),
    **dict.fromkeys(["time_to_fill", "key_position_fill_rate"], _recruiting_metric),
    "training_completion": _training_metric,
    "alert_response_24h": alert_metrics.alert_response,
    **joint_metrics.HANDLERS,
}


def groupings(metric_id: str) -> list[str]:
    """The ``--by`` values a metric accepts (``month`` always)."""
    if is_custom(metric_id):
        return custom_engine.groupings(metric_id)
    if HANDLERS.get(metric_id) in (_hr_metric, _cohort_metric):
        return ["month", *attrition.HR_DIMENSIONS]
    if metric_id == "revenue_per_head":
        return ["month", *[d for d in quota.SALES_DIMENSIONS if d in attrition.HR_DIMENSIONS]]
    if metric_id == "alert_response_24h":
        return ["month", *alert_metrics.DIMENSIONS]
    if metric_id in joint_metrics.HANDLERS:
        return joint_metrics.groupings(metric_id)
    if HANDLERS.get(metric_id) in (_recruiting_metric, _training_metric):
        return ["month", *PEOPLE_DIMENSIONS]
    return ["month", *quota.SALES_DIMENSIONS]


def computable() -> list[str]:
    """The built-in metrics with a computation, then the company's own (metrics/*.toml)."""
    return [*HANDLERS, *custom()]


def _checked(metric_id: str, by: Sequence[str], viewer: Viewer) -> Callable[[str, Request], pl.DataFrame]:
    """The metric's handler, once the id, the grouping and the viewer's right to it are checked."""
    get_metric(metric_id)  # unknown ids raise UnknownMetricError with a suggestion
    handler = HANDLERS.get(metric_id) or (custom_engine.compute_custom if is_custom(metric_id) else None)
    if handler is None:
        raise MetricNotComputable(
            f"Metric '{metric_id}' is defined in the registry but not computed yet; computed now: "
            f"{', '.join(computable())}."
        )
    allowed = groupings(metric_id)
    bad = [d for d in by if d not in allowed]
    if bad:
        raise GroupingError(
            f"--by {', '.join(bad)} is not offered for '{metric_id}'; choose from {', '.join(allowed)}.")
    if not viewer.person_level:
        check_aggregate_grouping(by)
    return handler


def _finish(frame: pl.DataFrame, req: Request, metric_id: str, by: Sequence[str], min_base: int | None,
            first: str) -> pl.DataFrame:
    """Labels, masked values blanked, bases, sorted by ``first`` (a period column) and the groups."""
    req_full = Request(req.db, req.viewer, req.periods, list(by), req.as_of, req.lang)
    frame = labels(frame, req_full) if req.dims else frame.with_columns(label=pl.lit(None, pl.Utf8))
    sort = [c for c in [first, *req.dims] if c in frame.columns]
    masked = hide(frame) if not req.viewer.person_level else frame.with_columns(masked=pl.lit(False))
    if min_base is None:  # a custom metric may set its own minimum base
        min_base = (custom_engine.min_base(metric_id) if metric_id not in REGISTRY else None) or \
            load_settings().min_base
    based = bases(masked, metric_id, min_base)
    return based.sort(sort, nulls_last=True) if sort else based


def compute(db: Database, viewer: Viewer, metric_id: str, period: Period, by: Sequence[str] = (),
            lang: str = "en", as_of: dt.date | None = None, min_base: int | None = None) -> pl.DataFrame:
    """One metric for a period, grouped by ``by`` (may include ``month``), within ``viewer``'s scope.

    Besides the value: ``basis`` (see :func:`basis`), ``partial`` (the period is not complete at the
    as-of date), ``maturing`` (a cohort or collection window has not elapsed), ``small_base`` (a rate on
    fewer than ``min_base`` — default the ``TANDEM_MIN_BASE`` setting — in its denominator), ``masked``.
    """
    if metric_id not in REGISTRY:  # a metric of the company's own has had its trial run on this database
        custom_engine.require(db, metric_id)
    handler = _checked(metric_id, by, viewer)
    as_of = as_of or as_of_date(db)
    periods = [month_period(m) for m in period.months] if "month" in by else [period]
    req = Request(db, viewer, periods, [d for d in by if d != "month"], as_of, lang)
    frame = handler(metric_id, req)
    if not viewer.person_level:
        def raw(v: Viewer, ps: list[Period], dims: list[str]) -> pl.DataFrame:
            return handler(metric_id, Request(db, v, ps, dims, as_of, lang))

        key = (str(db.path), db.data_version, metric_id, period.label, period.start, period.end, as_of,
               viewer.suppression_threshold,
               "" if metric_id in REGISTRY else custom_engine.definition(metric_id).digest)
        frame = suppression.apply(frame, db, viewer, period, req.dims, "month" in by, raw, key)
    frame = frame.rename({"period_start": "month"}) if "month" in by else frame.drop("period_start")
    return _finish(frame, req, metric_id, by, min_base, "month")


def compute_periods(db: Database, viewer: Viewer, metric_id: str, periods: Sequence[Period], by: Sequence[str] = (),
                    lang: str = "en", as_of: dt.date | None = None, min_base: int | None = None) -> pl.DataFrame:
    """:func:`compute` for each of several periods (quarters, say), as one request: the rows of the per-period
    calls, with ``period_start``, in period order. For a viewer with person-level rights the handler runs once
    over all the periods (one read of the stored panels, not one per period); for an aggregate viewer each
    period is computed, and its masks decided, on its own, as :func:`compute` does."""
    if "month" in by:
        raise GroupingError("compute_periods takes its periods as given; group by month with compute().")
    if metric_id not in REGISTRY:
        custom_engine.require(db, metric_id)
    handler = _checked(metric_id, by, viewer)
    as_of = as_of or as_of_date(db)
    if not viewer.person_level or len(periods) < 2:
        return pl.concat([compute(db, viewer, metric_id, p, by, lang, as_of, min_base)
                          .with_columns(period_start=pl.lit(p.start)) for p in periods], how="diagonal_relaxed")
    req = Request(db, viewer, list(periods), list(by), as_of, lang)
    frame = _finish(handler(metric_id, req), req, metric_id, by, min_base, "period_start")
    order = {p.start: i for i, p in enumerate(periods)}
    return (frame.with_columns(_order=pl.col("period_start").replace_strict(order, return_dtype=pl.Int64))
            .sort("_order", maintain_order=True).drop("_order"))


def trend(db: Database, viewer: Viewer, metric_id: str, last_month: dt.date, n_months: int = 12,
          as_of: dt.date | None = None) -> pl.DataFrame:
    """Monthly values of a metric for the ``n_months`` ending with ``last_month`` (month, value, partial)."""
    window = trailing_months(last_month, n_months)
    frame = compute(db, viewer, metric_id, window, by=["month"], as_of=as_of)
    return frame.select("month", "value", "partial")


def headline(db: Database, viewer: Viewer, metric_id: str, period: Period, as_of: dt.date | None = None) -> dict:
    """The single company-level (scope-level) value of a metric for a period, as a plain dict."""
    row = compute(db, viewer, metric_id, period, as_of=as_of).row(0, named=True)
    return {**row, "period_end": month_end(period.months[-1])}


def exclusions(db: Database, period: Period) -> dict[str, int]:
    """Counts of rows the metrics leave out for ``period`` (rule → rows); only non-zero rules."""
    rows = db.query("data_exclusions", start=period.start, end=period.end)
    return {r: int(n) for r, n in rows.iter_rows() if n}
