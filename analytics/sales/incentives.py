"""Commission plans as data, and the payout engine (METRICS.md, "Commission").

A plan is a TOML file under ``data/plans/`` (plan id = file stem). The schema, with an example of
every feature, is in ``docs/commission_plans.md``; :func:`load_plan` validates a file and raises
:class:`PlanError` naming the file, the key (dotted path), the line and what was expected.

Units. Money is in the company currency (CNY in the demo) and results are rounded to 0.01 (fen).
In plan files ``*_pct`` keys are percentages (1.5 = 1.5 %) and ``ka_uplift_pp`` is percentage
points; in result frames ``rate``, ``attainment`` and ``cost_of_sales`` are fractions (0.015, 1.10).

The engine, for one rep and one measurement period (month, quarter or fiscal year):

1. bookings B = Σ order amounts (returns and credit notes are negative), KA bookings, quota Q =
   Σ the rep's monthly quota rows; credited C = B, or for pay-on-collection plans the cash collected
   on those orders (by the cutoff, each order counted up to its amount; credit notes in full).
2. attainment a = B ÷ Q; null when Q ≤ 0 (no quota): paid at the lowest rate and flagged.
3. schedule commission f(B): tier rates (retroactive: the rate reached applies to all of B;
   marginal: each slice of attainment at its own rate) times accelerator multipliers (retroactive,
   or marginal = only on the slice above the threshold). rate = f(B) ÷ B, the blended rate.
4. commission = max(0, rate × C + KA uplift × KA credited), before bonus and cap.
5. bonus = the bonuses whose target period ends in this measurement period and whose target is met
   (evaluated only when the whole target period lies inside the requested range).
6. cap: payout = min(commission, cap) + bonus, or min(commission + bonus, cap).

Everything is vectorised with polars: orders are first reduced to a rep × month panel
(:func:`rep_month_panel`), on which every plan and what-if runs.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import polars as pl
import tomli_w

from analytics.core.settings import PROJECT_ROOT
from analytics.sales.quota import ATTAINMENT_BANDS

PLANS_DIR = PROJECT_ROOT / "data" / "plans"
DEFAULT_PLAN_ID = "standard_2024"
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
NO_QUOTA = "no quota"
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_VALUES = ["bookings", "ka_bookings", "credited", "ka_credited"]
_PERIOD_KEYS = ["employee_id", "period_start", "period_end", "period_label"]
PAYOUT_COLUMNS = [
    "employee_id", "period_label", "period_start", "period_end", "partial", "bookings", "ka_bookings",
    "credited", "ka_credited", "quota", "attainment", "no_quota", "tier", "rate", "commission", "bonus",
    "cap_amount", "capped", "payout", "cost_of_sales",
]


class PlanError(ValueError):
    """A plan that cannot be used. The message names the source (file), the key as a dotted path
    (``tiers.levels[1].from_pct``), the line when known, and what was expected."""

    def __init__(self, source: str, key: str | None, problem: str, line: int | None = None) -> None:
        self.source, self.key, self.problem, self.line = source, key, problem, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: '{key}' {problem}" if key else f"{where}: {problem}")


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

_TOP_KEYS = ("id", "name_en", "name_zh", "description_en", "description_zh", "measurement_period", "rates",
             "tiers", "accelerators", "bonuses", "cap", "payment")
_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_HEADER_RE = re.compile(rf"\s*(\[\[?)\s*({_KEY})\s*\]")
_KEYVAL_RE = re.compile(rf"\s*({_KEY})\s*=")
_PUNCT = frozenset("[]{},=")
_TOKEN_RE = re.compile(rf"{_QUOTED}|#.*|[\[\]{{}},=]|[^\s\[\]{{}},=#\"']+")


def _key_parts(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(rf"{_BARE}|{_QUOTED}", key)]


class _Scanner:
    """Best-effort map from dotted key paths to line numbers in a TOML text (headers, ``key =``
    lines, arrays of tables and inline tables inside arrays), for error messages."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        self.context: list[str] = []  # per line: the key defined on it, or the table it is in
        self._prefix = ""
        self._counters: dict[str, int] = {}
        self._stack: list[list[Any]] = []  # open [kind, path, element index] of a multi-line value
        self._pending = ""
        for no, raw in enumerate(text.splitlines(), 1):
            self.context.append(self._line(no, raw) or (self._stack[-1][1] if self._stack else self._prefix))

    def _record(self, path: str, no: int) -> str:
        self.lines.setdefault(path, no)
        return path

    def _resolve(self, parts: list[str]) -> str:
        path = ""
        for part in parts:
            path = f"{path}.{part}" if path else part
            if path in self._counters:
                path = f"{path}[{self._counters[path]}]"
        return path

    def _line(self, no: int, raw: str) -> str:
        if self._stack:
            return self._tokens(no, raw)
        if m := _HEADER_RE.match(raw):
            parts = _key_parts(m.group(2))
            parent = self._resolve(parts[:-1])
            path = f"{parent}.{parts[-1]}" if parent else parts[-1]
            if m.group(1) == "[[":
                self._counters[path] = self._counters.get(path, -1) + 1
                path = f"{path}[{self._counters[path]}]"
            self._prefix = path
            return self._record(path, no)
        if m := _KEYVAL_RE.match(raw):
            key = ".".join(_key_parts(m.group(1)))
            path = self._pending = self._record(f"{self._prefix}.{key}" if self._prefix else key, no)
            self._tokens(no, raw[m.end():])
            return path
        return ""

    def _tokens(self, no: int, text: str) -> str:
        first = ""
        toks = [t for t in _TOKEN_RE.findall(text) if not t.startswith("#")]
        for i, tok in enumerate(toks):
            top = self._stack[-1] if self._stack else None
            if top and top[0] == "table" and tok not in _PUNCT and i + 1 < len(toks) and toks[i + 1] == "=":
                self._pending = self._record(f"{top[1]}.{'.'.join(_key_parts(tok))}", no)
                first = first or self._pending
            elif tok in ("[", "{"):
                path = self._element(top, no) if top and top[0] == "array" else self._pending
                self._stack.append(["array" if tok == "[" else "table", path, -1])
            elif tok in ("]", "}"):
                if self._stack:
                    self._stack.pop()
            elif tok not in (",", "=") and top and top[0] == "array":
                first = first or self._element(top, no)
        return first

    def _element(self, top: list[Any], no: int) -> str:
        top[2] += 1
        return self._record(f"{top[1]}[{top[2]}]", no)

    def line_of(self, path: str) -> int | None:
        """Line of ``path``, or of its nearest enclosing key or table that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.[^.\[\]]+|^[^.\[\]]+)$", "", path)
        return None


class _Reader:
    """Typed access to a plan mapping; every problem raises PlanError with the key's dotted path."""

    def __init__(self, source: str, text: str | None = None) -> None:
        self.source = source
        self.scanner = _Scanner(text) if text is not None else None

    def fail(self, key: str | None, problem: str) -> NoReturn:
        line = self.scanner.line_of(key) if self.scanner and key else None
        raise PlanError(self.source, key, problem, line)

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(_join(path, key), f"is not a plan key{hint}; expected one of: {', '.join(allowed)}.")

    def table(self, d: Mapping[str, Any], key: str, path: str, required: bool = False) -> dict[str, Any] | None:
        value = d.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "is missing; expected a table.")
            return None
        if not isinstance(value, Mapping):
            self.fail(_join(path, key), f"is {_show(value)}; expected a table ([{_join(path, key)}]).")
        return dict(value)

    def tables(self, d: Mapping[str, Any], key: str, path: str, required: bool = False) -> list[dict[str, Any]]:
        value = d.get(key)
        name = _join(path, key)
        if value is None or value == []:
            if required:
                self.fail(name, f"is missing; expected at least one [[{name}]] table.")
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
            self.fail(name, f"is {_show(value)}; expected a list of tables ([[{name}]]).")
        return [dict(v) for v in value]

    def text(self, d: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = d.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(_join(path, key), f"is {_show(value)}; expected a non-empty string.")
        return value

    def choice(self, d: Mapping[str, Any], key: str, path: str, options: tuple[str, ...],
               default: str | None = None) -> str:
        value = d.get(key, default)
        if value not in options:
            self.fail(_join(path, key), f"is {_show(value)}; expected one of: {', '.join(map(repr, options))}.")
        return value

    def number(self, d: Mapping[str, Any], key: str, path: str, *, default: float | None = None,
               low: float | None = None, high: float | None = None, hint: str = "") -> float:
        value = d.get(key, default)
        name = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(name, f"is {_show(value)}; expected a number{hint}.")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low:g} to {high:g}" if low is not None and high is not None else (
                f"≥ {low:g}" if low is not None else f"≤ {high:g}")
            self.fail(name, f"is {value:g}; expected a number {bounds}{hint}.")
        return float(value)

    def optional_number(self, d: Mapping[str, Any], key: str, path: str, **kw: Any) -> float | None:
        return None if d.get(key) is None else self.number(d, key, path, **kw)

    def one_of(self, d: Mapping[str, Any], keys: tuple[str, ...], path: str) -> str:
        given = [k for k in keys if d.get(k) is not None]
        if not given:
            self.fail(path or None, f"has none of {', '.join(keys)}; expected exactly one of them.")
        if len(given) > 1:
            self.fail(_join(path, given[-1]), f"is given together with {', '.join(given[:-1])}; "
                      f"expected exactly one of {', '.join(keys)}.")
        return given[0]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if value is None:
        return "missing"
    return f"{value!r} (a {type(value).__name__})"


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


