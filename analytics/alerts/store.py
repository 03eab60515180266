"""Alerts as rows: raised once per episode of a rule's condition, closed when it clears; acknowledged, acted on and
resolved by their owners; urgent requests from Sales. Every write is bookkeeping (no fact changes: the data
version stays) and moves ``alerts_version``, which keys what shows alerts (the inbox, the live monthly review).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from analytics.core.access import Viewer, unit_in_scope
from analytics.core.db import Database

MAX_TEXT = 500
REQUEST_KINDS = ("people_short", "morale", "other")
REQUEST_RULE = "urgent_request"
#: AlertError codes (the pages say each in the viewer's language: alerts.error.<code>)
ERRORS = ("unknown", "not_owner", "scope", "already_acknowledged", "already_resolved", "text", "kind", "due",
          "not_director", "unit", "people")
MAX_REQUEST_DAYS = 30


class AlertError(ValueError):
    """A refused alert action; ``code`` names the reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def alerts_version(db: Database) -> int:
    """A counter every alert write moves: part of the key of anything cached that shows alerts."""
    return int(db.meta("alerts_version") or 0)


def _bump(cur: Any) -> None:
    cur.execute("insert or replace into meta select 'alerts_version', cast(coalesce(max(cast(value as bigint)), 0) "
                "+ 1 as varchar) from meta where key = 'alerts_version'")


def _next_id(cur: Any, table: str, column: str) -> int:
    return int(cur.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchone()[0])


# ── scope ────────────────────────────────────────────────────────────────
def org_tree(db: Database) -> dict[str, str | None]:
    """Org unit → its parent."""
    rows = db.sql("select org_unit_id, parent_id from org_units")
    return dict(zip(rows["org_unit_id"].to_list(), rows["parent_id"].to_list(), strict=True))


def covers(viewer: Viewer, unit: str | None, tree: dict[str, str | None]) -> bool:
    """True when ``unit`` (None: the whole company) lies in the viewer's scope."""
    return not viewer.sees_nothing and unit_in_scope(viewer, unit, tree)


def may_answer(viewer: Viewer, alert: dict, tree: dict[str, str | None]) -> bool:
    """Owners answer: a role the rule names (or admin), with the alert's unit in scope."""
    roles = set(alert["owner_roles"].split(","))
    return bool((viewer.roles & roles) or "admin" in viewer.roles) and covers(viewer, alert["org_unit_id"], tree)


# ── episodes ─────────────────────────────────────────────────────────────
def open_episodes(db: Database, rule_id: str) -> pl.DataFrame:
    """alert_id and subject of the rule's alerts whose condition has not cleared."""
    return db.sql("select alert_id, subject from alerts where rule_id = $r and cleared_at is null order by alert_id",
                  r=rule_id)


def reconcile(db: Database, rule_id: str, severity: str, owners: tuple[str, ...], response_hours: float,
              members: pl.DataFrame, as_of: dt.date, now: dt.datetime, clears: bool = True,
              quiet: bool = False) -> tuple[list[int], int]:
    """One evaluation of a rule: ``members`` (subject, org_unit_id, employee_id, facts) are the subjects whose
    condition holds now. A subject with no open episode raises an alert; an open episode whose subject is gone is
    closed (``cleared_at``), unless ``clears`` is False (requests close when resolved). ``quiet``: the episodes are
    recorded as the starting point (a list's members at its rule's first evaluation), not raised. Returns (new
    alert ids, episodes closed); quiet ones are not among the new."""
    current = open_episodes(db, rule_id)
    held = set(current["subject"].to_list())
    now_in = set(members["subject"].to_list()) if members.height else set()
    new_rows = members.filter(~pl.col("subject").is_in(list(held))).unique("subject", keep="first",
                                                                             maintain_order=True)
    gone = current.filter(~pl.col("subject").is_in(list(now_in)))["alert_id"].to_list() if clears else []
    if new_rows.is_empty() and not gone:
        return [], 0
    due = now + dt.timedelta(hours=response_hours)
    created: list[int] = []
    with db.transaction(bump=False) as cur:
        next_id = _next_id(cur, "alerts", "alert_id")
        for row in new_rows.iter_rows(named=True):
            cur.execute("insert into alerts (alert_id, rule_id, subject, org_unit_id, employee_id, severity, "
                        "owner_roles, facts, as_of, raised_at, due_at, quiet) values ($id, $r, $s, $u, $e, $sev, "
                        "$own, $facts, $as_of, $now, $due, $quiet)",
                        {"id": next_id, "r": rule_id, "s": row["subject"], "u": row.get("org_unit_id"),
                         "e": row.get("employee_id"), "sev": severity, "own": ",".join(owners),
                         "facts": row.get("facts") if isinstance(row.get("facts"), str) else
                         json.dumps(row.get("facts") or {}, ensure_ascii=False, default=str),
                         "as_of": as_of, "now": now, "due": due, "quiet": quiet})
            if not quiet:
                created.append(next_id)
            next_id += 1
        if gone:
            cur.execute("update alerts set cleared_at = $now where list_contains($ids, alert_id)",
                        {"now": now, "ids": gone})
        _bump(cur)
        db.audit(cur, "alerts", "alerts_evaluated", rule_id, n_rows=len(created),
                 detail={"raised": len(created), "cleared": len(gone),
                         "starting_point": new_rows.height if quiet else 0})
    return created, len(gone)


