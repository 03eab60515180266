"""Care signals: who is under pressure, month by month, by the rules of ``data/care.toml`` (docs/metrics.md
``care_signals``) — overtime, leave or travel above the team's usual several months running, engagement
down since the last survey, a referral to the employee assistance programme — and what HR and the director did
about each (the ``care_actions`` table, written on the Care page).

A signal is *on* at a month's end when its test holds then. ``signal_months`` gives one row per person and month
with a column per rule; :mod:`analytics.people.care_report` lists the signals on at the as-of date per team and
measures how much more often people with a signal leave within six months.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import add_months, month_start
from analytics.people.development import may_edit

CONFIG = Path(__file__).resolve().parents[2] / "data" / "care.toml"
#: source → the monthly fact it reads (care_months.sql), for the ``above_team`` test
MONTHLY = {"overtime": "overtime_hours", "leave": "leave_days", "travel": "travel_days"}
SOURCES = (*MONTHLY, "engagement", "referral")
TESTS = {"above_team": tuple(MONTHLY), "drop": ("engagement",), "event": ("referral",)}
ACTIONS = ("talk", "workload", "leave", "referral", "other")
ERRORS = ("rule", "action", "not_allowed", "future", "too_long")  # CareActionError codes
MAX_NOTE = 500
SURVEY_VALID_MONTHS = 12  # an engagement drop counts while the survey that showed it is at most this old
#: rules whose signal names a person to the HR head only (personal details): an assistance referral
CONFIDENTIAL_SOURCES = ("referral",)


class CareConfigError(ValueError):
    """data/care.toml is wrong; the message names the rule and the key."""


class CareActionError(ValueError):
    """A refused care action; ``code`` names the reason (the page says it in the viewer's language)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CareRule:
    id: str
    source: str
    test: str
    percentile: float = 90.0   # above_team: the team's percentile the month's value must exceed
    months: int = 3            # above_team: months running; event: the look-back
    floor: float = 0.0         # above_team: and at least this much
    amount: float = 0.5        # drop: points down since the survey before

    @property
    def column(self) -> str:
        return f"on_{self.id}"

    @property
    def confidential(self) -> bool:
        return self.source in CONFIDENTIAL_SOURCES


def load_rules(path: Path = CONFIG) -> tuple[CareRule, ...]:
    """The rules of ``path``, checked: known sources and tests that fit them, numbers in range, unique ids."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CareConfigError(f"{path.name}: {exc}") from None
    rules: list[CareRule] = []
    for i, entry in enumerate(raw.get("rule", []), start=1):
        where = f"{path.name}, rule {i}"
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id.isidentifier():
            raise CareConfigError(f"{where}: id must be a name of letters, digits and underscores.")
        where = f"{path.name}, rule '{rule_id}'"
        source, test = entry.get("source"), entry.get("test")
        if test not in TESTS:
            raise CareConfigError(f"{where}: test must be one of {', '.join(TESTS)}.")
        if source not in TESTS[test]:
            raise CareConfigError(f"{where}: the {test} test reads {', '.join(TESTS[test])}, not {source!r}.")
        unknown = set(entry) - {"id", "source", "test", "percentile", "months", "floor", "amount"}
        if unknown:
            raise CareConfigError(f"{where}: unknown key {', '.join(sorted(unknown))}.")
        rule = CareRule(rule_id, source, test, float(entry.get("percentile", 90)), int(entry.get("months", 3)),
                        float(entry.get("floor", 0.0)), float(entry.get("amount", 0.5)))
        if not 0 < rule.percentile < 100:
            raise CareConfigError(f"{where}: percentile must be between 0 and 100.")
        if not 1 <= rule.months <= 24:
            raise CareConfigError(f"{where}: months must be between 1 and 24.")
        if rule.floor < 0 or rule.amount <= 0:
            raise CareConfigError(f"{where}: floor must be ≥ 0 and amount > 0.")
        if any(r.id == rule.id for r in rules):
            raise CareConfigError(f"{where}: the id is used twice.")
        rules.append(rule)
    if not rules:
        raise CareConfigError(f"{path.name}: no [[rule]] entries.")
    return tuple(rules)


def _month_end(month: pl.Expr) -> pl.Expr:
    return month.dt.offset_by("1mo").dt.offset_by("-1d")


def _over_team(rule: CareRule) -> pl.Expr:
    """The month's value is above the team's percentile that month, and at least the floor (0/1)."""
    value = pl.col(MONTHLY[rule.source])
    team = pl.coalesce("team_id", "org_unit_id")
    over = (value > value.quantile(rule.percentile / 100, "linear").over([team, "month"])) & (value >= rule.floor)
    return over.fill_null(False).cast(pl.Int32).alias(f"_over_{rule.id}")


def _running(rule: CareRule) -> pl.Expr:
    """On when :func:`_over_team`'s column (computed first: a team window nested in the person's would see one
    person) holds in each of the rule's last months, those months running without a gap."""
    k = rule.months
    run = pl.col(f"_over_{rule.id}").rolling_sum(k, min_samples=k).over("employee_id", order_by="month") == k
    back = pl.col("month").shift(k - 1).over("employee_id", order_by="month")
    return (run & (back == pl.col("month").dt.offset_by(f"-{k - 1}mo"))).fill_null(False)


