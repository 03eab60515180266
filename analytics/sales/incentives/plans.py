"""Commission plans as data: the plan model, and reading, validating and writing plan files.

A plan is a TOML file under ``data/plans/`` (plan id = file stem). The schema, with an example of
every feature, is in ``docs/commission_plans.md``; :func:`load_plan` validates a file and raises
:class:`PlanError` naming the file, the key (dotted path), the line and what was expected.

Units: in plan files ``*_pct`` keys are percentages (1.5 = 1.5 %) and ``ka_uplift_pp`` is percentage
points; ``amount`` is money in the company currency; :meth:`Plan.rate_schedule` gives fractions.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from analytics.core.settings import PROJECT_ROOT
from analytics.sales.incentives.plan_reader import PlanError, _Reader, _show, _toml_error

PLANS_DIR = PROJECT_ROOT / "data" / "plans"
DEFAULT_PLAN_ID = "standard_2024"
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_TOP_KEYS = ("id", "name_en", "name_zh", "description_en", "description_zh", "measurement_period", "rates",
             "tiers", "accelerators", "bonuses", "cap", "payment")


# ───────────────────────────── the plan ─────────────────────────────


@dataclass(frozen=True)
class Tier:
    """From ``from_pct`` % attainment on, pay ``rate_pct`` % of bookings, or ``multiplier`` × the base rate."""

    from_pct: float
    rate_pct: float | None = None
    multiplier: float | None = None

    def rate(self, base_pct: float) -> float:
        """The tier's rate in percent."""
        return self.rate_pct if self.rate_pct is not None else (self.multiplier or 0.0) * base_pct


@dataclass(frozen=True)
class Accelerator:
    """From ``from_pct`` % attainment on (≥ 100), tier rates are multiplied by ``multiplier`` (≥ 1)."""

    from_pct: float
    multiplier: float


@dataclass(frozen=True)
class Bonus:
    """A one-off amount when bookings over ``period`` reach ``attainment_pct`` % of that period's quota:
    ``amount`` (money) or ``base_months`` × base_monthly."""

    period: str
    attainment_pct: float = 100.0
    amount: float | None = None
    base_months: float | None = None
    name_en: str = "Target bonus"
    name_zh: str = "达标奖金"


@dataclass(frozen=True)
class Cap:
    """Upper limit per measurement period: ``amount`` (money), ``target_incentive_multiple`` × the
    commission at exactly 100 % attainment, or ``base_months`` × base_monthly."""

    amount: float | None = None
    target_incentive_multiple: float | None = None
    base_months: float | None = None
    applies_to: str = "commission"  # 'commission' | 'commission_and_bonus'


