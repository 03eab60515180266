"""The green channel's metric: ``alert_response_24h``, the share of alerts acknowledged within their response
time (docs/metrics.md). Alerts are bookkeeping written in the app, not facts: they are read on every request
(a few rows), never from the memo of the data version, and the clock is the wall clock."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.sql_files import sql_text
from analytics.metrics.shaping import Request, shape

DIMENSIONS = {"region": "region_id", "team": "team_id"}


def alert_response(_: str, req: Request, now: dt.datetime | None = None) -> pl.DataFrame:
    """Per period and group: counted alerts (acknowledged, or past their due time), those acknowledged in time,
    and their ratio."""
    cols = [DIMENSIONS[d] for d in req.dims]
    rows = req.db.sql(sql_text("alert_responses"), start=min(p.start for p in req.periods),
                      end=max(p.end for p in req.periods), now=now or dt.datetime.now(), **req.viewer.sql_params())
    agg = [pl.col("counted").cast(pl.Int64).sum().alias("counted"),
           pl.col("in_time").cast(pl.Int64).sum().alias("in_time")]
    out = []
    for period in req.periods:
        part = rows.filter(pl.col("day").is_between(period.start, period.end))
        if cols:  # an alert of the whole company (or of a region, by team) is in the total only
            part = part.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in cols]))
        frame = (part.group_by(cols).agg(agg) if cols else part.select(agg)).with_columns(
            rate=pl.when(pl.col("counted") > 0).then(pl.col("in_time") / pl.col("counted")))
        waiting = bool(part.height) and not part["counted"].all()  # some clocks still running: not final yet
        out.append(shape(frame, req, period, "rate", "in_time", "counted", "counted", cols)
                   .with_columns(maturing=pl.lit(waiting)))
    return pl.concat(out, how="diagonal_relaxed")
