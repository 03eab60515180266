"""Shaping the engine's rows: the common columns of every metric, group labels, masked values blanked, bases,
and the groupings an aggregate-only viewer may ask for (analytics/metrics/engine.py computes; this shapes)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label, t
from analytics.core.periods import Period
from analytics.core.registry import get_metric
from analytics.people import attrition
from analytics.sales import quota


class GroupingError(ValueError):
    """A ``--by`` grouping that the metric does not offer."""


PERSON_DIMENSIONS = {"rep", "manager"}  # groupings that name a person


@dataclass(frozen=True)
class Request:
    db: Database
    viewer: Viewer
    periods: list[Period]
    dims: list[str]
    as_of: dt.date
    lang: str


PEOPLE_DIMENSIONS = {"region": "region_id", "team": "team_id", "role": "role_id"}


def shape(frame: pl.DataFrame, req: Request, period: Period, value: str, num: str | None, den: str | None,
          n_col: str, cols: Sequence[str]) -> pl.DataFrame:
    inverse = {v: k for dims in (attrition.HR_DIMENSIONS, quota.SALES_DIMENSIONS, PEOPLE_DIMENSIONS)
               for k, v in dims.items()}
    exprs = [pl.col(c).alias(inverse.get(c, c)) for c in cols]
    exprs += [
        pl.col(value).cast(pl.Float64).alias("value"),
        (pl.col(num).cast(pl.Float64) if num else pl.lit(None, pl.Float64)).alias("numerator"),
        (pl.col(den).cast(pl.Float64) if den else pl.lit(None, pl.Float64)).alias("denominator"),
        pl.col(n_col).cast(pl.Float64).alias("n_people"),
    ]
    out = frame.select(exprs).with_columns(
        period=pl.lit(period.label), period_start=pl.lit(period.start), partial=pl.lit(period.is_partial(req.as_of)),
        maturing=pl.lit(False),
    )
    return out


def shape_periods(frame: pl.DataFrame, req: Request, value: str, num: str | None, den: str | None, n_col: str,
                  cols: Sequence[str]) -> pl.DataFrame:
    """:func:`shape` for a frame holding every period of the request, told apart by ``_p`` (index in req.periods)."""
    info = pl.DataFrame({"_p": list(range(len(req.periods))), "period": [p.label for p in req.periods],
                         "period_start": [p.start for p in req.periods],
                         "partial": [p.is_partial(req.as_of) for p in req.periods]},
                        schema={"_p": pl.Int64, "period": pl.Utf8, "period_start": pl.Date, "partial": pl.Boolean})
    shaped = shape(frame, req, req.periods[0], value, num, den, n_col, [*cols, "_p"])
    return (shaped.drop("period", "period_start", "partial").join(info, on="_p", how="left", maintain_order="left")
            .select([c for c in shaped.columns if c != "_p"]))


def basis(metric_id: str) -> str:
    """How a metric's value relates to its period: 'period' (for the period), 'annualised', 'ttm'
    (trailing 12 months to the period's last month), 'cohort' (of the people hired in the period)."""
    if metric_id.endswith("_annualised"):
        return "annualised"
    if metric_id.endswith("_ttm"):
        return "ttm"
    return "cohort" if get_metric(metric_id).grain == "cohort" else "period"


def bases(frame: pl.DataFrame, metric_id: str, min_base: int) -> pl.DataFrame:
    """Add ``basis`` and ``small_base``: a rate on fewer than ``min_base`` in its denominator is marked, shown
    with its counts, and never colours a status, raises an alert or drives a decision."""
    is_rate = get_metric(metric_id).unit in {"ratio", "probability"}
    small = pl.lit(is_rate) & pl.col("denominator").is_not_null() & (pl.col("denominator") < min_base)
    return frame.with_columns(basis=pl.lit(basis(metric_id)), small_base=small.fill_null(False))


def check_aggregate_grouping(by: Sequence[str]) -> None:
    """Groupings an aggregate-only viewer may ask for: one besides the month, never a person or a mixed level
    (analytics/metrics/suppression.py, rules 1–5)."""
    if any(d in PERSON_DIMENSIONS for d in by):
        raise GroupingError(f"Grouping by {', '.join(d for d in by if d in PERSON_DIMENSIONS)} shows people; "
                            "this viewer sees aggregates only.")
    if "org_unit" in by:
        raise GroupingError("Grouping by org_unit mixes regions and teams; this viewer sees aggregates only: "
                            "choose region or team.")
    if len([d for d in by if d != "month"]) > 1:
        raise GroupingError(f"--by {','.join(by)} crosses two groupings; this viewer sees aggregates only, "
                            "so one grouping at a time (besides month): small cells of a cross-table could be "
                            "worked out from the single tables.")


def hide(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank the value, counts and group size of masked rows (a group's size is itself revealing)."""
    hide = pl.col("masked")
    return frame.with_columns(
        value=pl.when(hide).then(None).otherwise(pl.col("value")),
        numerator=pl.when(hide).then(None).otherwise(pl.col("numerator")),
        denominator=pl.when(hide).then(None).otherwise(pl.col("denominator")),
        n_people=pl.when(hide).then(None).otherwise(pl.col("n_people")),
    )


def labels(frame: pl.DataFrame, req: Request) -> pl.DataFrame:
    name = "name_zh" if req.lang == "zh" else "name_en"
    dim = next((d for d in req.dims if d != "month"), None)
    if dim in {"region", "team", "org_unit", "marketing_team"}:
        text = f"select org_unit_id as key, {name} as label from org_units"
    elif dim == "source":  # a lead's marketing channel
        return frame.with_columns(label=pl.col(dim).map_elements(lambda c: code_label("lead_source", c, req.lang),
                                                                 return_dtype=pl.Utf8))
    elif dim == "role":
        text = f"select role_id as key, {name} as label from roles"
    elif dim in PERSON_DIMENSIONS:
        text = "select cast(employee_id as varchar) as key, name as label from employees"
    else:
        return frame.with_columns(label=pl.col(dim).cast(pl.Utf8) if dim else pl.lit(None, pl.Utf8))
    names = req.db.derived("labels", {"text": text}, lambda: req.db.sql(text))  # read once per data version
    joined = frame.with_columns(_key=pl.col(dim).cast(pl.Utf8)).join(
        names.rename({"key": "_key"}), on="_key", how="left").drop("_key")
    unplaced = t("group.unplaced" if dim in {"region", "team", "org_unit", "marketing_team"} else "group.none",
                 req.lang)
    return joined.with_columns(pl.col("label").fill_null(pl.col(dim).cast(pl.Utf8)).fill_null(pl.lit(unplaced)))
