"""Evaluating the alert rules of ``data/alerts.toml`` on the data: each rule's members now (the subjects whose
condition holds at the data's as-of date), raised once per episode and closed when they clear (``store.reconcile``),
then told to the channels (``outbox``). Lists come from the reports that show them on the pages; metrics from the
metric engine by id, so an alert and the page it points to show the same number. A rate on a small base never
raises one.

``run`` is what ``python -m analytics alerts run``, the app's schedule and every data change call.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from dataclasses import dataclass, field

import polars as pl

from analytics.alerts import outbox, rules, store
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import Period, add_months, last_completed_quarters, month_end, month_period
from analytics.metrics.engine import as_of_date, compute, compute_periods

_log = logging.getLogger("tandem.alerts")
SYSTEM = full_access("alerts")
_MEMBERS = {"subject": pl.Utf8, "org_unit_id": pl.Utf8, "employee_id": pl.Int64, "facts": pl.Utf8}
#: list rules that evaluation leaves alone: requests are raised when filed and closed when resolved
RAISED_BY_PEOPLE = ("urgent_requests",)


def _members(rows: list[dict]) -> pl.DataFrame:
    """The members frame: facts as JSON text."""
    rows = [{**r, "facts": json.dumps(r["facts"], ensure_ascii=False, default=str)} for r in rows]
    return pl.DataFrame(rows, schema=_MEMBERS) if rows else pl.DataFrame(schema=_MEMBERS)


def _unit(row: dict) -> str | None:
    return row.get("team_id") or row.get("org_unit_id") or row.get("region_id")


def placed(db: Database, frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """``frame`` with ``org_unit_id``: the unit each employee_id is assigned to at ``as_of`` (their last
    assignment, for someone who has left)."""
    units = db.sql("select employee_id, org_unit_id from assignments where valid_from <= $d "
                   "qualify row_number() over (partition by employee_id order by valid_from desc) = 1", d=as_of)
    return frame.drop("org_unit_id", strict=False).join(units, on="employee_id", how="left")


# ── lists ────────────────────────────────────────────────────────────────
def key_people(db: Database, as_of: dt.date, top_share: float, fy_start: int = 1) -> dict[int, str]:
    """employee_id → why they are key: owns a KA account at ``as_of`` ('ka_owner'), or is in the top
    ``top_share`` of reps by attainment over the last four completed quarters ('top_attainment')."""
    owners = db.sql("select distinct o.employee_id from account_owners as o join customers as c using (customer_id) "
                    "where c.tier = 'KA' and o.valid_from <= $d and (o.valid_to is null or o.valid_to >= $d)", d=as_of)
    out = {int(e): "top_attainment" for e in _top_reps(db, as_of, top_share, fy_start)}
    out.update({int(e): "ka_owner" for e in owners["employee_id"].to_list()})
    return out


def _top_reps(db: Database, as_of: dt.date, top_share: float, fy_start: int) -> list[int]:
    quarters = last_completed_quarters(as_of, 4, fy_start)
    span = Period(quarters[0].start, quarters[-1].end, f"{quarters[0].label}..{quarters[-1].label}", "range")
    reps = compute(db, SYSTEM, "attainment", span, by=["rep"], as_of=as_of).filter(pl.col("value").is_not_null())
    if reps.is_empty():
        return []
    cut = reps["value"].quantile(1 - top_share, "nearest")
    return reps.filter(pl.col("value") >= cut)["rep"].to_list()


def _flight_risk(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    from analytics.people import risk_report
    scores = risk_report.scores(db, SYSTEM, as_of)
    if scores.is_empty():
        return _members([])
    threshold = risk_report.high_risk_threshold(scores["probability"])
    high = scores.filter(pl.col("probability") >= threshold)
    key = key_people(db, as_of, rule.top_share, fy_start) if rule.filter == "key_person" else None
    return _members([
        {"subject": f"person:{r['employee_id']}", "org_unit_id": _unit(r), "employee_id": r["employee_id"],
         "facts": {"probability": round(r["probability"], 4), "threshold": round(threshold, 4),
                   **({"why": key[r["employee_id"]]} if key is not None else {})}}
        for r in high.iter_rows(named=True) if key is None or r["employee_id"] in key])


def _ka_without_backup(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    from analytics.people import talent_report
    cont = talent_report.continuity(db, SYSTEM, as_of)
    if cont.is_empty():
        return _members([])
    matched = pl.col("skill_matched").fill_null(False) if "skill_matched" in cont.columns else pl.lit(False)
    gone = cont.filter(pl.col("status").is_in(["left", "leaving", "no_owner"])
                       & (pl.col("backup_id").is_null() | ~matched))
    return _members([
        {"subject": f"account:{r['customer_id']}", "org_unit_id": r["region_id"], "employee_id": r["owner_id"],
         "facts": {"customer": r["customer_name"], "status": r["status"]}} for r in gone.iter_rows(named=True)])


def _key_vacancies(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    rows = db.sql("select requisition_id, org_unit_id, target_date from requisitions where key_position "
                  "and opened_date <= $d and (filled_date is null or filled_date > $d) "
                  "and (cancelled_date is null or cancelled_date > $d) and target_date < $d order by requisition_id",
                  d=as_of)
    return _members([
        {"subject": f"requisition:{r['requisition_id']}", "org_unit_id": r["org_unit_id"], "employee_id": None,
         "facts": {"target_date": r["target_date"].isoformat(), "days_past": (as_of - r["target_date"]).days}}
        for r in rows.iter_rows(named=True)])


def _coaching(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    from analytics.sales.scorecard import coaching_list
    listed = placed(db, coaching_list(db, SYSTEM, as_of, fy_start=fy_start), as_of)
    quarters = [c for c in listed.columns if c[:4].isdigit() and "-Q" in c]
    return _members([
        {"subject": f"person:{r['employee_id']}", "org_unit_id": _unit(r), "employee_id": r["employee_id"],
         "facts": {"quarters": {q: round(r[q], 4) for q in quarters if r[q] is not None}}}
        for r in listed.iter_rows(named=True)])


def _care(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    from analytics.people import care, care_report
    listed = care_report.signal_list(db, SYSTEM, as_of)
    skip = {r.id for r in care.load_rules() if r.id in rule.exclude or r.source in rule.exclude}
    return _members([
        {"subject": f"person:{r['employee_id']}:{r['rule_id']}", "org_unit_id": _unit(r),
         "employee_id": r["employee_id"],
         "facts": {"care_rule": r["rule_id"], "since": r["since"].isoformat() if r["since"] else None}}
        for r in listed.iter_rows(named=True) if r["rule_id"] not in skip])


LISTS = {"flight_risk": _flight_risk, "ka_without_backup": _ka_without_backup,
         "key_vacancies_past_target": _key_vacancies, "coaching_list": _coaching, "care_signals": _care}


# ── metrics ──────────────────────────────────────────────────────────────
def last_periods(rule: rules.Rule, as_of: dt.date, n: int, fy_start: int = 1) -> list[Period]:
    """The ``n`` most recent periods of the rule's grain complete at ``as_of``, oldest first."""
    if rule.grain == "quarter":
        return last_completed_quarters(as_of, n, fy_start)
    last = as_of.replace(day=1) if as_of == month_end(as_of) else add_months(as_of.replace(day=1), -1)
    return [month_period(add_months(last, -i)) for i in range(n - 1, -1, -1)]


