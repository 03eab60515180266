"""Headcount and capacity plan (docs/metrics.md ``headcount_plan``): hires needed by month to meet a revenue target.

Two layers, so a scenario change recomputes in milliseconds:

1. :func:`measure` reads the facts once per (database, data version, scope, as-of) and caches
   :class:`PlanInputs`: the reps on the as-of day with their tenure month, per region the median mature quota
   per rep-month, the expected attainment of mature reps, the monthly rep exit rate and the time to fill, all
   over the last 12 months; and the ramp curve (productivity by tenure month) from ``quota.ramp_curve``.
2. :func:`run_scenario` is pure numpy/polars arithmetic on those inputs, a target frame and a
   :class:`Scenario` (a parameter set): capacity, expected exits, gap, hires needed and when to open each
   requisition. Scenarios are saved as JSON files (``data/scenarios/<name>.json``).

Arithmetic, per region and plan month j = 1..H (month 1 = the month after the as-of month):

- productivity p(k) of a rep in tenure month k = measured ramp attainment(k) ÷ mature attainment, clipped to
  [0, 1] and made non-decreasing; 1 from the end of the measured curve;
- survival s(j) = (1 − a)^j with a the monthly exit rate (exits taken at the start of each month);
- capacity(j) = q × e × [Σ_reps p(t_i + j) s(j) + Σ_starts h_s p(j − s + 1) s(j − s)] with q the quota per rep
  and e the expected attainment; expected exits(j) = a × the expected reps at the end of month j − 1;
- hires: months are walked in order; where target(j) > capacity(j) hires are added to start in month
  s = j − ramp_lead (ramp_lead = tenure months until a new rep reaches 80% productivity, − 1), so they are
  productive in month j: h = ⌈gap ÷ (q e p(j − s + 1) s(j − s))⌉. They also add capacity to the months after.
  A hire cannot start before month 1 + lead (lead = months from opening a requisition to the hire's start):
  a gap in a month j with j − ramp_lead < 1 + lead cannot be closed by new hires without hiring a multiple of
  the need into their first months, and is reported as ``unclosable_gap`` instead. Each requisition opens in
  month s − lead.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from analytics.core.periods import add_months, month_start

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "data" / "scenarios"
DAYS_PER_MONTH = 30.4375
PRODUCTIVE_AT = 0.8
MAX_HORIZON = 24
_CACHE: dict[tuple, PlanInputs] = {}


class PlanError(ValueError):
    """A scenario or target the plan cannot use; the message says what and why."""


@dataclass
class PlanInputs:
    """What the plan measures from the facts (cached) — everything a scenario needs."""

    as_of: dt.date
    regions: list[str]
    roster: pl.DataFrame          # employee_id, region_id, tenure_month (at the as-of month), mentored
    params: pl.DataFrame          # region_id, quota_per_rep, expected_attainment, monthly_exit_rate,
    #                               ttf_days, ttf_months, lead_days, lead_months, reps
    ramp: dict[str, list[float]]  # "measured" / "mentored" → productivity for tenure months 1..K
    history: pl.DataFrame = field(default_factory=pl.DataFrame)  # region_id, month, bookings, quota

    @property
    def first_month(self) -> dt.date:
        return add_months(month_start(self.as_of), 1)


@dataclass
class Scenario:
    """A parameter set. ``openings``: ``[{"region_id", "month" ("YYYY-MM"), "reps"}]`` = N reps start that month
    (e.g. opening a region); ``attrition_delta_points`` shifts the annual exit rate (−5 = five points lower);
    ``ramp`` "measured" or "mentored" (the ramp of reps with a mentor in their first month)."""

    name: str = "baseline"
    horizon: int = 12
    target_factor: float = 1.0
    attrition_delta_points: float = 0.0
    ramp: str = "measured"
    quota_per_rep: dict[str, float] = field(default_factory=dict)
    openings: list[dict] = field(default_factory=list)
    hire_to_close_gap: bool = True
    targets: list[dict] | None = None  # optional stored target rows {"region_id", "month", "target"}


# ── Measuring (once per data version and scope) ──────────────────────────
def _ceil_months(days: float | None) -> int:
    return 0 if days is None or days != days else max(1, math.ceil(days / DAYS_PER_MONTH))


def productivity(curve: pl.DataFrame, mature: float) -> list[float]:
    """Ramp attainment by tenure month → productivity fractions: ÷ mature attainment, clipped to [0, 1],
    non-decreasing (a new rep does not unlearn), tenure months without data take the previous value."""
    if curve.is_empty() or not mature:
        return [1.0]
    by_month = dict(zip(curve["tenure_month"].to_list(), curve["attainment"].to_list(), strict=True))
    out, last = [], 0.0
    for k in range(1, int(max(by_month)) + 1):
        v = by_month.get(k)
        last = max(last, min(1.0, max(0.0, (v / mature) if v is not None else last)))
        out.append(last)
    return out


def measure(db, viewer, as_of: dt.date, refresh: bool = False) -> PlanInputs:
    """The measured inputs for a viewer at ``as_of``, cached per (file, data version, scope, as-of)."""
    key = (str(db.path), db.data_version, viewer.scope_key, as_of)
    if not refresh and key in _CACHE:
        return _CACHE[key]
    inputs = _measure(db, viewer, as_of)
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = inputs
    return inputs


def _measure(db, viewer, as_of: dt.date) -> PlanInputs:
    from analytics.people.recruiting import clean_requisitions
    from analytics.sales import quota

    params = viewer.sql_params()
    last = month_start(as_of)
    start = add_months(last, -11)
    regions = db.sql(
        "select org_unit_id from org_units where level = 'region' and ($all_units or list_contains($units, "
        "org_unit_id)) order by org_unit_id", **params)["org_unit_id"].to_list()
    exits = db.sql("select employee_id, termination_date from employees")
    traits = db.query("rep_traits", as_of=as_of).select("employee_id", "mentored")
    panel = (
        db.query("rep_month_sales", start=add_months(last, -35), end=last, as_of=as_of, hired_from=None, **params)
        .filter(pl.col("quota") > 0).sort("employee_id", "month")
        .join(exits, on="employee_id", how="left").join(traits, on="employee_id", how="left")
    )
    panel = quota.with_tenure_month(panel.lazy()).collect()
    # a team's scope holds no region of its own: plan for the regions its reps sit in (their rows only)
    regions = sorted(set(regions) | set(panel["region_id"].drop_nulls().to_list()))
    recent = panel.filter(pl.col("month") >= start)
    full_month = (pl.col("hire_date") < pl.col("month")) & (
        pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("month").dt.month_end()))
    mature = recent.filter((pl.col("tenure_month") > 12) & full_month)
    per_region = mature.group_by("region_id").agg(
        quota_per_rep=pl.col("quota").median(),
        expected_attainment=pl.col("bookings").sum() / pl.col("quota").sum())
    company = mature.select(quota_per_rep=pl.col("quota").median(),
                            expected_attainment=pl.col("bookings").sum() / pl.col("quota").sum()).row(0, named=True)
    # exits of reps in the last 12 months ÷ rep-months in that window (region of their last month with quota)
    last_row = recent.sort("month").group_by("employee_id").agg(pl.col("region_id").last(),
                                                                 pl.col("termination_date").last())
    n_exits = last_row.filter(pl.col("termination_date").is_between(start, as_of)).group_by("region_id").len("exits")
    exposure = recent.group_by("region_id").len("rep_months")
    attr = exposure.join(n_exits, on="region_id", how="left").with_columns(pl.col("exits").fill_null(0))
    company_rate = float(attr["exits"].sum() / max(attr["rep_months"].sum(), 1))
    attr = attr.with_columns(monthly_exit_rate=pl.col("exits") / pl.col("rep_months"))
    # time to fill (opened → offer accepted) and lead (opened → start) of quota roles, filled in the last 12 months
    quota_roles = db.sql("select role_id from roles where carries_quota")["role_id"].to_list()
    reqs = clean_requisitions(db.query("requisition_facts", **params)).rows.filter(
        pl.col("role_id").is_in(quota_roles) & pl.col("filled_date").is_between(add_months(start, -12), as_of))
    reqs = reqs.with_columns(ttf=(pl.col("filled_date") - pl.col("opened_date")).dt.total_days(),
                             lead=(pl.col("hire_date") - pl.col("opened_date")).dt.total_days())
    ttf = reqs.group_by("region_id").agg(ttf_days=pl.col("ttf").median(), lead_days=pl.col("lead").median())
    company_ttf = reqs.select(ttf_days=pl.col("ttf").median(), lead_days=pl.col("lead").median()).row(0, named=True)
    # reps on the as-of day
    roster = panel.filter((pl.col("month") == last) & (pl.col("termination_date").is_null()
                                                        | (pl.col("termination_date") > as_of)))
    roster = roster.select("employee_id", "region_id", "tenure_month",
                           pl.col("mentored").fill_null(False)).sort("employee_id")
    frame = (
        pl.DataFrame({"region_id": regions}, schema={"region_id": pl.Utf8})
        .join(per_region, on="region_id", how="left").join(attr.select("region_id", "monthly_exit_rate"),
                                                           on="region_id", how="left")
        .join(ttf, on="region_id", how="left").join(roster.group_by("region_id").len("reps"), on="region_id",
                                                     how="left")
        .with_columns(
            quota_per_rep=pl.col("quota_per_rep").fill_null(company["quota_per_rep"]),
            expected_attainment=pl.col("expected_attainment").fill_null(company["expected_attainment"]),
            monthly_exit_rate=pl.col("monthly_exit_rate").fill_null(company_rate),
            ttf_days=pl.col("ttf_days").fill_null(company_ttf["ttf_days"]),
            lead_days=pl.col("lead_days").fill_null(company_ttf["lead_days"]),
            reps=pl.col("reps").fill_null(0),
        )
    )
    frame = frame.with_columns(
        ttf_months=pl.col("ttf_days").map_elements(_ceil_months, return_dtype=pl.Int64),
        lead_months=pl.col("lead_days").map_elements(_ceil_months, return_dtype=pl.Int64),
    )
    # ramp: hires of the last three years, tenure months 1..12; productivity relative to mature attainment
    ramp_rows = panel.filter(pl.col("hire_date") >= add_months(last, -35))
    mature_att = float(company["expected_attainment"] or 1.0)
    curves = {}
    for name, rows in (("measured", ramp_rows), ("mentored", ramp_rows.filter(pl.col("mentored")))):
        curve = quota.ramp_curve(rows.lazy(), pl.lit("all"), 12).collect()
        curves[name] = productivity(curve, mature_att)
    history = recent.group_by("region_id", "month").agg(pl.col("bookings").sum(), pl.col("quota").sum()).sort(
        "region_id", "month")
    return PlanInputs(as_of=as_of, regions=regions, roster=roster, params=frame.sort("region_id"), ramp=curves,
                      history=history)


# ── Targets and scenarios ────────────────────────────────────────────────
def plan_months(inputs: PlanInputs, horizon: int) -> list[dt.date]:
    return [add_months(inputs.first_month, j) for j in range(horizon)]


def default_target(inputs: PlanInputs, growth: float = 0.1, horizon: int = 12) -> pl.DataFrame:
    """A target to start from: the same calendar month's bookings in the last 12 months × (1 + growth)."""
    months = plan_months(inputs, horizon)
    hist = inputs.history.with_columns(moy=pl.col("month").dt.month())
    frame = pl.DataFrame({"month": months}).with_columns(moy=pl.col("month").dt.month())
    return (frame.join(hist.select("region_id", "moy", "bookings"), on="moy", how="inner")
            .select("region_id", "month", target=pl.col("bookings") * (1 + growth)).sort("region_id", "month"))