@dataclass(frozen=True)
class Plan:
    """A parsed, validated commission plan (see docs/commission_plans.md for each field)."""

    id: str
    name_en: str
    name_zh: str
    measurement_period: str
    base_rate_pct: float
    description_en: str = ""
    description_zh: str = ""
    ka_uplift_pp: float = 0.0
    tier_mode: str = "retroactive"
    tiers: tuple[Tier, ...] = ()
    accelerator_mode: str = "marginal"
    accelerators: tuple[Accelerator, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    cap: Cap | None = None
    pay_on: str = "bookings"  # 'bookings' | 'collections'
    cutoff_days: int | None = None
    cutoff_date: dt.date | None = None
    source: str = field(default="<dict>", compare=False)

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def rate_schedule(self) -> list[tuple[float, float]]:
        """[(attainment threshold, rate)] as fractions, ascending, starting at 0."""
        steps = [(t.from_pct / 100, t.rate(self.base_rate_pct) / 100) for t in self.tiers]
        return steps if steps and steps[0][0] == 0 else [(0.0, self.base_rate_pct / 100), *steps]

    def multiplier_schedule(self) -> list[tuple[float, float]]:
        """[(attainment threshold, multiplier)], ascending, starting with (0, 1)."""
        return [(0.0, 1.0), *((a.from_pct / 100, a.multiplier) for a in self.accelerators)]

    @property
    def lowest_rate(self) -> float:
        """The rate (fraction) at 0 % attainment, paid to reps without quota."""
        return self.rate_schedule()[0][1]


# ───────────────────────────── reading and validating ─────────────────────────────


def _parse_rates(d: Mapping[str, Any], r: _Reader) -> tuple[float, float]:
    rates = r.table(d, "rates", "", required=True) or {}
    r.keys(rates, ("base_pct", "ka_uplift_pp"), "rates")
    pct = " (rates are percentages: 1.5 means 1.5 %)"
    return (r.number(rates, "base_pct", "rates", low=0, high=100, hint=pct),
            r.number(rates, "ka_uplift_pp", "rates", default=0.0, low=0, high=100, hint=pct))


def _parse_tiers(d: Mapping[str, Any], r: _Reader, base_pct: float) -> tuple[str, tuple[Tier, ...]]:
    table = r.table(d, "tiers", "")
    if table is None:
        return "retroactive", ()
    r.keys(table, ("mode", "levels"), "tiers")
    mode = r.choice(table, "mode", "tiers", ("retroactive", "marginal"))
    tiers: list[Tier] = []
    for i, level in enumerate(r.tables(table, "levels", "tiers", required=True)):
        path = f"tiers.levels[{i}]"
        r.keys(level, ("from_pct", "rate_pct", "multiplier"), path)
        tier = Tier(r.number(level, "from_pct", path, low=0),
                    r.optional_number(level, "rate_pct", path, low=0, high=100, hint=" (a percentage of bookings)"),
                    r.optional_number(level, "multiplier", path, low=0, hint=" (× rates.base_pct)"))
        rate_key = r.one_of(level, ("rate_pct", "multiplier"), path)
        below = tiers[-1] if tiers else (Tier(0.0, base_pct) if tier.from_pct > 0 else None)
        if below is not None and tier.from_pct <= below.from_pct and tiers:
            r.fail(f"{path}.from_pct", f"is {tier.from_pct:g}, not above the previous tier's {below.from_pct:g}; "
                   "expected tiers in increasing order of from_pct.")
        if tier.rate(base_pct) > 100:
            r.fail(f"{path}.{rate_key}", f"gives a rate of {tier.rate(base_pct):g} %; expected at most 100 %.")
        if below is not None and tier.rate(base_pct) < below.rate(base_pct):
            r.fail(f"{path}.{rate_key}", f"gives {tier.rate(base_pct):g} %, below the {below.rate(base_pct):g} % "
                   "under it; expected rates that never fall as attainment rises (selling more must not earn less).")
        tiers.append(tier)
    return mode, tuple(tiers)


def _parse_accelerators(d: Mapping[str, Any], r: _Reader) -> tuple[str, tuple[Accelerator, ...]]:
    table = r.table(d, "accelerators", "")
    if table is None:
        return "marginal", ()
    r.keys(table, ("mode", "levels"), "accelerators")
    mode = r.choice(table, "mode", "accelerators", ("marginal", "retroactive"))
    out: list[Accelerator] = []
    for i, level in enumerate(r.tables(table, "levels", "accelerators", required=True)):
        path = f"accelerators.levels[{i}]"
        r.keys(level, ("from_pct", "multiplier"), path)
        acc = Accelerator(r.number(level, "from_pct", path, low=100, hint=" (accelerators start at or above target)"),
                          r.number(level, "multiplier", path, low=1, high=100))
        if out and acc.from_pct <= out[-1].from_pct:
            r.fail(f"{path}.from_pct", f"is {acc.from_pct:g}, not above the previous level's {out[-1].from_pct:g}; "
                   "expected levels in increasing order of from_pct.")
        if out and acc.multiplier < out[-1].multiplier:
            r.fail(f"{path}.multiplier", f"is {acc.multiplier:g}, below the previous level's {out[-1].multiplier:g}; "
                   "expected multipliers that never fall as attainment rises.")
        out.append(acc)
    return mode, tuple(out)


def _parse_bonuses(d: Mapping[str, Any], r: _Reader) -> tuple[Bonus, ...]:
    out: list[Bonus] = []
    for i, b in enumerate(r.tables(d, "bonuses", "")):
        path = f"bonuses[{i}]"
        r.keys(b, ("name_en", "name_zh", "period", "attainment_pct", "amount", "base_months"), path)
        r.one_of(b, ("amount", "base_months"), path)
        out.append(Bonus(
            period=r.choice(b, "period", path, PERIODS),
            attainment_pct=r.number(b, "attainment_pct", path, default=100.0, low=0, hint=" (% of the quota)"),
            amount=r.optional_number(b, "amount", path, low=0, hint=" (money)"),
            base_months=r.optional_number(b, "base_months", path, low=0, hint=" (× base_monthly)"),
            name_en=r.text(b, "name_en", path, default="Target bonus"),
            name_zh=r.text(b, "name_zh", path, default="达标奖金"),
        ))
    return tuple(out)


def _parse_cap(d: Mapping[str, Any], r: _Reader) -> Cap | None:
    table = r.table(d, "cap", "")
    if table is None:
        return None
    r.keys(table, ("amount", "target_incentive_multiple", "base_months", "applies_to"), "cap")
    r.one_of(table, ("amount", "target_incentive_multiple", "base_months"), "cap")
    return Cap(
        amount=r.optional_number(table, "amount", "cap", low=0, hint=" (money per measurement period)"),
        target_incentive_multiple=r.optional_number(table, "target_incentive_multiple", "cap", low=0),
        base_months=r.optional_number(table, "base_months", "cap", low=0),
        applies_to=r.choice(table, "applies_to", "cap", ("commission", "commission_and_bonus"), "commission"),
    )


def _parse_payment(d: Mapping[str, Any], r: _Reader) -> tuple[str, int | None, dt.date | None]:
    table = r.table(d, "payment", "") or {}
    r.keys(table, ("basis", "cutoff_days", "cutoff_date"), "payment")
    basis = r.choice(table, "basis", "payment", ("bookings", "collections"), "bookings")
    days, date = table.get("cutoff_days"), table.get("cutoff_date")
    if (days is not None or date is not None) and basis != "collections":
        r.fail("payment.cutoff_days" if days is not None else "payment.cutoff_date",
               "is set but payment.basis is 'bookings'; expected a cutoff only with basis = 'collections'.")
    if days is not None and date is not None:
        r.fail("payment.cutoff_date", "is set together with payment.cutoff_days; expected at most one cutoff.")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        r.fail("payment.cutoff_days", f"is {_show(days)}; expected a whole number of days ≥ 0 after the period end.")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            r.fail("payment.cutoff_date", f"is {_show(date)}; expected a date such as 2025-12-31.")
    if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
        r.fail("payment.cutoff_date", f"is {_show(date)}; expected a date such as 2025-12-31.")
    return basis, days, date


def _parse(d: Mapping[str, Any], r: _Reader, file_id: str | None) -> Plan:
    """Validate a plan mapping (as read from TOML) and build the Plan."""
    if not isinstance(d, Mapping):
        r.fail(None, f"is {_show(d)}; expected a table of plan keys.")
    r.keys(d, _TOP_KEYS, "")
    plan_id = file_id if file_id is not None else d.get("id", "custom")
    if "id" in d and d["id"] != plan_id:
        r.fail("id", f"is {_show(d['id'])}; expected {plan_id!r}, the file name (or leave id out).")
    if not isinstance(plan_id, str) or not _ID_RE.fullmatch(plan_id):
        r.fail("id", f"is {_show(plan_id)}; expected lowercase letters, digits, _ and - (e.g. 'standard_2024').")
    names = {k: r.text(d, k, "") for k in ("name_en", "name_zh")}
    period = r.choice(d, "measurement_period", "", PERIODS)
    base_pct, uplift = _parse_rates(d, r)
    tier_mode, tiers = _parse_tiers(d, r, base_pct)
    acc_mode, accelerators = _parse_accelerators(d, r)
    bonuses, cap = _parse_bonuses(d, r), _parse_cap(d, r)
    pay_on, cutoff_days, cutoff_date = _parse_payment(d, r)
    return Plan(
        id=plan_id, **names, measurement_period=period, base_rate_pct=base_pct,
        description_en=r.text(d, "description_en", "", default=""),
        description_zh=r.text(d, "description_zh", "", default=""),
        ka_uplift_pp=uplift, tier_mode=tier_mode, tiers=tiers, accelerator_mode=acc_mode, accelerators=accelerators,
        bonuses=bonuses, cap=cap, pay_on=pay_on, cutoff_days=cutoff_days, cutoff_date=cutoff_date, source=r.source,
    )


def _read_file(path: Path) -> Plan:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanError(source, None, "is not UTF-8 text; expected a TOML plan file saved as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(source, text, err) from None
    return _parse(data, _Reader(source, text), file_id=path.stem)


def _plan_path(plan_id_or_path: str | Path, plans_dir: Path) -> Path:
    text = str(plan_id_or_path)
    if isinstance(plan_id_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(plan_id_or_path)
    if not _ID_RE.fullmatch(text):
        raise PlanError(str(plans_dir), None, f"{text!r} is not a plan id; expected lowercase letters, digits, "
                        "_ and - (the file name under data/plans without .toml).")
    return plans_dir / f"{text}.toml"


def load_plan(plan_id_or_path: str | Path, plans_dir: Path = PLANS_DIR, *, fallback: str | None = None) -> Plan:
    """Read and validate one plan: an id (file stem under ``plans_dir``) or a path to a .toml file.

    A missing plan raises PlanError, unless ``fallback`` (e.g. ``DEFAULT_PLAN_ID``) is given: then that
    plan is returned instead, and the caller can tell by ``plan.id`` differing from what was asked.
    """
    if fallback is not None and not str(plan_id_or_path).strip():
        return load_plan(fallback, plans_dir)
    try:
        path = _plan_path(plan_id_or_path, plans_dir)
    except PlanError:
        if fallback is None:
            raise
        return load_plan(fallback, plans_dir)
    if path.is_file():
        return _read_file(path)
    if fallback is not None:
        return load_plan(fallback, plans_dir)
    known = sorted(p.stem for p in plans_dir.glob("*.toml"))
    close = difflib.get_close_matches(path.stem, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise PlanError(str(path), None, f"no such plan file.{hint} Expected one of: {', '.join(known) or '(none)'}.")


def list_plans(plans_dir: Path = PLANS_DIR) -> list[Plan]:
    """Every plan under ``plans_dir``, by id; a broken file raises PlanError (never skipped silently)."""
    return [_read_file(p) for p in sorted(plans_dir.glob("*.toml"))]


def plan_from_dict(d: dict, source: str = "<dict>") -> Plan:
    """Validate a plan given as a mapping with the TOML file's shape (e.g. edited in the what-if
    simulator); ``id`` defaults to 'custom'. Errors name ``source`` and the dotted key."""
    return _parse(d, _Reader(source), file_id=None)


def plan_to_dict(plan: Plan) -> dict:
    """The plan in the TOML file's shape; ``plan_from_dict(plan_to_dict(p)) == p``."""
    d: dict[str, Any] = {"id": plan.id, "name_en": plan.name_en, "name_zh": plan.name_zh}
    d |= {k: v for k, v in (("description_en", plan.description_en), ("description_zh", plan.description_zh)) if v}
    d["measurement_period"] = plan.measurement_period
    d["rates"] = {"base_pct": plan.base_rate_pct, "ka_uplift_pp": plan.ka_uplift_pp}
    if plan.tiers:
        d["tiers"] = {"mode": plan.tier_mode, "levels": [_drop_none({
            "from_pct": t.from_pct, "rate_pct": t.rate_pct, "multiplier": t.multiplier}) for t in plan.tiers]}
    if plan.accelerators:
        d["accelerators"] = {"mode": plan.accelerator_mode, "levels": [
            {"from_pct": a.from_pct, "multiplier": a.multiplier} for a in plan.accelerators]}
    if plan.bonuses:
        d["bonuses"] = [_drop_none({"name_en": b.name_en, "name_zh": b.name_zh, "period": b.period,
                                    "attainment_pct": b.attainment_pct, "amount": b.amount,
                                    "base_months": b.base_months}) for b in plan.bonuses]
    if plan.cap:
        c = plan.cap
        d["cap"] = _drop_none({"amount": c.amount, "target_incentive_multiple": c.target_incentive_multiple,
                               "base_months": c.base_months, "applies_to": c.applies_to})
    d["payment"] = _drop_none({"basis": plan.pay_on, "cutoff_days": plan.cutoff_days, "cutoff_date": plan.cutoff_date})
    return d


def plan_to_toml(plan: Plan) -> str:
    """The plan as the text of a plan file (e.g. to save an edited what-if plan)."""
    return tomli_w.dumps(plan_to_dict(plan))


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