def _surveys(db: Database) -> pl.DataFrame:
    """Each survey answer with the person's answer before it: employee_id, survey_date, score, change."""
    return db.sql("select employee_id, survey_date, engagement_score as score from engagement "
                  "order by employee_id, survey_date").with_columns(
        change=pl.col("score") - pl.col("score").shift(1).over("employee_id"))


def _referrals(db: Database) -> pl.DataFrame:
    return db.sql("select employee_id, referral_date from assistance_referrals order by employee_id, referral_date")


def signal_months(db: Database, viewer: Viewer, first_month: dt.date, last_month: dt.date,
                  rules: tuple[CareRule, ...] | None = None) -> pl.DataFrame:
    """One row per person in scope and month from ``first_month`` to ``last_month`` (employed at some point of
    it; placed where they sat at its end): employee_id, month, org_unit_id, team_id, region_id, the monthly facts,
    ``survey_date`` / ``engagement_change`` (the latest survey by the month's end), ``referral_date`` (the latest
    referral by then), and ``on_<rule>`` per rule. Rules counting months look back before ``first_month`` as far as
    they need."""
    rules = rules or load_rules()
    look_back = max([r.months for r in rules if r.test == "above_team"] or [1]) - 1
    facts = db.query("care_months", first_month=add_months(month_start(first_month), -look_back),
                     last_month=month_start(last_month), **viewer.sql_params())
    # as-of joins read each side sorted by its date (the person is the join's group)
    facts = facts.with_columns(month_end=_month_end(pl.col("month"))).sort("month_end")
    surveys = _surveys(db).rename({"score": "engagement", "change": "engagement_change"}).sort("survey_date")
    facts = facts.join_asof(surveys, left_on="month_end", right_on="survey_date", by="employee_id",
                            strategy="backward", check_sortedness=False)
    facts = facts.join_asof(_referrals(db).sort("referral_date"), left_on="month_end", right_on="referral_date",
                            by="employee_id", strategy="backward", check_sortedness=False).sort("employee_id", "month")
    team_rules = [r for r in rules if r.test == "above_team"]
    facts = facts.with_columns([_over_team(r) for r in team_rules])
    on = []
    for rule in rules:
        if rule.test == "above_team":
            on.append(_running(rule).alias(rule.column))
        elif rule.test == "drop":
            fresh = pl.col("survey_date") > pl.col("month_end").dt.offset_by(f"-{SURVEY_VALID_MONTHS}mo")
            on.append((fresh & (pl.col("engagement_change") <= -rule.amount)).fill_null(False).alias(rule.column))
        else:
            recent = pl.col("referral_date") > pl.col("month_end").dt.offset_by(f"-{rule.months}mo")
            on.append(recent.fill_null(False).alias(rule.column))
    return facts.with_columns(on).filter(pl.col("month") >= month_start(first_month)).drop(
        "month_end", *[f"_over_{r.id}" for r in team_rules])