def validate_target(inputs: PlanInputs, target: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """The target limited to the plan's months; refuses missing columns, negative or unknown-region rows."""
    missing = {"region_id", "month", "target"} - set(target.columns)
    if missing:
        raise PlanError(f"The target needs the columns region_id, month, target; missing {', '.join(sorted(missing))}.")
    target = target.with_columns(pl.col("month").cast(pl.Date).dt.truncate("1mo"), pl.col("target").cast(pl.Float64))
    bad = target.filter(pl.col("target").is_null() | pl.col("target").is_nan() | (pl.col("target") < 0))
    if bad.height:
        r = bad.row(0, named=True)
        raise PlanError(f"Scenario {scenario.name!r}: the target for {r['region_id']} in {r['month']:%Y-%m} is "
                        f"{r['target']}; targets must be numbers ≥ 0 ({bad.height} such row(s)).")
    unknown = sorted(set(target["region_id"].to_list()) - set(inputs.regions))
    if unknown:
        raise PlanError(f"Scenario {scenario.name!r}: unknown region(s) {', '.join(map(str, unknown))} in the target; "
                        f"known regions: {', '.join(inputs.regions)}.")
    return target


def check_scenario(inputs: PlanInputs, scenario: Scenario) -> None:
    """Refuse a scenario the arithmetic cannot use, with a message naming the field."""
    name = scenario.name
    if not 1 <= scenario.horizon <= MAX_HORIZON:
        raise PlanError(f"Scenario {name!r}: horizon {scenario.horizon} months; choose 1–{MAX_HORIZON}.")
    if scenario.target_factor < 0:
        raise PlanError(f"Scenario {name!r}: target factor {scenario.target_factor} is negative; a target must be ≥ 0.")
    if scenario.ramp not in inputs.ramp:
        raise PlanError(f"Scenario {name!r}: ramp {scenario.ramp!r}; choose one of {', '.join(inputs.ramp)}.")
    for region, q in scenario.quota_per_rep.items():
        if region not in inputs.regions:
            raise PlanError(f"Scenario {name!r}: unknown region {region!r} in quota_per_rep; known regions: "
                            f"{', '.join(inputs.regions)}.")
        if q is None or q < 0:
            raise PlanError(f"Scenario {name!r}: quota per rep for {region} is {q}; it must be ≥ 0.")
    months = plan_months(inputs, scenario.horizon)
    for i, op in enumerate(scenario.openings):
        if op.get("region_id") not in inputs.regions:
            raise PlanError(f"Scenario {name!r}: opening {i + 1} names unknown region {op.get('region_id')!r}; "
                            f"known regions: {', '.join(inputs.regions)}.")
        if _month(op.get("month")) not in months:
            raise PlanError(f"Scenario {name!r}: opening {i + 1} month {op.get('month')!r} is outside the plan "
                            f"({months[0]:%Y-%m} to {months[-1]:%Y-%m}).")
        if not isinstance(op.get("reps"), int) or op["reps"] < 0:
            raise PlanError(f"Scenario {name!r}: opening {i + 1} needs a whole number of reps ≥ 0.")


def _month(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return month_start(value)
    try:
        return dt.datetime.strptime(str(value)[:7], "%Y-%m").date()
    except ValueError:
        return None


def _adjusted_rate(monthly: float, delta_points: float) -> float:
    annual = 1 - (1 - monthly) ** 12
    annual = min(max(annual + delta_points / 100, 0.0), 0.999)
    return 1 - (1 - annual) ** (1 / 12)


# ── The arithmetic ───────────────────────────────────────────────────────
def _prod_table(ramp: list[float], upto: int) -> np.ndarray:
    """p(k) for k = 0..upto (p(0) = 0: not started yet)."""
    out = np.ones(upto + 1)
    out[0] = 0.0
    n = min(len(ramp), upto)
    out[1:n + 1] = ramp[:n]
    return out


def plan_region(tenures: np.ndarray, target: np.ndarray, q: float, e: float, a: float, lead: int,
                ramp: list[float], fixed_starts: np.ndarray | None = None, hire: bool = True) -> dict[str, np.ndarray]:
    """The arithmetic for one region over H months (arrays indexed by plan month 1..H at positions 0..H−1).

    ``tenures``: tenure month of each current rep at the as-of month; ``fixed_starts[s−1]``: reps the scenario
    starts in month s (openings). Returns capacity (existing, hires), gap, reps, exits and hires by start month."""
    h = len(target)
    prod = _prod_table(ramp, int(tenures.max(initial=0)) + h + 1)
    months = np.arange(1, h + 1)
    surv = (1 - a) ** np.arange(0, h + 1)
    # existing reps: vectorised over reps, all months at once
    tk = tenures[:, None] + months[None, :]
    existing = q * e * prod[np.clip(tk, 0, len(prod) - 1)].sum(axis=0) * surv[1:]
    existing_reps = len(tenures) * surv[1:]
    # contribution of one hire starting in month s to month j: q e p(j − s + 1) (1 − a)^(j − s)
    lag = months[:, None] - months[None, :]                       # [j, s] = j − s
    unit = np.where(lag >= 0, q * e * prod[np.clip(lag + 1, 0, len(prod) - 1)] * surv[np.clip(lag, 0, h)], 0.0)
    alive = np.where(lag >= 0, surv[np.clip(lag, 0, h)], 0.0)
    starts = np.zeros(h) if fixed_starts is None else fixed_starts.astype(float).copy()
    planned = np.zeros(h)
    ramp_lead = next((k for k in range(1, len(prod)) if prod[k] >= PRODUCTIVE_AT), 1) - 1
    earliest = 1 + lead
    before = existing + unit @ starts
    unclosable = np.zeros(h)
    for j in range(1, h + 1):
        cap = existing[j - 1] + unit[j - 1] @ (starts + planned)
        gap = target[j - 1] - cap
        if gap <= 1e-9 or not hire:
            continue
        s = j - ramp_lead
        if s < earliest or unit[j - 1, s - 1] <= 0:  # a hire landing now would still be ramping in month j
            unclosable[j - 1] = gap
            continue
        planned[s - 1] += math.ceil(gap / unit[j - 1, s - 1] - 1e-9)
    hires_cap = unit @ (starts + planned)
    reps = existing_reps + alive @ (starts + planned)
    reps_start = np.concatenate([[len(tenures)], reps[:-1]]) + starts + planned  # on the books as the month starts
    return {
        "capacity_existing": existing, "capacity_hires": hires_cap, "capacity": existing + hires_cap,
        "capacity_before_hires": before, "target": target, "gap": target - (existing + hires_cap),
        "unclosable_gap": unclosable, "reps_end": reps, "expected_exits": reps_start - reps,
        "scenario_starts": starts, "planned_starts": planned,
    }


def run_scenario(inputs: PlanInputs, target: pl.DataFrame | None, scenario: Scenario) -> dict[str, pl.DataFrame]:
    """Monthly plan per region for one scenario: ``{"monthly", "schedule"}``.

    monthly: scenario, region_id, month, target, capacity, capacity_existing, capacity_hires, capacity_before_hires,
    gap (target − capacity, after the planned hires), unclosable_gap, reps_end, expected_exits, hires_start,
    requisitions_to_open. schedule: scenario, region_id, kind ("plan" | "opening"), start_month, hires,
    open_by (month the requisitions must open), late (open_by before the plan's first month)."""
    check_scenario(inputs, scenario)
    if target is None:
        if scenario.targets is None:
            raise PlanError(f"Scenario {scenario.name!r} has no target: pass a target frame or store targets in it.")
        target = pl.DataFrame(scenario.targets)
    target = validate_target(inputs, target, scenario)
    months = plan_months(inputs, scenario.horizon)
    h = len(months)
    grid = (target.filter(pl.col("month").is_in(months)).group_by("region_id", "month").agg(pl.col("target").sum()))
    roster = inputs.roster
    monthly, schedule = [], []
    params = {r["region_id"]: r for r in inputs.params.iter_rows(named=True)}
    regions = sorted(set(grid["region_id"].to_list()) | {op["region_id"] for op in scenario.openings})
    month_index = {m: i for i, m in enumerate(months)}
    for region in regions:
        p = params[region]
        t = np.zeros(h)
        for row in grid.filter(pl.col("region_id") == region).iter_rows(named=True):
            t[month_index[row["month"]]] = row["target"] * scenario.target_factor
        fixed = np.zeros(h)
        for op in scenario.openings:
            if op["region_id"] == region:
                fixed[month_index[_month(op["month"])]] += op["reps"]
        q = float(scenario.quota_per_rep.get(region, p["quota_per_rep"]) or 0.0)
        a = _adjusted_rate(float(p["monthly_exit_rate"]), scenario.attrition_delta_points)
        lead = int(p["lead_months"])
        ten = roster.filter(pl.col("region_id") == region)["tenure_month"].to_numpy().astype(int)
        res = plan_region(ten, t, q, float(p["expected_attainment"]), a, lead, inputs.ramp[scenario.ramp], fixed,
                          scenario.hire_to_close_gap)
        starts = res["scenario_starts"] + res["planned_starts"]
        to_open = np.zeros(h)
        for s in range(h):
            if starts[s] and s - lead >= 0:
                to_open[s - lead] += starts[s]
        monthly.append(pl.DataFrame({
            "scenario": scenario.name, "region_id": region, "month": months,
            **{k: res[k] for k in ("target", "capacity", "capacity_existing", "capacity_hires", "capacity_before_hires",
                                   "gap", "unclosable_gap", "reps_end", "expected_exits")},
            "hires_start": starts, "requisitions_to_open": to_open,
        }))
        for kind, arr in (("opening", res["scenario_starts"]), ("plan", res["planned_starts"])):
            for s in np.nonzero(arr)[0]:
                open_by = add_months(months[s], -lead)
                schedule.append({"scenario": scenario.name, "region_id": region, "kind": kind, "start_month": months[s],
                                 "hires": int(arr[s]), "open_by": open_by, "late": open_by < inputs.first_month})
    schema = {"scenario": pl.Utf8, "region_id": pl.Utf8, "kind": pl.Utf8, "start_month": pl.Date, "hires": pl.Int64,
              "open_by": pl.Date, "late": pl.Boolean}
    return {"monthly": pl.concat(monthly) if monthly else pl.DataFrame(),
            "schedule": pl.DataFrame(schedule, schema=schema).sort("region_id", "start_month", "kind")}


def compare(inputs: PlanInputs, target: pl.DataFrame | None, scenarios: list[Scenario]) -> dict[str, pl.DataFrame]:
    """Several scenarios side by side: the monthly frames stacked, the schedules stacked, and one summary row each
    (total target, capacity, remaining gap, months short, hires planned and opened by the scenario).

    ``shortfall`` sums each region's own gap (one region's surplus does not cover another's); ``months_short``
    counts the plan months (of the horizon, so at most H) in which at least one region is short after the hires."""
    runs = [run_scenario(inputs, target, s) for s in scenarios]
    monthly = pl.concat([r["monthly"] for r in runs if r["monthly"].height])
    schedule = pl.concat([r["schedule"] for r in runs])
    summary = monthly.group_by("scenario", maintain_order=True).agg(
        target=pl.col("target").sum(), capacity=pl.col("capacity").sum(),
        shortfall=pl.col("gap").clip(lower_bound=0).sum(),
        months_short=pl.col("month").filter(pl.col("gap") > 1e-6).n_unique().cast(pl.Int64),
        hires=pl.col("hires_start").sum(), expected_exits=pl.col("expected_exits").sum(),
    )
    return {"monthly": monthly, "schedule": schedule, "summary": summary}


# ── Saving scenarios (JSON files under data/scenarios/) ────────────────────
def _path(name: str, folder: Path | None) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}", name or "") or ".." in name:
        raise PlanError(f"Scenario name {name!r}: use 1–80 letters, digits, spaces, '.', '_' or '-'.")
    return (folder or SCENARIO_DIR) / f"{name.strip().replace(' ', '_')}.json"


def save_scenario(scenario: Scenario, folder: Path | None = None) -> Path:
    """Write the scenario as JSON (atomically: a temporary file renamed); returns the path."""
    path = _path(scenario.name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(scenario)
    if data["targets"] is not None:
        data["targets"] = [{**r, "month": str(r["month"])[:10]} for r in data["targets"]]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def load_scenario(name: str, folder: Path | None = None) -> Scenario:
    return scenario_from_json(scenario_json(name, folder), _path(name, folder))


def scenario_json(name: str, folder: Path | None = None) -> str:
    """The saved scenario's file as written (a changed file is another request of the stored results)."""
    path = _path(name, folder)
    if not path.exists():
        raise PlanError(f"There is no saved scenario {name!r} (expected {path}).")
    return path.read_text(encoding="utf-8")


def scenario_from_json(text: str, where: Path | str = "scenario") -> Scenario:
    data = json.loads(text)
    extra = sorted(set(data) - set(Scenario.__dataclass_fields__))
    if extra:
        raise PlanError(f"{where}: unknown field(s) {', '.join(extra)}.")
    if data.get("targets") is not None:
        data["targets"] = [{**r, "month": dt.date.fromisoformat(r["month"])} for r in data["targets"]]
    return Scenario(**data)


def list_scenarios(folder: Path | None = None) -> list[str]:
    folder = folder or SCENARIO_DIR
    if not folder.exists():
        return []
    out = []
    for p in sorted(folder.glob("*.json")):
        try:
            out.append(json.loads(p.read_text(encoding="utf-8"))["name"])
        except (ValueError, KeyError):
            continue
    return out


def standard_scenarios(inputs: PlanInputs, horizon: int = 12, new_region: str | None = None,
                       new_region_month: dt.date | None = None, new_region_reps: int = 8) -> list[Scenario]:
    """Baseline and the four scenarios of the issue, ready to compare."""
    out = [Scenario("baseline", horizon), Scenario("attrition -5 pts", horizon, attrition_delta_points=-5.0),
           Scenario("mentored ramp", horizon, ramp="mentored"), Scenario("target +10%", horizon, target_factor=1.1)]
    if new_region:
        month = new_region_month or add_months(inputs.first_month, 3)
        out.append(Scenario(f"open {new_region}", horizon, openings=[
            {"region_id": new_region, "month": f"{month:%Y-%m}", "reps": new_region_reps}]))
    return out