def _toml_error(source: str, text: str, err: tomllib.TOMLDecodeError) -> PlanError:
    """A PlanError for a TOML syntax error: line from the error, key from the text of that line."""
    msg = str(err)
    line = getattr(err, "lineno", None)
    col = getattr(err, "colno", None)
    if line is None and (m := re.search(r"\(at line (\d+), column (\d+)\)", msg)):
        line, col = int(m.group(1)), int(m.group(2))
    msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    key = None
    if line:
        context = _Scanner("\n".join(text.splitlines()[:line])).context
        key = context[line - 1] if len(context) >= line else None
    where = f" (column {col})" if col else ""
    return PlanError(source, key, f"is not valid TOML{where}: {msg}; expected `key = value` lines with a number, "
                     "a quoted string, true/false or a date as value.", line)


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


# ───────────────────────────── periods and panels ─────────────────────────────


def _period_columns(grain: str, fy_start: int, month: str = "month", prefix: str = "period") -> list[pl.Expr]:
    """``{prefix}_start``, ``_end`` and ``_label`` of the fiscal ``grain`` period containing ``month``
    (labels as in analytics/core/periods.py: 2025-07, 2025-Q3, FY2025)."""
    m = pl.col(month)
    k = m.dt.year().cast(pl.Int32) * 12 + m.dt.month().cast(pl.Int32) - fy_start  # months into fiscal time
    size = _PERIOD_MONTHS[grain]
    first = k - k % size + (fy_start - 1)
    start = pl.date(first // 12, first % 12 + 1, 1)
    fy = k // 12 + (0 if fy_start == 1 else 1)
    label = {"month": m.dt.strftime("%Y-%m"), "quarter": pl.format("{}-Q{}", fy, k % 12 // 3 + 1),
             "year": pl.format("FY{}", fy)}[grain]
    end = start.dt.offset_by(f"{size - 1}mo").dt.month_end()
    return [start.alias(f"{prefix}_start"), end.alias(f"{prefix}_end"), label.alias(f"{prefix}_label")]


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def order_lines(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.LazyFrame:
    """Orders dated in [period_start, period_end] with a rep, their ``month`` and ``credited`` (money the
    plan pays on: the amount, or cash collected on the order by the plan's cutoff, at most the amount;
    a credit note (negative amount) is credited in full)."""
    lines = (
        _lazy(orders)
        .select(pl.col("order_id").cast(pl.Int64), pl.col("employee_id").cast(pl.Int64), pl.col("order_date"),
                pl.col("amount").cast(pl.Float64), pl.col("is_ka").cast(pl.Boolean).fill_null(False))
        .filter(pl.col("employee_id").is_not_null(), pl.col("order_date").is_between(period_start, period_end))
        .with_columns(month=pl.col("order_date").dt.truncate("1mo"))
    )
    if plan.pay_on == "bookings":
        return lines.with_columns(credited=pl.col("amount"))
    if collections is None:
        raise ValueError(f"Plan {plan.id!r} pays on collected cash: pass `collections` "
                         "(order_id, collected_date, amount).")
    cash = _lazy(collections).select(pl.col("order_id").cast(pl.Int64), "collected_date",
                                     pl.col("amount").cast(pl.Float64).alias("cash"))
    if plan.cutoff_date is not None:
        cash = cash.filter(pl.col("collected_date") <= plan.cutoff_date)
    elif plan.cutoff_days is not None:  # cutoff per month (a dozen rows), then per order
        cutoffs = lines.select(pl.col("month").unique()).with_columns(
            _period_columns(plan.measurement_period, fy_start, prefix="m")).select(
            "month", cutoff=pl.col("m_end") + pl.duration(days=plan.cutoff_days))
        due = lines.select("order_id", "month").join(cutoffs, on="month").drop("month")
        cash = cash.join(due, on="order_id").filter(pl.col("collected_date") <= pl.col("cutoff"))
    collected = cash.group_by("order_id").agg(collected=pl.col("cash").sum())
    amount = pl.col("amount")
    return lines.join(collected, on="order_id", how="left").with_columns(
        credited=pl.when(amount > 0).then(pl.col("collected").fill_null(0).clip(0, amount)).otherwise(amount)
    ).drop("collected")


def _panel(lines: pl.LazyFrame, credited_is_bookings: bool = False) -> pl.LazyFrame:
    """Sum order lines to rep × month (the KA part as its own column, which groups faster than a filter)."""
    ka = pl.col("is_ka")
    cols = {"bookings": pl.col("amount"), "ka_bookings": pl.when(ka).then(pl.col("amount")).otherwise(0.0)}
    if not credited_is_bookings:
        cols |= {"credited": pl.col("credited"), "ka_credited": pl.when(ka).then(pl.col("credited")).otherwise(0.0)}
    out = lines.select("employee_id", "month", **cols).group_by("employee_id", "month").agg(pl.all().sum())
    return out.with_columns(credited="bookings", ka_credited="ka_bookings") if credited_is_bookings else out


def rep_month_panel(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                    collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.DataFrame:
    """Rep × month: bookings, ka_bookings, credited, ka_credited (money). Every payout runs on this
    panel; it depends on the plan only through its payment basis and cutoff."""
    lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
    return _panel(lines, plan.pay_on == "bookings").collect()


def _credit_key(plan: Plan) -> tuple[Any, ...]:
    """Plans with equal keys credit the same cash, so they can share one panel."""
    if plan.pay_on == "bookings":
        return ("bookings",)
    return plan.pay_on, plan.cutoff_date, plan.cutoff_days, plan.measurement_period if plan.cutoff_days else None


def _rep_months(panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
                period_start: dt.date, period_end: dt.date) -> pl.LazyFrame:
    """Panel rows joined with the quota of every rep × month in range (missing values 0)."""
    q = (
        _lazy(quotas)
        .select(pl.col("employee_id").cast(pl.Int64), pl.col("month").dt.truncate("1mo"),
                pl.col("amount").cast(pl.Float64).alias("quota"))
        .filter(pl.col("month").is_between(period_start.replace(day=1), period_end))
        .group_by("employee_id", "month").agg(pl.col("quota").sum())
    )
    p = (_lazy(panel).select(pl.col("employee_id").cast(pl.Int64), pl.col("month"),
                             *(pl.col(c).cast(pl.Float64) for c in _VALUES))
         .filter(pl.col("month").is_between(period_start.replace(day=1), period_end)))
    return p.join(q, on=["employee_id", "month"], how="full", coalesce=True).with_columns(
        pl.col([*_VALUES, "quota"]).fill_null(0.0))


def _base(base_salary: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return (_lazy(base_salary).select(pl.col("employee_id").cast(pl.Int64), pl.col("base_monthly").cast(pl.Float64))
            .group_by("employee_id").agg(pl.col("base_monthly").last()))


# ───────────────────────────── the engine ─────────────────────────────


def _step(levels: list[tuple[float, float]], x: pl.Expr) -> pl.Expr:
    """Value of the step schedule [(threshold, value)] at x; below the first step or null → first value."""
    expr = pl.lit(levels[0][1])
    for threshold, value in levels[1:]:
        expr = pl.when(x >= threshold).then(pl.lit(value)).otherwise(expr)
    return expr


def _at(levels: list[tuple[float, float]], x: float) -> float:
    return [v for t, v in levels if t <= x][-1]


def _schedule_commission(plan: Plan, b: pl.Expr, q: pl.Expr, a: pl.Expr) -> pl.Expr:
    """f(B): money earned on bookings ``b`` at quota ``q`` (attainment ``a``) from tiers and
    accelerators, without KA uplift. Returns (B < 0) earn the lowest rate; no quota → lowest rate."""
    rates, mults = plan.rate_schedule(), plan.multiplier_schedule()
    marginal_rates = plan.tier_mode == "marginal" and len(rates) > 1
    marginal_mults = plan.accelerator_mode == "marginal" and len(mults) > 1
    if not (marginal_rates or marginal_mults):
        with_quota = _step(rates, a) * _step(mults, a) * b
    else:
        cuts = sorted({0.0} | {t for t, _ in rates if marginal_rates} | {t for t, _ in mults if marginal_mults})
        with_quota = pl.min_horizontal(b, 0.0) * rates[0][1]
        for lo, hi in zip(cuts, [*cuts[1:], None], strict=True):
            upper = b if hi is None else pl.min_horizontal(b, q * hi)
            rate = pl.lit(_at(rates, lo)) if marginal_rates else _step(rates, a)
            mult = pl.lit(_at(mults, lo)) if marginal_mults else _step(mults, a)
            with_quota = with_quota + (upper - q * lo).clip(lower_bound=0) * rate * mult
    return pl.when(q > 0).then(with_quota).otherwise(b * plan.lowest_rate)


def _tier_label(plan: Plan, a: pl.Expr) -> pl.Expr:
    """'≥100%' for the highest tier or accelerator threshold reached, '<50%' below all, 'flat', 'no quota'."""
    thresholds = sorted({t.from_pct for t in plan.tiers if t.from_pct > 0} | {x.from_pct for x in plan.accelerators})
    label = pl.lit(f"<{thresholds[0]:g}%" if thresholds else "flat")
    for t in thresholds:
        label = pl.when(a >= t / 100).then(pl.lit(f"≥{t:g}%")).otherwise(label)
    return pl.when(a.is_null()).then(pl.lit(NO_QUOTA)).otherwise(label)


def _cap_amount(plan: Plan) -> pl.Expr:
    """Cap per measurement period (money), null where none applies (no quota for a target-incentive
    cap, no base salary for a base-months cap)."""
    cap, q = plan.cap, pl.col("quota")
    if cap is None:
        return pl.lit(None, pl.Float64)
    if cap.amount is not None:
        return pl.lit(cap.amount)
    if cap.target_incentive_multiple is not None:
        target_incentive = _schedule_commission(plan, q, q, pl.lit(1.0))  # commission at exactly 100 %
        return pl.when(q > 0).then(target_incentive * cap.target_incentive_multiple).round(2)
    return (pl.col("base_monthly") * (cap.base_months or 0.0)).round(2)


def _bonus_detail(plan: Plan, rm: pl.LazyFrame, base: pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                  fy_start: int) -> pl.LazyFrame:
    """One row per rep, bonus and bonus period inside the range: bookings, quota, met, bonus (money),
    placed in the measurement period that contains the bonus period's last month."""
    frames = []
    for i, bonus in enumerate(plan.bonuses):
        money = pl.lit(bonus.amount) if bonus.amount is not None else (
            pl.col("base_monthly").fill_null(0.0) * (bonus.base_months or 0.0))
        q = pl.col("quota")
        frames.append(
            rm.with_columns(_period_columns(bonus.period, fy_start, prefix="bonus_period"))
            .group_by("employee_id", "bonus_period_start", "bonus_period_end", "bonus_period_label")
            .agg(pl.col("bookings").sum(), pl.col("quota").sum())
            .filter(pl.col("bonus_period_start") >= period_start, pl.col("bonus_period_end") <= period_end)
            .join(base, on="employee_id", how="left")
            .with_columns(met=(q > 0) & (pl.col("bookings") / q >= bonus.attainment_pct / 100),
                          last_month=pl.col("bonus_period_end").dt.truncate("1mo"))
            .with_columns(*_period_columns(plan.measurement_period, fy_start, month="last_month"),
                          bonus=pl.when(pl.col("met")).then(money).otherwise(0.0).round(2))
            .select(*_PERIOD_KEYS, "bonus_period_label", pl.lit(i).alias("bonus_index"),
                    pl.lit(bonus.name_en).alias("name_en"), pl.lit(bonus.name_zh).alias("name_zh"),
                    "bookings", "quota", "met", "bonus")
        )
    return pl.concat(frames) if frames else pl.LazyFrame(schema={
        "employee_id": pl.Int64, "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String,
        "bonus_period_label": pl.String, "bonus_index": pl.Int32, "name_en": pl.String, "name_zh": pl.String,
        "bookings": pl.Float64, "quota": pl.Float64, "met": pl.Boolean, "bonus": pl.Float64})


def _payouts_lazy(plan: Plan, panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
                  base_salary: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                  fy_start: int = 1) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(payout rows, bonus detail) as LazyFrames; see :func:`payouts`."""
    rm = _rep_months(panel, quotas, period_start, period_end)
    base = _base(base_salary)
    per = (rm.with_columns(_period_columns(plan.measurement_period, fy_start))
           .group_by(_PERIOD_KEYS).agg(pl.col([*_VALUES, "quota"]).sum()))
    detail = _bonus_detail(plan, rm, base, period_start, period_end, fy_start)
    if plan.bonuses:
        paid = detail.filter(pl.col("met")).group_by(_PERIOD_KEYS).agg(pl.col("bonus").sum())
        per = per.join(paid, on=_PERIOD_KEYS, how="full",
                       coalesce=True).with_columns(pl.col([*_VALUES, "quota", "bonus"]).fill_null(0.0))
    else:
        per = per.with_columns(bonus=pl.lit(0.0))
    b, q, a = pl.col("bookings"), pl.col("quota"), pl.col("attainment")
    rate = pl.when(b > 0).then(_schedule_commission(plan, b, q, a) / b).otherwise(plan.lowest_rate)
    raw = pl.col("rate") * pl.col("credited") + plan.ka_uplift_pp / 100 * pl.col("ka_credited")
    limited = pl.col("commission") + (pl.col("bonus") if plan.cap and plan.cap.applies_to != "commission" else 0.0)
    capped = pl.col("cap_amount").is_not_null() & (limited > pl.col("cap_amount"))
    out = (
        per.join(base, on="employee_id", how="left")
        .with_columns(attainment=pl.when(q > 0).then(b / q), no_quota=q <= 0,
                      partial=(pl.col("period_start") < period_start) | (pl.col("period_end") > period_end))
        .with_columns(rate=rate, tier=_tier_label(plan, a), cap_amount=_cap_amount(plan))
        .with_columns(commission=raw.clip(lower_bound=0).round(2))
        .with_columns(capped=capped)
        .with_columns(payout=(pl.when(pl.col("capped")).then(pl.col("cap_amount")).otherwise(limited)
                              + (pl.col("bonus") if not plan.cap or plan.cap.applies_to == "commission" else 0.0)
                              ).round(2))
        .with_columns(cost_of_sales=pl.when(b > 0).then(pl.col("payout") / b))
        .select(PAYOUT_COLUMNS)
        .sort("employee_id", "period_start")
    )
    return out, detail


def payouts(plan: Plan, orders: pl.DataFrame, quotas: pl.DataFrame, base_salary: pl.DataFrame,
            period_start: dt.date, period_end: dt.date, collections: pl.DataFrame | None = None,
            *, fy_start: int = 1) -> pl.DataFrame:
    """Commission per rep and measurement period overlapping [period_start, period_end].

    orders: order_id, employee_id, order_date, amount, is_ka; quotas: employee_id, month, amount;
    base_salary: employee_id, base_monthly (the base in force for the period); collections:
    order_id, collected_date, amount (required when the plan pays on collections).

    Columns (``PAYOUT_COLUMNS``): period_start/period_end/period_label of the fiscal measurement
    period (``partial`` when it reaches outside the range: only the months inside count, quota
    included); bookings, ka_bookings, credited, ka_credited, quota (money); attainment (fraction, null
    without quota); no_quota (flag: paid at the lowest rate, no tiers, no accelerators); tier (label);
    rate (blended rate on credited before KA uplift, fraction); commission (before bonus and cap),
    bonus, cap_amount, payout (money, 0.01); capped; cost_of_sales = payout ÷ bookings (fraction).
    """
    lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
    panel = _panel(lines, plan.pay_on == "bookings")
    return _payouts_lazy(plan, panel, quotas, base_salary, period_start, period_end, fy_start)[0].collect()


def payouts_from_panel(plan: Plan, panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame,
                       base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
                       *, fy_start: int = 1) -> pl.DataFrame:
    """:func:`payouts` on a rep × month panel from :func:`rep_month_panel` (built once, reused)."""
    return _payouts_lazy(plan, panel, quotas, base_salary, period_start, period_end, fy_start)[0].collect()


# ───────────────────────────── statement ─────────────────────────────


def _cents(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round(0).cast(pl.Int64)


def _statement_lines(plan: Plan, lines: pl.DataFrame, summary: pl.DataFrame, fy_start: int) -> pl.DataFrame:
    """Order lines with the rate applied and the commission on each line in cents; per measurement
    period, line cents add up to the period's commission before the floor at zero (largest remainder)."""
    uplift = plan.ka_uplift_pp / 100
    target = summary.select(
        "period_label", "commission",
        raw=pl.col("rate") * pl.col("credited") + uplift * pl.col("ka_credited"), blended=pl.col("rate"))
    target = target.with_columns(target_c=pl.when(pl.col("commission") > 0).then(_cents(pl.col("commission")))
                                 .otherwise(_cents(pl.col("raw"))))
    exact = pl.col("credited") * pl.col("rate") * 100
    out = (
        lines.with_columns(_period_columns(plan.measurement_period, fy_start))
        .join(target.select("period_label", "blended", "target_c"), on="period_label", how="left")
        .sort("order_date", "order_id")
        .with_columns(rate=pl.col("blended") + pl.when(pl.col("is_ka")).then(uplift).otherwise(0.0))
        .with_columns(floor_c=exact.floor().cast(pl.Int64), frac=exact - exact.floor())
        .with_columns(rank=pl.col("frac").rank("ordinal", descending=True).over("period_label"),
                      short=pl.col("target_c") - pl.col("floor_c").sum().over("period_label"))
        .with_columns(line_c=pl.col("floor_c") + (pl.col("rank") <= pl.col("short")).cast(pl.Int64))
    )
    fix = pl.col("target_c") - pl.col("line_c").sum().over("period_label")  # 0 unless floats misbehaved
    out = out.with_columns(line_c=pl.col("line_c") + pl.when(pl.col("rank") == 1).then(fix).otherwise(0))
    return out.select("period_label", "order_id", "order_date", "amount", "is_ka", "credited", "rate", "line_c")


def _adjustments(plan: Plan, summary: pl.DataFrame, lines_c: pl.DataFrame, bonuses: pl.DataFrame) -> pl.DataFrame:
    """Floor, bonus and cap rows (cents) that take each period from its line total to its payout."""
    per = summary.select("period_label", commission_c=_cents(pl.col("commission")), payout_c=_cents(pl.col("payout")))
    per = per.join(lines_c.group_by("period_label").agg(lines_c=pl.col("line_c").sum()), on="period_label",
                   how="left").join(bonuses.group_by("period_label").agg(bonus_c=_cents(pl.col("bonus")).sum()),
                                    on="period_label", how="left").fill_null(0)
    floor = per.select("period_label", kind=pl.lit("floor"), label_en=pl.lit("Commission not below zero"),
                       label_zh=pl.lit("提成不低于零"), cents=pl.col("commission_c") - pl.col("lines_c"))
    bonus = bonuses.filter(pl.col("met")).select(
        "period_label", kind=pl.lit("bonus"), label_en=pl.format("{} ({})", "name_en", "bonus_period_label"),
        label_zh=pl.format("{}（{}）", "name_zh", "bonus_period_label"), cents=_cents(pl.col("bonus")))
    cap = per.select("period_label", kind=pl.lit("cap"), label_en=pl.lit("Cap"), label_zh=pl.lit("封顶"),
                     cents=pl.col("payout_c") - pl.col("commission_c") - pl.col("bonus_c"))
    return pl.concat([floor, bonus, cap]).filter(pl.col("cents") != 0)


def statement(plan: Plan, employee_id: int, orders: pl.DataFrame, quotas: pl.DataFrame, base_salary: pl.DataFrame,
              period_start: dt.date, period_end: dt.date, collections: pl.DataFrame | None = None,
              *, fy_start: int = 1) -> dict:
    """One rep's commission statement. Keys: plan_id, plan_name_en/zh, employee_id, period_start/end;
    ``summary`` (the :func:`payouts` rows); ``lines`` (period_label, order_id, order_date, amount, is_ka,
    credited, rate applied = blended rate + KA uplift, commission on the line); ``bonuses`` (every bonus
    target evaluated, met or not); ``adjustments`` (period_label, kind, label_en, label_zh, amount):
    ``floor`` (+, when returns made the commission negative), ``bonus`` (+, each bonus met) and ``cap``
    (−, the part above the cap); ``totals``: lines + floor + bonus + cap = payout, exactly, in 0.01.
    """
    rep = pl.col("employee_id") == employee_id
    lines = order_lines(plan, _lazy(orders).filter(rep), period_start, period_end,
                        None if collections is None else _lazy(collections), fy_start=fy_start)
    summary_lf, bonus_lf = _payouts_lazy(plan, _panel(lines), _lazy(quotas).filter(rep),
                                         _lazy(base_salary).filter(rep), period_start, period_end, fy_start)
    summary, bonuses, line_df = pl.collect_all([summary_lf, bonus_lf, lines])
    lines_c = _statement_lines(plan, line_df, summary, fy_start)
    adjustments = _adjustments(plan, summary, lines_c, bonuses)
    totals_c = {"lines": int(lines_c["line_c"].sum() or 0)}
    totals_c |= {k: int(adjustments.filter(pl.col("kind") == k)["cents"].sum() or 0) for k in ("floor", "bonus", "cap")}
    totals_c["payout"] = int(summary.select(_cents(pl.col("payout")).sum()).item() or 0)
    return {
        "plan_id": plan.id, "plan_name_en": plan.name_en, "plan_name_zh": plan.name_zh,
        "employee_id": employee_id, "period_start": period_start, "period_end": period_end,
        "summary": summary,
        "lines": lines_c.with_columns(commission=pl.col("line_c") / 100).drop("line_c"),
        "bonuses": bonuses.sort("period_start", "bonus_index").drop("period_start", "period_end"),
        "adjustments": adjustments.with_columns(amount=pl.col("cents") / 100).drop("cents"),
        "totals": {k: v / 100 for k, v in totals_c.items()},
    }


# ───────────────────────────── what-if simulation ─────────────────────────────

BANDS: list[str] = [label for label, _ in ATTAINMENT_BANDS]


def _band(a: pl.Expr) -> pl.Expr:
    """Attainment band label (analytics.sales.quota.ATTAINMENT_BANDS), 'no quota' when a is null."""
    expr = pl.lit(BANDS[-1])
    for label, upper in reversed(ATTAINMENT_BANDS[:-1]):
        expr = pl.when(a < upper).then(pl.lit(label)).otherwise(expr)
    return pl.when(a.is_null()).then(pl.lit(NO_QUOTA)).otherwise(expr).cast(pl.Enum([*BANDS, NO_QUOTA]))


def _shifted(panel: pl.DataFrame | pl.LazyFrame, shift: float) -> pl.LazyFrame:
    return _lazy(panel).with_columns(pl.col(_VALUES) * (1.0 + shift))


def simulate_panels(plan_a: Plan, plan_b: Plan, panel_a: pl.DataFrame, panel_b: pl.DataFrame, quotas: pl.DataFrame,
                    base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
                    attainment_shift: float = 0.0, *, fy_start: int = 1) -> dict[str, pl.DataFrame]:
    """:func:`simulate` on prepared rep × month panels (one per plan; the same frame when both plans
    credit the same cash)."""
    if attainment_shift < -1:
        raise ValueError(f"attainment_shift={attainment_shift} would make bookings negative; expected ≥ -1.")
    args = (quotas, base_salary, period_start, period_end, fy_start)
    lazy = [_payouts_lazy(plan_a, panel_a, *args)[0], _payouts_lazy(plan_b, panel_b, *args)[0]]
    if attainment_shift:
        lazy += [_payouts_lazy(plan_a, _shifted(panel_a, attainment_shift), *args)[0],
                 _payouts_lazy(plan_b, _shifted(panel_b, attainment_shift), *args)[0]]
    reps = (_rep_months(panel_a, quotas, period_start, period_end).group_by("employee_id")
            .agg(pl.col("bookings").sum(), pl.col("quota").sum())
            .with_columns(attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota"))))
    out_a, out_b, *shifted, rep_att = pl.collect_all([*lazy, reps])
    shifted = shifted or [out_a, out_b]
    per_rep = (rep_att.with_columns(band=_band(pl.col("attainment")))
               .join(_rep_total(out_a, "payout_a"), on="employee_id", how="left")
               .join(_rep_total(out_b, "payout_b"), on="employee_id", how="left")
               .with_columns(pl.col("payout_a", "payout_b").fill_null(0.0))
               .with_columns(gain=pl.col("payout_b") - pl.col("payout_a"))
               .sort("employee_id"))
    return {
        "totals": pl.concat([_totals(k, p, f) for k, p, f in (("a", plan_a, out_a), ("b", plan_b, out_b))]),
        "bands": _bands(per_rep),
        "reps": per_rep,
        "shift": _shift_frame([("a", plan_a, out_a, shifted[0]), ("b", plan_b, out_b, shifted[1])], attainment_shift),
    }


def _rep_total(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("employee_id").agg(pl.col("payout").sum().alias(name))


def _totals(key: str, plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """One row: n_reps, bookings, commission, bonus, payout (money), n_capped, cost_of_sales (fraction)."""
    return frame.select(
        plan=pl.lit(key), plan_id=pl.lit(plan.id), n_reps=pl.col("employee_id").n_unique().cast(pl.Int64),
        bookings=pl.col("bookings").sum(), commission=pl.col("commission").sum(), bonus=pl.col("bonus").sum(),
        payout=pl.col("payout").sum(), n_capped=pl.col("capped").sum().cast(pl.Int64),
    ).with_columns(cost_of_sales=pl.when(pl.col("bookings") > 0).then(pl.col("payout") / pl.col("bookings")))


def _shift_frame(runs: list[tuple[str, Plan, pl.DataFrame, pl.DataFrame]], shift: float) -> pl.DataFrame:
    """Per plan: payout as is, payout with bookings × (1 + shift), and the extra cost (money)."""
    frame = pl.DataFrame([{
        "plan": key, "plan_id": plan.id, "attainment_shift": shift, "payout": float(base["payout"].sum()),
        "payout_shifted": float(moved["payout"].sum()), "bookings_shifted": float(moved["bookings"].sum()),
    } for key, plan, base, moved in runs])
    b = pl.col("bookings_shifted")
    return frame.with_columns(extra_cost=pl.col("payout_shifted") - pl.col("payout"),
                              cost_of_sales_shifted=pl.when(b > 0).then(pl.col("payout_shifted") / b))


def _bands(per_rep: pl.DataFrame) -> pl.DataFrame:
    """Earnings distribution by attainment band, every band listed (empty ones with zeros)."""
    all_bands = pl.DataFrame({"band": [*BANDS, NO_QUOTA]}, schema={"band": pl.Enum([*BANDS, NO_QUOTA])})
    agg = per_rep.group_by("band").agg(
        n_reps=pl.len().cast(pl.Int64), bookings=pl.col("bookings").sum(), payout_a=pl.col("payout_a").sum(),
        payout_b=pl.col("payout_b").sum(), gain=pl.col("gain").sum())
    b = pl.col("bookings")
    return all_bands.join(agg, on="band", how="left").fill_null(0).with_columns(
        mean_payout_a=pl.when(pl.col("n_reps") > 0).then(pl.col("payout_a") / pl.col("n_reps")),
        mean_payout_b=pl.when(pl.col("n_reps") > 0).then(pl.col("payout_b") / pl.col("n_reps")),
        cost_of_sales_a=pl.when(b > 0).then(pl.col("payout_a") / b),
        cost_of_sales_b=pl.when(b > 0).then(pl.col("payout_b") / b),
    )


def simulate(plan_a: Plan, plan_b: Plan, orders: pl.DataFrame, quotas: pl.DataFrame, base_salary: pl.DataFrame,
             period_start: dt.date, period_end: dt.date, collections: pl.DataFrame | None = None,
             attainment_shift: float = 0.0, *, fy_start: int = 1) -> dict[str, pl.DataFrame]:
    """Plans a and b side by side on the same reps and period. Returns frames:

    - ``totals``: per plan (a, b): n_reps, bookings, commission, bonus, payout, n_capped, cost_of_sales;
    - ``bands``: per attainment band over the whole range (<50% … ≥120%, 'no quota'): n_reps,
      bookings, payout_a/b, gain, mean_payout_a/b, cost_of_sales_a/b;
    - ``reps``: per rep: bookings, quota, attainment, band, payout_a, payout_b, gain = b − a;
    - ``shift``: per plan: payout, payout_shifted and extra_cost when every rep's bookings (and credited
      cash) are scaled by 1 + attainment_shift (+0.1 → ×1.1).

    Orders are reduced once to a rep × month panel (per payment basis), and every run works on it.
    """
    lazy: dict[tuple[Any, ...], pl.LazyFrame] = {}
    for plan in (plan_a, plan_b):
        if _credit_key(plan) not in lazy:
            lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
            lazy[_credit_key(plan)] = _panel(lines, plan.pay_on == "bookings")
    panels = dict(zip(lazy, pl.collect_all(list(lazy.values())), strict=True))
    return simulate_panels(plan_a, plan_b, panels[_credit_key(plan_a)], panels[_credit_key(plan_b)], quotas,
                           base_salary, period_start, period_end, attainment_shift, fy_start=fy_start)
