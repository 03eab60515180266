"""What the Inbox page, the monthly review and ``alerts list`` show: the alerts a viewer may see, in words, with
the response clock; the share answered in time comes from the metric engine (``alert_response_24h``).

A viewer sees the alerts whose unit lies in their scope (company-wide ones: whole-company viewers). Alerts about
a person are listed, named, to person-level viewers only; an aggregate viewer gets how many there are.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.alerts import store
from analytics.alerts.texts import clock, describe, facts_of, rule_name, severity_name
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label
from analytics.core.periods import Period
from analytics.metrics.engine import compute

STATES = ("new", "acknowledged", "resolved", "cleared")
SEVERITY_ORDER = {"urgent": 0, "high": 1, "medium": 2}


def state(alert: dict) -> str:
    """new (nobody has taken it), acknowledged, resolved, or cleared (the condition ended before anyone resolved
    it)."""
    if alert["resolved_at"] is not None:
        return "resolved"
    if alert["cleared_at"] is not None:
        return "cleared"
    return "acknowledged" if alert["acknowledged_at"] is not None else "new"


def _names(db: Database, lang: str) -> tuple[dict[int, str], dict[str, str]]:
    people = db.sql("select employee_id, name from employees")
    col = "name_zh" if lang == "zh" else "name_en"
    units = db.sql(f"select org_unit_id, {col} as n from org_units")
    return (dict(zip(people["employee_id"].to_list(), people["name"].to_list(), strict=True)),
            dict(zip(units["org_unit_id"].to_list(), units["n"].to_list(), strict=True)))


def _in_scope(db: Database, viewer: Viewer, start: dt.datetime | None, end: dt.datetime | None) -> pl.DataFrame:
    rows = db.sql("select * from alerts where not quiet and ($start is null or raised_at >= $start) "
                  "and ($end is null or raised_at < $end) order by raised_at desc, alert_id desc", start=start, end=end)
    tree = store.org_tree(db)
    keep = [store.covers(viewer, u, tree) for u in rows["org_unit_id"].to_list()]
    return rows.filter(pl.Series(keep, dtype=pl.Boolean)) if rows.height else rows


def visible(db: Database, viewer: Viewer, start: dt.datetime | None = None, end: dt.datetime | None = None
            ) -> tuple[pl.DataFrame, int]:
    """(the alerts the viewer may see, raised in [start, end) when given, newest first; how many about people
    are held back from an aggregate viewer)."""
    rows = _in_scope(db, viewer, start, end)
    if viewer.person_level:
        return rows, 0
    return rows.filter(pl.col("employee_id").is_null()), rows.filter(pl.col("employee_id").is_not_null()).height


def listing(db: Database, viewer: Viewer, lang: str, now: dt.datetime, which: str = "open",
            start: dt.datetime | None = None, end: dt.datetime | None = None) -> tuple[pl.DataFrame, int]:
    """The alerts in words: alert_id, severity (code and words), rule, where, what (the sentence), raised_at,
    due_at, clock, state, may_answer, acknowledged_by, resolved_by, resolution, actions (count), owner (who took
    it, else the roles that answer it). ``which``:
    open (new or acknowledged), closed, or all. Urgent first, then the most overdue. Returns (rows, how many of
    the chosen alerts are about people and held back from an aggregate viewer)."""
    rows, held = _in_scope(db, viewer, start, end), 0
    if rows.height:
        states = [state(r) for r in rows.iter_rows(named=True)]
        rows = rows.with_columns(state=pl.Series(states, dtype=pl.Utf8))
        if which == "open":
            rows = rows.filter(pl.col("state").is_in(["new", "acknowledged"]))
        elif which == "closed":
            rows = rows.filter(pl.col("state").is_in(["resolved", "cleared"]))
        if not viewer.person_level:
            held = rows.filter(pl.col("employee_id").is_not_null()).height
            rows = rows.filter(pl.col("employee_id").is_null())
    if rows.is_empty():
        return pl.DataFrame(schema=_SCHEMA), held
    people, units = _names(db, lang)
    tree = store.org_tree(db)
    texts = store.requests(db)
    request_text = dict(zip(texts["request_id"].to_list(), texts["text"].to_list(), strict=True))
    counts = store.actions(db, rows["alert_id"].to_list()).group_by("alert_id").len()
    n_actions = dict(zip(counts["alert_id"].to_list(), counts["len"].to_list(), strict=True))
    out = []
    for r in rows.iter_rows(named=True):
        facts = facts_of(r)
        out.append({
            "alert_id": r["alert_id"], "rule_id": r["rule_id"], "severity": r["severity"],
            "severity_text": severity_name(r["severity"], lang), "rule": rule_name(r["rule_id"], lang),
            "where": units.get(r["org_unit_id"]) if r["org_unit_id"] else None,
            "what": describe(r, lang, viewer.person_level, people.get(r["employee_id"]), units.get(r["org_unit_id"]),
                             request_text.get(facts.get("request_id"))),
            "employee_id": r["employee_id"], "raised_at": r["raised_at"], "due_at": r["due_at"],
            "clock": clock(r, now, lang), "state": r["state"], "may_answer": store.may_answer(viewer, r, tree),
            "acknowledged_at": r["acknowledged_at"], "acknowledged_by": r["acknowledged_by"],
            "resolved_at": r["resolved_at"], "resolved_by": r["resolved_by"], "resolution": r["resolution"],
            "actions": n_actions.get(r["alert_id"], 0),
            "owner": r["acknowledged_by"] or ("、" if lang == "zh" else ", ").join(
                code_label("owner", o, lang) for o in r["owner_roles"].split(",")),
            "overdue": r["acknowledged_at"] is None and r["resolved_at"] is None and r["cleared_at"] is None
            and r["due_at"] < now})
    frame = pl.DataFrame(out, schema=_SCHEMA)
    order = frame.with_columns(_sev=pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int64))
    return order.sort(["_sev", "due_at"], descending=[False, False]).drop("_sev"), held


_SCHEMA = {"alert_id": pl.Int64, "rule_id": pl.Utf8, "severity": pl.Utf8, "severity_text": pl.Utf8, "rule": pl.Utf8,
           "where": pl.Utf8, "what": pl.Utf8, "employee_id": pl.Int64, "raised_at": pl.Datetime("us"),
           "due_at": pl.Datetime("us"), "clock": pl.Utf8, "state": pl.Utf8, "may_answer": pl.Boolean,
           "acknowledged_at": pl.Datetime("us"), "acknowledged_by": pl.Utf8, "resolved_at": pl.Datetime("us"),
           "resolved_by": pl.Utf8, "resolution": pl.Utf8, "actions": pl.Int64, "owner": pl.Utf8,
           "overdue": pl.Boolean}


def response_share(db: Database, viewer: Viewer, period: Period, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """``alert_response_24h`` for the period, from the metric engine (value, numerator, denominator, ...)."""
    return compute(db, viewer, "alert_response_24h", period, by=list(by))


def window(period: Period, as_of: dt.date, now: dt.datetime) -> Period:
    """The alerts a meeting on ``period`` reviews: those raised in it — and, for the newest data month (the one
    holding the as-of date), every one raised since its start, up to now."""
    end = max(period.end, now.date()) if period.start <= as_of <= period.end else period.end
    return Period(period.start, end, period.label, "range" if end != period.end else period.grain)


def hours_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds() / 3600