def metric_members(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int = 1) -> pl.DataFrame:
    """Units (by ``rule.by``) whose metric meets the condition in the latest period. Small bases, masked and
    missing values never count; a cohort still maturing is skipped for the latest mature one."""
    n = 1 if rule.condition == "threshold" else rule.periods + 1
    periods = last_periods(rule, as_of, n + 4, fy_start)  # room to step back past maturing cohorts
    frame = compute_periods(db, SYSTEM, rule.source, periods, by=[rule.by], as_of=as_of)
    if "maturing" in frame.columns:
        mature = frame.group_by("period_start").agg(pl.col("maturing").fill_null(False).any().alias("m"))
        ripe = sorted(mature.filter(~pl.col("m"))["period_start"].to_list())
        if not ripe:
            return _members([])
        frame = frame.filter(pl.col("period_start") <= ripe[-1])
    starts = sorted(frame["period_start"].unique().to_list())[-n:]
    if len(starts) < n:
        return _members([])
    labels = {p.start: p.label for p in periods}
    ok = pl.col("value").is_not_null() & ~pl.col("masked").fill_null(False)
    if "small_base" in frame.columns:
        ok &= ~pl.col("small_base").fill_null(False)
    rows = frame.filter(pl.col("period_start").is_in(starts) & pl.col(rule.by).is_not_null()).with_columns(
        value=pl.when(ok).then(pl.col("value")))
    wide = rows.pivot("period_start", index=rule.by, values="value", aggregate_function="first")
    cols = [str(s) for s in starts]
    out = []
    for r in wide.iter_rows(named=True):
        values = [r.get(c) for c in cols]
        last = values[-1]
        if last is None:
            continue
        facts: dict = {"value": round(last, 6), "period": labels[starts[-1]], "metric": rule.source}
        if rule.condition == "threshold":
            hit = last > rule.above if rule.above is not None else last < rule.below
            facts.update({"above": rule.above} if rule.above is not None else {"below": rule.below})
        elif rule.condition == "change":
            before = [v for v in values[:-1] if v is not None]
            norm = sum(before) / len(before) if before else None
            hit = norm is not None and last - norm >= rule.rise
            facts["norm"] = None if norm is None else round(norm, 6)
        else:  # trend: each period above (below, with ``below``) the one before
            falling = rule.below is not None
            hit = all(a is not None and b is not None and (b < a if falling else b > a)
                      for a, b in itertools.pairwise(values))
            facts["values"] = [None if v is None else round(v, 6) for v in values]
        if hit:
            out.append({"subject": f"unit:{r[rule.by]}", "org_unit_id": r[rule.by], "employee_id": None,
                        "facts": facts})
    return _members(out)


