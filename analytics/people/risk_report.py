"""What the flight-risk page shows: the backtest, the global drivers and the ranked list in scope."""
from __future__ import annotations

import datetime as dt
import io

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.people import risk

HIGH_RISK_MULTIPLE = 2.0  # "high risk" = at least twice the average probability of the people in scope


def high_risk_threshold(probabilities: pl.Series) -> float:
    """The probability from which a person is flagged high risk: twice the scope's average."""
    return float(probabilities.mean() or 0.0) * HIGH_RISK_MULTIPLE


def describe_driver(feature: str, value: str | None, lang: str) -> str:
    """A driver as a reader says it: the feature's name and this person's value."""
    from analytics.core.i18n import code_label, t

    name = code_label("feature", feature, lang)
    if value is None:
        return f"{name}: {t('risk.unknown', lang)}"
    if feature in {"mentored", "in_probation", "under70_twice"}:
        yes = float(value) >= 0.5
        return t(f"risk.flag.{feature}.{'yes' if yes else 'no'}", lang)
    if feature == "hire_source":
        return f"{name}: {code_label('hire_source', value, lang)}"
    if feature == "tenure_days":
        return f"{name}: {float(value) / 30.4375:.0f} {t('risk.month_unit', lang)}"
    if feature in {"attainment_q1", "attainment_q2", "attainment_trend", "bookings_vs_peers", "base_vs_peers"}:
        return f"{name}: {float(value) * 100:.0f}%"
    try:
        return f"{name}: {float(value):.1f}"
    except ValueError:
        return f"{name}: {value}"


def first_month(db: Database) -> dt.date:
    row = db.query("data_range").row(0)
    return row[0] or dt.date.today().replace(day=1)


def evaluation(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = 6) -> risk.Backtest | None:
    """Out-of-time backtest of the model against the baseline (None when history is too short)."""
    return risk.backtest(db, viewer, first_month(db), as_of, horizon)


def ranked(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = 6) -> pl.DataFrame:
    """Everyone in scope employed at ``as_of`` with their probability of leaving within ``horizon`` months
    and their top drivers; names only for viewers with person-level rights."""
    fitted = risk.fit_current(db, viewer, first_month(db), as_of, horizon)
    if fitted is None:
        return pl.DataFrame()
    model, current = fitted
    people = risk.person_drivers(model, current)
    if not viewer.person_level:
        return people.drop("employee_id", "manager_id")
    names = db.sql("select employee_id, name from employees")
    return people.join(names, on="employee_id", how="left")


def risk_by_team(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Mean probability and people at high risk per team; teams under the threshold masked for aggregate viewers."""
    if frame.is_empty():
        return frame
    out = frame.group_by("team_id").agg(
        people=pl.len(), mean_probability=pl.col("probability").mean(),
        high_risk=(pl.col("probability") >= high_risk_threshold(frame["probability"])).sum())
    if not viewer.person_level:
        small = pl.col("people") < viewer.suppression_threshold
        out = out.with_columns(mean_probability=pl.when(small).then(None).otherwise(pl.col("mean_probability")),
                               high_risk=pl.when(small).then(None).otherwise(pl.col("high_risk")))
    return out.sort("mean_probability", descending=True, nulls_last=True)


def evaluate_snapshot_bytes(data: bytes, target: str, name: str = "upload") -> risk.SnapshotResult:
    """Evaluate an uploaded snapshot file (CSV, UTF-8 with or without BOM)."""
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema_length=10_000, encoding="utf8-lossy")
    except Exception as exc:  # polars raises several types for unreadable CSV
        raise ValueError(f"{name}: not a readable CSV file ({str(exc).splitlines()[0]}).") from None
    return risk.evaluate_snapshot(frame, target)
