"""The company's own metrics (``metrics/*.toml``) computed as the engine computes built-in ones.

The metric's SQL gives rows per org unit or per person; ``custom_sql.scoped`` places them (a person in the unit
held on the row's ``event_date``, else on the period's last day, as for built-in metrics), keeps the viewer's
scope and sums them per unit. Here they are summed per group — a rate is the sum of numerators over the sum of
denominators, never a mean of rates — with the group's size (the people behind the rows, or the headcount of the
units) as ``n_people``; ``engine.compute`` then applies suppression, small bases and labels exactly as for a
built-in metric. Each period's rows are read once per data version (``Database.derived``).
"""
from __future__ import annotations

import polars as pl

from analytics.core import custom_metrics
from analytics.core.custom_metrics import CustomMetric
from analytics.core.db import Database
from analytics.core.registry import REGISTRY, UnknownMetricError
from analytics.metrics.shaping import Request, shape

#: ``--by`` value → column of the placed rows
DIMENSIONS = {"region": "region_id", "team": "team_id", "org_unit": "org_unit_id", "role": "role_id",
              "rep": "employee_id"}


def definition(metric_id: str) -> CustomMetric:
    """The loaded definition of a custom metric; UnknownMetricError when there is none."""
    found = custom_metrics.loaded(REGISTRY).metrics.get(metric_id)
    if found is None:
        raise UnknownMetricError(metric_id)
    return found


def groupings(metric_id: str) -> list[str]:
    """``month`` and the groupings the metric's file offers."""
    return ["month", *definition(metric_id).groupings]


def min_base(metric_id: str) -> int | None:
    """The file's own minimum base, if it sets one."""
    return definition(metric_id).min_base


def require(db: Database, metric_id: str) -> None:
    """Make sure the metric has had its trial run on ``db``; a refused one raises its refusal."""
    cat = custom_metrics.check_on(db, REGISTRY)
    refusal = cat.refused.get(f"{metric_id}.toml")
    if metric_id not in cat.metrics and refusal is not None:
        raise refusal


def _rows(req: Request, cm: CustomMetric, start: object, end: object) -> pl.DataFrame:
    params = {"start": start, "end": end, "as_of": req.as_of, **req.viewer.sql_params()}
    return req.db.derived(f"custom_metric:{cm.id}", {"digest": cm.digest, **params},
                          lambda: custom_metrics.run(req.db, cm.scoped_sql, params, cm.file))


def compute_custom(metric_id: str, req: Request) -> pl.DataFrame:
    """The engine's handler for a custom metric: every period of the request, grouped by ``req.dims``."""
    cm = definition(metric_id)
    cols = [DIMENSIONS[d] for d in req.dims]
    rate = "numerator" in cm.checked.columns
    people = (pl.col("employee_id").drop_nulls().n_unique() if cm.checked.rows == "person"
              else pl.col("people").sum())
    agg = [pl.col("num").sum(), pl.col("den").sum(), pl.col("val").sum(), people.cast(pl.Float64).alias("n_people")]
    value = pl.when(pl.col("den") != 0).then(pl.col("num") / pl.col("den")) if rate else pl.col("val")
    out = []
    for period in req.periods:
        rows = _rows(req, cm, period.start, period.end).lazy()
        frame = (rows.group_by(cols).agg(agg) if cols else rows.select(agg)).with_columns(result=value).collect()
        out.append(shape(frame, req, period, "result", "num" if rate else None, "den" if rate else None,
                         "n_people", cols))
    return pl.concat(out, how="diagonal_relaxed")