def members(db: Database, rule: rules.Rule, as_of: dt.date, fy_start: int = 1) -> pl.DataFrame:
    """The subjects whose condition holds at ``as_of`` (within the rule's scope)."""
    found = metric_members(db, rule, as_of, fy_start) if rule.on_metric else LISTS[rule.source](db, rule, as_of,
                                                                                                 fy_start)
    if rule.scope == "company" or found.is_empty():
        return found
    tree, within = store.org_tree(db), Viewer("scope", org_units=frozenset({rule.scope}))
    inside = [store.covers(within, u, tree) for u in found["org_unit_id"].to_list()]
    return found.filter(pl.Series(inside, dtype=pl.Boolean))


@dataclass
class RunResult:
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    queued: int = 0
    sends: dict[str, int] = field(default_factory=dict)
    new_alerts: list[int] = field(default_factory=list)


def evaluate(db: Database, now: dt.datetime, as_of: dt.date | None = None, config: rules.AlertConfig | None = None,
             fy_start: int = 1) -> RunResult:
    """Every rule once: new episodes raised (and queued for the channels), cleared ones closed. One rule's failure
    is recorded and logged; the others still run."""
    config = config or rules.load()
    as_of = as_of or as_of_date(db)
    result = RunResult()
    for rule in config.rules:
        if rule.source in RAISED_BY_PEOPLE:
            continue
        try:
            found = members(db, rule, as_of, fy_start)
        except Exception as exc:  # one broken rule must not silence the others
            _log.exception("alert rule %s failed", rule.id)
            result.failed[rule.id] = f"{type(exc).__name__}: {exc}"
            continue
        first = not rule.on_metric and db.meta(f"alerts_seen.{rule.id}") is None  # a list's starting point
        new, cleared = store.reconcile(db, rule.id, rule.severity, rule.owners, rule.response_hours, found, as_of,
                                       now, quiet=first)
        if first:
            with db.transaction(bump=False) as cur:
                cur.execute("insert or replace into meta values ($k, $v)",
                            {"k": f"alerts_seen.{rule.id}", "v": now.isoformat()})
        result.raised[rule.id], result.cleared[rule.id] = len(new), cleared
        result.new_alerts += new
    result.queued = outbox.queue(db, config, result.new_alerts, now)
    with db.transaction(bump=False) as cur:
        cur.execute("insert or replace into meta values ('alerts_evaluated_token', $t)", {"t": db.data_token})
    return result


def run(db: Database, now: dt.datetime | None = None, as_of: dt.date | None = None,
        config: rules.AlertConfig | None = None, fy_start: int = 1, send: outbox.Sender | None = None,
        deliver: bool = True) -> RunResult:
    """Evaluate every rule, then send what is due (new alerts, and retries whose wait is over)."""
    now = now or dt.datetime.now()
    config = config or rules.load()
    result = evaluate(db, now, as_of, config, fy_start)
    if deliver:
        result.sends = outbox.deliver(db, config, now, send)
    return result


def evaluated_token(db: Database) -> str | None:
    """The data token the rules were last evaluated on (the app's schedule re-evaluates when it moves)."""
    return db.meta("alerts_evaluated_token")