def since(months: pl.DataFrame, rule: CareRule, month: dt.date) -> pl.DataFrame:
    """For the people whose ``rule`` signal is on in ``month``: employee_id and ``since``, the first month of the
    run that reaches it (a drop: the survey's date; a referral: its date)."""
    rows = months.filter(pl.col("month") <= month).sort("employee_id", "month")
    current = rows.filter((pl.col("month") == month) & pl.col(rule.column))
    if rule.test == "drop":
        return current.select("employee_id", since="survey_date")
    if rule.test == "event":
        return current.select("employee_id", since="referral_date")
    # the run of months on ending in `month`: its first month, less the months the test itself looks back
    runs = rows.with_columns(
        start=(pl.col(rule.column) != pl.col(rule.column).shift(1).over("employee_id")).fill_null(True)
        .cum_sum().over("employee_id"))
    first = runs.filter(pl.col(rule.column)).group_by("employee_id", "start").agg(first=pl.col("month").min(),
                                                                                    last=pl.col("month").max())
    first = first.filter(pl.col("last") == month).select(
        "employee_id", since=pl.col("first").dt.offset_by(f"-{rule.months - 1}mo"))
    return current.select("employee_id").join(first, on="employee_id", how="left")


# ── what was done ────────────────────────────────────────────────────────
def actions(db: Database, employee_ids: list[int] | None = None) -> pl.DataFrame:
    """Recorded care actions (all, or of these people), newest first."""
    frame = db.sql("select * from care_actions order by done_on desc, action_id desc")
    return frame if employee_ids is None else frame.filter(pl.col("employee_id").is_in(employee_ids))


def may_see(viewer: Viewer, rule: CareRule) -> bool:
    """Whether the viewer may see who has this rule's signal: person-level rights, and for a confidential source
    (an assistance referral) the HR head's personal details too."""
    return viewer.person_level and (not rule.confidential or "personal_details" in viewer.fields)


def record_action(db: Database, viewer: Viewer, employee_id: int, rule_id: str, action: str, done_on: dt.date,
                  note: str | None, as_of: dt.date, rules: tuple[CareRule, ...] | None = None) -> int:
    """Record what was done about a person's signal; returns the action id. Bookkeeping, not a data change: the
    figures stay (the Care page reads the actions on every run). Audited without the note."""
    rules = rules or load_rules()
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        raise CareActionError(f"'{rule_id}' is not a care rule; data/care.toml has {', '.join(r.id for r in rules)}.",
                              "rule")
    if action not in ACTIONS:
        raise CareActionError(f"'{action}' is not an action; choose from {', '.join(ACTIONS)}.", "action")
    if not may_see(viewer, rule) or not may_edit(db, viewer, employee_id, as_of):
        raise CareActionError(f"{viewer.user} may not record care actions for person {employee_id}.", "not_allowed")
    if done_on > dt.date.today():
        raise CareActionError("An action is recorded once it is done: the date cannot be in the future.", "future")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise CareActionError(f"A note is at most {MAX_NOTE} characters.", "too_long")
    with db.transaction(bump=False) as cur:
        new_id = int(cur.execute("select coalesce(max(action_id), 0) + 1 from care_actions").fetchone()[0])
        cur.execute("insert into care_actions values ($i, $e, $r, $a, $n, $d, $by, $at)",
                    {"i": new_id, "e": int(employee_id), "r": rule_id, "a": action, "n": note or None, "d": done_on,
                     "by": viewer.user, "at": dt.datetime.now()})
        db.audit(cur, viewer.user, "care_action", target=str(employee_id), detail={"rule": rule_id, "action": action})
    return new_id
