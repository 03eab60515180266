"""The joint metrics of issue 21: ``lead_conversion`` (owned by sales and marketing together) and the values side of
the performance reviews (``values_score``, ``collaboration_score``, ``review_vetoes``) — docs/metrics.md.

Leads sit where their sales owner sat on the lead's created date (sales groupings) and also carry their marketing
team and source; reviews sit where the person sat on the review date. A group's size for masking is its distinct
sales reps (leads) or reviewed people (reviews)."""
from __future__ import annotations

import polars as pl

from analytics.core.review_values import VALUES, values_score, vetoed
from analytics.metrics.shaping import PEOPLE_DIMENSIONS, Request, shape
from analytics.sales import leads, quota

LEAD_DIMENSIONS = {**quota.SALES_DIMENSIONS, **leads.DIMENSIONS}
REVIEW_DIMENSIONS = PEOPLE_DIMENSIONS


def _cols(req: Request, dims: dict[str, str]) -> list[str]:
    return [d if d in leads.DIMENSIONS else dims[d] for d in req.dims]


def lead_conversion(_: str, req: Request) -> pl.DataFrame:
    """Per period and group: leads created, converted within 90 days, and their ratio; maturing while some lead of
    the period is younger than 90 days at the as-of date."""
    cols = _cols(req, LEAD_DIMENSIONS)
    rows = req.db.query("lead_facts", start=min(p.start for p in req.periods), end=max(p.end for p in req.periods),
                        **req.viewer.sql_params()).lazy().with_columns(marketing_team=pl.col("marketing_unit_id"))
    out = []
    for period in req.periods:
        frame = leads.conversion(rows, period.start, period.end, req.as_of, cols).collect()
        if cols:  # a lead with no owner (or no team) is company-wide only, as an order with no rep
            frame = frame.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in cols]))
        maturing = bool(frame.height) and int(frame["maturing_leads"].sum() or 0) > 0
        out.append(shape(frame, req, period, "conversion", "converted", "leads", "owners", cols)
                   .with_columns(maturing=pl.lit(maturing)))
    return pl.concat(out, how="diagonal_relaxed")


_REVIEW_VALUES = {  # metric id → (value, numerator, denominator)
    "values_score": ("values_score", None, None),
    "collaboration_score": ("collaboration_score", None, None),
    "review_vetoes": ("vetoes", None, None),
}


def review_metric(metric_id: str, req: Request) -> pl.DataFrame:
    """Per period and group: the mean values score and collaboration of the reviews dated in the period, and how
    many of them carry a veto."""
    cols = [REVIEW_DIMENSIONS[d] for d in req.dims]
    rows = req.db.query("review_facts", start=min(p.start for p in req.periods), end=max(p.end for p in req.periods),
                        **req.viewer.sql_params()).lazy().with_columns(
        values=values_score(*[pl.col(c) for c in VALUES]))
    agg = [pl.col("values").mean().alias("values_score"), pl.col("collaboration").mean().alias("collaboration_score"),
           vetoed(pl.col("veto")).sum().alias("vetoes"), pl.col("employee_id").n_unique().alias("people")]
    out = []
    for period in req.periods:
        part = rows.filter(pl.col("review_date").is_between(period.start, period.end))
        if cols:
            part = part.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in cols]))
        frame = (part.group_by(cols).agg(agg) if cols else part.select(agg)).collect()
        out.append(shape(frame, req, period, *_REVIEW_VALUES[metric_id], "people", cols))
    return pl.concat(out, how="diagonal_relaxed")


HANDLERS = {"lead_conversion": lead_conversion, **dict.fromkeys(_REVIEW_VALUES, review_metric)}


def groupings(metric_id: str) -> list[str]:
    """The ``--by`` values of the joint metrics."""
    if metric_id == "lead_conversion":
        return ["month", *LEAD_DIMENSIONS]
    return ["month", *REVIEW_DIMENSIONS]
