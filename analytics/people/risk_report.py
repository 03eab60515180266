"""What the flight-risk page shows: the backtest, the global drivers and the ranked list in scope.

Every figure comes from the one model of the data version (``risk_store.current_model``, docs/risk.md): fitted
on the whole company at the data's as-of date, so a person's probability and drivers do not depend on who looks
or which page asks. The viewer only decides which people (their scope) and which drivers (their fields:
pay-derived drivers need pay rights for that person) they get. An earlier date (a review of a past month) is
scored by the same model, not a second fit. ``model`` (``risk_store.State.ref``) names the model a page was
shown while the current one is fitted in the background; it is part of the page's cache key.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

import numpy as np
import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.metrics.suppression import mask_table
from analytics.people import risk, risk_store

HIGH_RISK_MULTIPLE = 2.0  # "high risk" = at least twice the average probability of the people in scope


def high_risk_threshold(probabilities: pl.Series) -> float:
    """The probability from which a person is flagged high risk: twice the scope's average."""
    return float(probabilities.mean() or 0.0) * HIGH_RISK_MULTIPLE


def describe_driver(feature: str, value: str | None, lang: str, roles: dict[str, str] | None = None) -> str:
    """A driver as a reader says it: the feature's name and this person's value (a role by its name in
    ``roles``, role id → name)."""
    from analytics.core.i18n import code_label, t

    name = code_label("feature", feature, lang)
    if value is None:
        return f"{name}: {t('risk.unknown', lang)}"
    if feature in {"mentored", "in_probation", "under70_twice"}:
        yes = float(value) >= 0.5
        return t(f"risk.flag.{feature}.{'yes' if yes else 'no'}", lang)
    if feature == "hire_source":
        return f"{name}: {code_label('hire_source', value, lang)}"
    if feature in {"role", "role_id"}:
        return f"{name}: {(roles or {}).get(value, value)}"
    if feature == "tenure_days":
        return f"{name}: {float(value) / 30.4375:.0f} {t('risk.month_unit', lang)}"
    if feature in {"attainment_q1", "attainment_q2", "attainment_trend", "bookings_vs_peers", "base_vs_peers"}:
        return f"{name}: {float(value) * 100:.0f}%"
    try:
        number = float(value)
        return f"{name}: {number:.0f}" if number.is_integer() else f"{name}: {number:.1f}"
    except ValueError:
        return f"{name}: {value}"


def first_month(db: Database) -> dt.date:
    return risk_store.first_month(db)


