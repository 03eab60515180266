"""The Joint plan page's view: a scenario for next year's plan against today's, on the reps whose pay the viewer may
see (``incentives_report``: the HR head everyone in scope, a sales director their own reports), with the
assumptions as data. The arithmetic is :mod:`analytics.sales.joint_whatif` (no Streamlit here either).

Inputs are the Incentives page's own: the same rep × month panels, quotas, base pay and plans in force, and its
baseline payouts (computed once); the one flight-risk model of the data version and its feature rows on its
date; revenue at risk per person as ``revenue_risk_report`` values it. Saved scenarios are JSON files under
``data/joint_plans/`` (``TANDEM_JOINT_PLANS_DIR``), written atomically.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

import polars as pl

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.core.settings import PROJECT_ROOT
from analytics.people import pay_response, planning, risk, risk_report, risk_store
from analytics.sales import incentives, incentives_report, joint_whatif, revenue_risk_report

_ROWS: OrderedDict[tuple, pl.DataFrame] = OrderedDict()  # feature rows on a model's date, by database and model
_ROWS_LOCK = threading.Lock()


def model_rows(db: Database, fitted: risk_store.RiskModel) -> pl.DataFrame:
    """Everyone's feature rows on the model's date (the rows it scored; computed once per model)."""
    key = (str(db.path.resolve()), risk_store.ref_of(fitted))
    with _ROWS_LOCK:
        if key in _ROWS:
            return _ROWS[key]
    rows = risk.features(db, full_access("flight_risk_model"), [risk_store.model_date(fitted)],
                         fitted.meta["params"]["horizon"], columns=risk.MODEL_COLUMNS)
    with _ROWS_LOCK:
        _ROWS[key] = rows
        while len(_ROWS) > 4:
            _ROWS.popitem(last=False)
    return rows


def _credit_panels(db: Database, data: dict, change: joint_whatif.PlanChange, catalogue: dict, as_of: dt.date,
                   fy_start: int) -> dict[tuple, pl.DataFrame]:
    """Credit key → panel: the Incentives page's panels, and one over every rep for a chosen plan paying on
    collected cash under another cutoff."""
    panels = {("bookings",): data["bookings"]}
    panels |= {incentives.credit_key(p): data["panels"][k] for k, p in data["plans"].items()}
    if change.plan_id is not None:
        plan = catalogue[change.plan_id]
        key = incentives.credit_key(plan)
        if key != ("bookings",):  # every rep moves to this plan: all their collected cash
            panels[key] = incentives_report._credited(db, plan, data["start"], data["end"], as_of, data["ids"],
                                                      fy_start)
    return panels


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def compare(db: Database, viewer: Viewer, period: Period, as_of: dt.date, scenario: str, fy_start: int = 1,
            model: str | None = None, n_boot: int = pay_response.N_BOOT) -> dict:
    """Baseline (the plans in force, today's quotas and people) and ``scenario`` (JSON of a
    :class:`joint_whatif.Scenario`) side by side for the period, with ``assumptions`` (name → value) and
    ``regions`` (region ids of the reps). Empty ``summary`` when no rep's pay is in the viewer's view."""
    chosen = joint_whatif.Scenario.from_json(scenario)
    data = incentives_report._panel_inputs(db, viewer, period, as_of, fy_start)
    if data["reps"].is_empty():
        return {"summary": pl.DataFrame(), "assumptions": {}}
    data["ids"] = data["reps"]["employee_id"].to_list()
    catalogue, _ = incentives_report.available_plans()
    if chosen.plan.plan_id is not None and chosen.plan.plan_id not in catalogue:
        raise incentives.PlanError(str(incentives.PLANS_DIR), None, f"no plan {chosen.plan.plan_id!r}.")
    inputs = {**data, "credit_panels": _credit_panels(db, data, chosen.plan, catalogue, as_of, fy_start)}
    baseline = incentives_report._payouts(data, fy_start)
    fitted = risk_report.fitted_model(db, as_of, model=model)
    rows = at_risk = None
    if fitted is not None:
        rows = model_rows(db, fitted)
        measured = planning.measure(db, viewer, as_of)
        people = data["reps"].select("employee_id", "region_id")
        at_risk = revenue_risk_report.person_values(measured, people, revenue_risk_report.median_quotas(db, as_of)
                                                    ).select("employee_id", "bookings_at_risk")
    months = _months(data["start"], data["end"])
    out = joint_whatif.compare(inputs, chosen, catalogue, None if fitted is None else fitted.model, rows, at_risk,
                               fy_start=fy_start, months=months, baseline=baseline, n_boot=n_boot)
    if not viewer.person_level:
        out["reps"] = pl.DataFrame()
    out["assumptions"] = assumptions(data, chosen, catalogue, fitted, months, n_boot, period)
    out["regions"] = sorted(data["reps"]["region_id"].drop_nulls().unique().to_list())
    return out


def assumptions(data: dict, scenario: joint_whatif.Scenario, catalogue: dict, fitted: risk_store.RiskModel | None,
                months: int, n_boot: int, period: Period) -> dict[str, object]:
    """What the comparison assumes, as values the page prints (dates, counts, fractions, names by id)."""
    bt = (fitted.meta.get("backtest") or {}) if fitted is not None else {}
    scores = bt.get("scores", {})
    return {
        "period": period.label, "start": data["start"], "end": data["end"], "months": months,
        "plans_in_force": sorted(data["plans"]), "scenario_plan": scenario.plan.plan_id,
        "bookings_shift": scenario.bookings_shift, "peer_reference": scenario.peer_reference,
        "model_date": risk_store.model_date(fitted) if fitted is not None else None,
        "model_version": risk_store.MODEL_VERSION,
        "model_data_version": fitted.meta["data_version"] if fitted else None,
        "horizon": fitted.meta["params"]["horizon"] if fitted is not None else None,
        "roc_auc": scores.get("model", {}).get("roc_auc"),
        "roc_auc_baseline": scores.get("baseline", {}).get("roc_auc"),
        "n_boot": n_boot, "level": pay_response.LEVEL, "members": _members(fitted),
    }


def _members(fitted: risk_store.RiskModel | None) -> int:
    if fitted is None:
        return 0
    model = fitted.model.fitted if isinstance(fitted.model, risk.PriorShifted) else fitted.model
    try:
        return len(model.named_steps["model"].calibrated_classifiers_)
    except (AttributeError, KeyError):
        return 1


def capacity_scenarios() -> list[str]:
    """The capacity-plan scenarios the Hiring page compares: the standard ones, then the saved ones."""
    from analytics.people import hiring_report

    return [*(s.name for s in planning.standard_scenarios(None)), *hiring_report.saved_scenarios()]


def capacity_hires(db: Database, viewer: Viewer, as_of: dt.date, name: str, saved: str | None = None,
                   horizon: int = 12, months: int | None = None) -> dict[str, int]:
    """Hires per region in a capacity-plan scenario (a standard one by ``name``, or a saved one's JSON ``saved``),
    as the Hiring page's plan computes them over ``horizon`` months; ``months``: only the plan's first so many (a
    scenario for a quarter takes a quarter of hiring, not a year's)."""
    from analytics.people import hiring_report

    inputs = planning.measure(db, viewer, as_of)  # the Hiring page's default target: +10% on the last 12 months
    scenarios = [planning.scenario_from_json(saved)] if saved else [
        s for s in planning.standard_scenarios(inputs, horizon) if s.name == name]
    if not scenarios:
        return {}
    monthly = hiring_report.capacity_plan(db, viewer, as_of, scenarios, horizon=horizon)["monthly"]
    if months is not None:
        first = sorted(monthly["month"].unique().to_list())[:months]
        monthly = monthly.filter(pl.col("month").is_in(first))
    hires = monthly.group_by("region_id").agg(pl.col("hires_start").sum()).filter(pl.col("hires_start") > 0)
    return {r: int(h) for r, h in hires.sort("region_id").iter_rows()}


def regions_in_scope(db: Database, viewer: Viewer) -> list[str]:
    """The region ids the viewer's scope reaches (a region in scope, or one of its teams), in the org tree's order."""
    tree = db.query("org_tree")
    regions = tree.filter(pl.col("level") == "region")
    if viewer.org_units is None:
        return regions["org_unit_id"].to_list()
    allowed = set(viewer.org_units)
    parents = dict(zip(tree["org_unit_id"].to_list(), tree["parent_id"].to_list(), strict=True))
    return [r for r in regions["org_unit_id"].to_list()
            if r in allowed or any(parents.get(u) == r for u in allowed)]


def teams_in_scope(db: Database, viewer: Viewer) -> list[str]:
    """The team ids in the viewer's scope (a team of a region in scope, or a team granted itself), in tree order."""
    tree = db.query("org_tree").filter(pl.col("level") == "team")
    if viewer.org_units is None:
        return tree["org_unit_id"].to_list()
    allowed = set(viewer.org_units)
    return [t for t, parent in tree.select("org_unit_id", "parent_id").iter_rows() if t in allowed or parent in allowed]


# ── saved scenarios ────────────────────────────────────────────────────────
def scenario_dir() -> Path:
    return Path(os.environ.get("TANDEM_JOINT_PLANS_DIR") or PROJECT_ROOT / "data" / "joint_plans")


def _path(name: str, folder: Path | None = None) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff _.-]{0,79}", name or "") or ".." in name:
        raise ValueError(name)
    return (folder or scenario_dir()) / f"{name.strip().replace(' ', '_')}.json"


def save_scenario(scenario: joint_whatif.Scenario, folder: Path | None = None) -> Path:
    """Write the scenario as JSON under its name (a temporary file renamed); raises ValueError for a bad name."""
    path = _path(scenario.name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(scenario.to_json(), encoding="utf-8")
    tmp.replace(path)
    return path


def saved_scenarios(folder: Path | None = None) -> dict[str, str]:
    """Saved scenarios: name → JSON text (files that do not read as a scenario are left out)."""
    folder = folder or scenario_dir()
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            text = path.read_text(encoding="utf-8")
            out[joint_whatif.Scenario.from_json(text).name] = text
        except (ValueError, TypeError):
            continue
    return out