# ── answering ────────────────────────────────────────────────────────────
def alert(db: Database, alert_id: int) -> dict:
    rows = db.sql("select * from alerts where alert_id = $id", id=alert_id)
    if rows.is_empty():
        raise AlertError(f"There is no alert {alert_id}.", "unknown")
    return rows.row(0, named=True)


def _answerable(db: Database, viewer: Viewer, alert_id: int) -> dict:
    row = alert(db, alert_id)
    tree = org_tree(db)
    if not covers(viewer, row["org_unit_id"], tree):
        raise AlertError(f"Alert {alert_id} is outside {viewer.user}'s scope.", "scope")
    if not may_answer(viewer, row, tree):
        raise AlertError(f"Alert {alert_id} is answered by {row['owner_roles']}; {viewer.user} is not one.",
                         "not_owner")
    if row["resolved_at"] is not None:
        raise AlertError(f"Alert {alert_id} is resolved already.", "already_resolved")
    return row


def _checked_text(text: str | None, required: bool) -> str | None:
    text = (text or "").strip()
    if (required and not text) or len(text) > MAX_TEXT:
        raise AlertError(f"The text must be 1–{MAX_TEXT} characters.", "text")
    return text or None


def acknowledge(db: Database, viewer: Viewer, alert_id: int, now: dt.datetime, note: str | None = None) -> None:
    """The owner has seen it and takes it: the response clock stops."""
    row = _answerable(db, viewer, alert_id)
    if row["acknowledged_at"] is not None:
        raise AlertError(f"Alert {alert_id} was acknowledged already.", "already_acknowledged")
    note = _checked_text(note, False)
    with db.transaction(bump=False) as cur:
        cur.execute("update alerts set acknowledged_at = $now, acknowledged_by = $by where alert_id = $id",
                    {"now": now, "by": viewer.user, "id": alert_id})
        if note:
            _insert_action(cur, alert_id, viewer.user, note, now)
        _bump(cur)
        db.audit(cur, viewer.user, "alert_acknowledged", str(alert_id), detail={"rule": row["rule_id"]})


def _insert_action(cur: Any, alert_id: int, user: str, text: str, now: dt.datetime) -> None:
    cur.execute("insert into alert_actions values ($id, $a, $now, $by, $t)",
                {"id": _next_id(cur, "alert_actions", "action_id"), "a": alert_id, "now": now, "by": user, "t": text})


def add_action(db: Database, viewer: Viewer, alert_id: int, text: str, now: dt.datetime) -> None:
    """Record something done about the alert (the text is not in the audit log)."""
    row = _answerable(db, viewer, alert_id)
    text = _checked_text(text, True)
    with db.transaction(bump=False) as cur:
        _insert_action(cur, alert_id, viewer.user, text, now)
        _bump(cur)
        db.audit(cur, viewer.user, "alert_action", str(alert_id), detail={"rule": row["rule_id"]})