def in_scope(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The rows placed in the viewer's units (a unit or a region id), as the named queries filter them."""
    if viewer.org_units is None:
        return frame
    units = sorted(viewer.org_units)
    return frame.filter(pl.col("org_unit_id").is_in(units) | pl.col("region_id").is_in(units))


_shown: ContextVar[str | None] = ContextVar("flight_risk_model_shown", default=None)


@contextmanager
def showing(model: str | None) -> Iterator[None]:
    """Within the block, views called without ``model`` use this one (a page showing the previous model while
    the current one is fitted, through views that do not pass ``model`` on: continuity, revenue at risk)."""
    token = _shown.set(model)
    try:
        yield
    finally:
        _shown.reset(token)


def refit_note(state: risk_store.State, lang: str) -> str | None:
    """The sentence a page shows above results of the previous model while the current one is fitted."""
    from analytics.core.i18n import fmt_date, t

    if not state.fitting or state.model is None:
        return None
    at = dt.datetime.fromisoformat(state.model.meta["fitted_at"])
    return t("risk.model.refitting", lang, when=f"{fmt_date(at.date(), lang)} {at:%H:%M}",
             date=fmt_date(risk_store.model_date(state.model), lang), started=f"{state.job.started:%H:%M}")


def fitted_model(db: Database, as_of: dt.date, horizon: int = 6, model: str | None = None
                 ) -> risk_store.RiskModel | None:
    """The model named by ``model`` (a ``risk_store.State.ref``, else the one set by :func:`showing`) when it
    is still held, else the data version's one model, fitted at the data's as-of date (or at ``as_of`` when
    that is later)."""
    model = model or _shown.get()
    if model is not None:
        found = risk_store.by_ref(db, model)
        if found is not None:
            return found
    return risk_store.current_model(db, max(as_of, as_of_date(db)), horizon)


def people_of(db: Database, fitted: risk_store.RiskModel, as_of: dt.date) -> pl.DataFrame:
    """The model's scored people; for a date before the model's, the people employed then, same model."""
    return fitted.people if as_of >= risk_store.model_date(fitted) else risk_store.people_at(db, fitted, as_of)


def evaluation(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = 6,
               model: str | None = None) -> risk.Backtest | None:
    """The one model's out-of-time backtest against the baseline (None when history is too short); for a
    viewer with a scope, ``scope`` holds the same numbers on the people of that scope (``risk.scores_on``)."""
    if viewer.sees_nothing:
        return None
    fitted = fitted_model(db, as_of, horizon, model)
    bt = fitted.backtest() if fitted is not None else None
    if bt is None:
        return None
    # the test rows stay with the model: views get the numbers (cached per scope) without them
    scope = None if viewer.org_units is None else risk.scores_on(in_scope(bt.predictions, viewer))
    return replace(bt, predictions=pl.DataFrame(), scope=scope)


def scores(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = 6, model: str | None = None) -> pl.DataFrame:
    """employee_id, region_id, team_id and probability of everyone in scope at ``as_of`` — for views that join
    the probability to other person rows and show aggregates only to aggregate viewers (revenue at risk,
    account continuity). No drivers."""
    fitted = None if viewer.sees_nothing else fitted_model(db, as_of, horizon, model)
    if fitted is None:
        return pl.DataFrame(schema={"employee_id": pl.Int64, "region_id": pl.Utf8, "team_id": pl.Utf8,
                                    "probability": pl.Float64})
    return in_scope(people_of(db, fitted, as_of), viewer).select("employee_id", "region_id", "team_id", "probability")


def pay_visible(db: Database, viewer: Viewer, people: pl.DataFrame, as_of: dt.date) -> pl.Series:
    """Per row of ``people``, whether the viewer may see that person's pay: everyone's with pay rights (HR
    head), their own direct and indirect reports' with ``pay_reports`` (a sales director), else nobody's."""
    if viewer.sees_pay:
        return pl.Series([True] * people.height, dtype=pl.Boolean)
    if not viewer.sees_any_pay:
        return pl.Series([False] * people.height, dtype=pl.Boolean)
    own = db.query("reports_of", manager_id=viewer.employee_id, day=as_of)["employee_id"]
    return people["employee_id"].is_in(own.implode())


def driver_inputs(people: pl.DataFrame, pay_ok: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person × feature: the contributions, the values as text, and which the viewer may not see (a
    pay-derived feature where ``pay_ok`` is false)."""
    effect = people.select([f"effect.{f}" for f in risk.FEATURES]).to_numpy()
    values = people.select([f"value.{f}" for f in risk.FEATURES]).to_numpy()
    hidden = np.zeros(effect.shape, dtype=bool)
    for j, f in enumerate(risk.FEATURES):
        if risk.FEATURE_FIELDS.get(f) == "pay":
            hidden[:, j] = ~pay_ok.to_numpy()
    return effect, values, hidden


def with_drivers(people: pl.DataFrame, pay_ok: pl.Series, top: int = 3) -> pl.DataFrame:
    """The scored rows with each person's top drivers (features, contributions, values as text), chosen among
    the features the viewer may see for that person: a pay-derived one only where ``pay_ok``."""
    effect, values, hidden = driver_inputs(people, pay_ok)
    rows, cols = risk.driver_cells(effect, hidden, top)  # person and feature of each driver, in rank order
    cells = pl.DataFrame({
        "_row": rows, "drivers": np.asarray(risk.FEATURES, dtype=object)[cols].astype(str),
        "driver_effects": effect[rows, cols].astype(float),
        "driver_values": pl.Series(values[rows, cols].tolist(), dtype=pl.Utf8),
    }, schema={"_row": pl.Int64, "drivers": pl.Utf8, "driver_effects": pl.Float64, "driver_values": pl.Utf8})
    lists = cells.group_by("_row", maintain_order=True).agg("drivers", "driver_effects", "driver_values")
    empty = {c: pl.lit([], dtype=pl.List(t)) for c, t in (("drivers", pl.Utf8), ("driver_effects", pl.Float64),
                                                          ("driver_values", pl.Utf8))}
    return people.select("employee_id", "org_unit_id", "region_id", "team_id", "role_id", "manager_id",
                         "tenure_days", "probability").with_row_index("_row").with_columns(
        pl.col("_row").cast(pl.Int64)).join(lists, on="_row", how="left", maintain_order="left").with_columns(
        [pl.col(c).fill_null(v) for c, v in empty.items()]).drop("_row")


def ranked(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = 6, model: str | None = None) -> pl.DataFrame:
    """Everyone in scope employed at ``as_of`` with their probability of leaving within ``horizon`` months,
    most likely first. Person-level viewers get ids, names and top drivers (pay-derived drivers only for the
    people whose pay they may see); aggregate viewers get placement and probability only, for aggregates."""
    fitted = None if viewer.sees_nothing else fitted_model(db, as_of, horizon, model)
    if fitted is None:
        return pl.DataFrame()
    people = in_scope(people_of(db, fitted, as_of), viewer).sort("employee_id")
    if not viewer.person_level:
        return people.select("org_unit_id", "region_id", "team_id", "probability").sort(
            "probability", descending=True, maintain_order=True)
    out = with_drivers(people, pay_visible(db, viewer, people, as_of))
    names = db.sql("select employee_id, name from employees")
    return out.join(names, on="employee_id", how="left").sort("probability", descending=True, maintain_order=True)


def risk_by_team(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Mean probability and people at high risk per team; teams under the threshold masked for aggregate viewers."""
    if frame.is_empty():
        return frame
    out = frame.group_by("team_id").agg(
        people=pl.len(), mean_probability=pl.col("probability").mean(),
        high_risk=(pl.col("probability") >= high_risk_threshold(frame["probability"])).sum())
    # aggregate viewers: small teams masked, their size too, with a complement (the high-risk counts add up to
    # the scope's, which the reviews publish)
    out = mask_table(out.sort("team_id"), viewer, "people", ["mean_probability", "high_risk"], key="team_id")
    return out.sort("mean_probability", descending=True, nulls_last=True)


def may_upload_snapshot(viewer: Viewer) -> bool:
    """Whether the viewer may evaluate a snapshot file (every row a person, with pay and personal details in
    it as exported from an HR system): the HR head only (pay and personal-details rights)."""
    return viewer.sees_pay and viewer.person_level and "personal_details" in viewer.fields


def evaluate_snapshot_bytes(data: bytes, target: str, name: str = "upload") -> risk.SnapshotResult:
    """Evaluate an uploaded snapshot file (CSV, UTF-8 with or without BOM)."""
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema_length=10_000, encoding="utf8-lossy")
    except Exception as exc:  # polars raises several types for unreadable CSV
        raise ValueError(f"{name}: not a readable CSV file ({str(exc).splitlines()[0]}).") from None
    return risk.evaluate_snapshot(frame, target)