def resolve(db: Database, viewer: Viewer, alert_id: int, resolution: str, now: dt.datetime) -> None:
    """Close the alert with what was done; an alert not yet acknowledged is acknowledged at the same time."""
    row = _answerable(db, viewer, alert_id)
    resolution = _checked_text(resolution, True)
    with db.transaction(bump=False) as cur:
        cur.execute("update alerts set acknowledged_at = coalesce(acknowledged_at, $now), "
                    "acknowledged_by = coalesce(acknowledged_by, $by), resolved_at = $now, resolved_by = $by, "
                    "resolution = $text where alert_id = $id",
                    {"now": now, "by": viewer.user, "text": resolution, "id": alert_id})
        if row["rule_id"] == REQUEST_RULE:  # a request's episode ends when it is answered
            cur.execute("update alerts set cleared_at = $now where alert_id = $id", {"now": now, "id": alert_id})
        _bump(cur)
        db.audit(cur, viewer.user, "alert_resolved", str(alert_id), detail={"rule": row["rule_id"]})


def actions(db: Database, alert_ids: list[int]) -> pl.DataFrame:
    return db.sql("select * from alert_actions where list_contains($ids, alert_id) order by done_at, action_id",
                  ids=alert_ids)


# ── requests from Sales ──────────────────────────────────────────────────
def may_request(viewer: Viewer) -> bool:
    return bool(viewer.roles & {"sales_director", "admin"})


def file_request(db: Database, viewer: Viewer, kind: str, org_unit_id: str, text: str, due_at: dt.datetime,
                 now: dt.datetime, owners: tuple[str, ...] = ("hr_head",), severity: str = "urgent",
                 people: int | None = None, as_of: dt.date | None = None) -> int:
    """A sales director's urgent need for a team in scope, due at ``due_at``: stored and raised at once as an
    alert owned by ``owners`` (HR), whose response time runs to the due time. Returns the alert id."""
    if not may_request(viewer):
        raise AlertError(f"{viewer.user} may not file requests (sales directors do).", "not_director")
    if kind not in REQUEST_KINDS:
        raise AlertError(f"Request kind {kind!r} is not one of {', '.join(REQUEST_KINDS)}.", "kind")
    tree = org_tree(db)
    if org_unit_id not in tree:
        raise AlertError(f"There is no org unit {org_unit_id!r}.", "unit")
    if not covers(viewer, org_unit_id, tree):
        raise AlertError(f"{org_unit_id} is outside {viewer.user}'s scope.", "scope")
    text = _checked_text(text, True)
    if not now < due_at <= now + dt.timedelta(days=MAX_REQUEST_DAYS):
        raise AlertError(f"The due time must be after now and within {MAX_REQUEST_DAYS} days.", "due")
    if people is not None and not 1 <= people <= 1000:
        raise AlertError("The number of people short must be 1–1000.", "people")
    as_of = as_of or now.date()
    with db.transaction(bump=False) as cur:
        request_id = _next_id(cur, "alert_requests", "request_id")
        cur.execute("insert into alert_requests values ($id, $k, $u, $p, $t, $due, $by, $now)",
                    {"id": request_id, "k": kind, "u": org_unit_id, "p": people, "t": text, "due": due_at,
                     "by": viewer.user, "now": now})
        alert_id = _next_id(cur, "alerts", "alert_id")
        cur.execute("insert into alerts (alert_id, rule_id, subject, org_unit_id, employee_id, severity, owner_roles, "
                    "facts, as_of, raised_at, due_at) values ($id, $r, $s, $u, null, $sev, $own, $facts, $as_of, "
                    "$now, $due)",
                    {"id": alert_id, "r": REQUEST_RULE, "s": f"request:{request_id}", "u": org_unit_id,
                     "sev": severity, "own": ",".join(owners),
                     "facts": json.dumps({"request_id": request_id, "kind": kind, "people": people,
                                          "filed_by": viewer.user}),
                     "as_of": as_of, "now": now, "due": due_at})
        _bump(cur)
        db.audit(cur, viewer.user, "alert_request", str(alert_id), scope=org_unit_id,
                 detail={"kind": kind, "request": request_id})
    return alert_id


def requests(db: Database) -> pl.DataFrame:
    return db.sql("select * from alert_requests order by request_id")


def alerts_key(db: Database, now: dt.datetime | None = None) -> str:
    """What keys a cached view of alerts: the alerts written so far and the hour (response clocks run out)."""
    now = now or dt.datetime.now()
    return f"{alerts_version(db)}@{now:%Y-%m-%dT%H}"
