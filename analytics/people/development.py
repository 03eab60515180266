"""A person's development plan and career aim (成长档案), edited together by the director and HR on the person page.

Items are carried like meeting action items: open or in progress until done or dropped, each with an owner and a
due date; closing one stamps when. Who may edit: anyone who may open the person's page (person-level rights with
the person in scope, ``sql/queries/person_card.sql``). Every write is audited (no text in the audit entry: it may
be personal). These rows are not facts — no figure reads them — so a write keeps the data version.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database

STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")
OWNERS = ("hr_head", "sales_director", "manager", "person")
MAX_TEXT = 500
ERRORS = ("not_allowed", "empty", "too_long", "owner", "unknown", "status", "role", "year")  # DevelopmentError codes


class DevelopmentError(ValueError):
    """A refused edit; ``code`` names the reason (the page says it in the viewer's language)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def may_edit(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date) -> bool:
    """True when the viewer may open (and so edit) this person's page on ``as_of``."""
    if not viewer.person_level:
        return False
    return db.query("person_card", employee_id=int(employee_id), as_of=as_of, **viewer.sql_params()).height > 0


def _check(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date) -> None:
    if not may_edit(db, viewer, employee_id, as_of):
        raise DevelopmentError(f"{viewer.user} may not edit the plan of person {employee_id}.", "not_allowed")


def _clean(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DevelopmentError("An item needs a text.", "empty")
    if len(text) > MAX_TEXT:
        raise DevelopmentError(f"An item is at most {MAX_TEXT} characters.", "too_long")
    return text


def _exists(db: Database, table: str) -> bool:
    """A database written by an earlier Tandem and opened read-only has not been given the table yet."""
    return bool(db.scalar("select count(*) from duckdb_tables() where database_name = current_database() "
                          "and schema_name = 'main' and table_name = $t", t=table))


def items(db: Database, employee_id: int) -> pl.DataFrame:
    """The person's plan items: open ones first (by due date), then the closed ones, newest first."""
    if not _exists(db, "development_items"):
        return pl.DataFrame(schema={"item_id": pl.Int64, "text": pl.Utf8, "owner": pl.Utf8, "due_date": pl.Date,
                                    "status": pl.Utf8, "created_by": pl.Utf8, "created_at": pl.Datetime("us"),
                                    "closed_at": pl.Datetime("us")})
    return db.sql(
        "select item_id, text, owner, due_date, status, created_by, created_at, closed_at "
        "from development_items where employee_id = $e "
        "order by status not in ('open', 'in_progress'), "
        "case when status in ('open', 'in_progress') then due_date end nulls last, closed_at desc, item_id",
        e=int(employee_id))


def items_of(db: Database, employee_ids: list[int]) -> pl.DataFrame:
    """The plan items of these people (employee_id, then :func:`items`' columns), in one read."""
    if not _exists(db, "development_items") or not employee_ids:
        return pl.DataFrame(schema={"employee_id": pl.Int64, "item_id": pl.Int64, "text": pl.Utf8})
    return db.sql("select employee_id, item_id, text, owner, due_date, status, created_by, created_at, closed_at "
                  "from development_items where list_contains($ids, employee_id) order by employee_id, item_id",
                  ids=[int(e) for e in employee_ids])


def overdue(frame: pl.DataFrame, today: dt.date) -> pl.Series:
    """Per item: still open and past its due date on ``today``."""
    return (frame["status"].is_in(OPEN_STATUSES) & frame["due_date"].is_not_null()
            & (frame["due_date"] < today)).fill_null(False)


def add_item(db: Database, viewer: Viewer, employee_id: int, text: str, owner: str | None, due_date: dt.date | None,
             as_of: dt.date) -> int:
    """Add an open item to the person's plan; returns its id."""
    _check(db, viewer, employee_id, as_of)
    text = _clean(text)
    if owner is not None and owner not in OWNERS:
        raise DevelopmentError(f"Unknown owner {owner!r}; one of {', '.join(OWNERS)}.", "owner")
    with db.transaction(bump=False) as cur:
        item_id = int(cur.execute("select coalesce(max(item_id), 0) + 1 from development_items").fetchone()[0])
        cur.execute("insert into development_items values ($i, $e, $t, $o, $d, 'open', $by, $at, null)",
                    {"i": item_id, "e": int(employee_id), "t": text, "o": owner, "d": due_date, "by": viewer.user,
                     "at": dt.datetime.now()})
        db.audit(cur, viewer.user, "development_item_add", target=str(employee_id), detail={"item": item_id})
    return item_id


def update_item(db: Database, viewer: Viewer, item_id: int, as_of: dt.date, *, status: str | None = None,
                owner: str | None = None, due_date: dt.date | None = None) -> None:
    """Change an item's status, owner or due date (only those given). Done or dropped stamps the closing time;
    reopening clears it."""
    row = db.sql("select employee_id, status from development_items where item_id = $i", i=int(item_id))
    if row.is_empty():
        raise DevelopmentError(f"No plan item {item_id}.", "unknown")
    employee_id, before = row.row(0)
    _check(db, viewer, employee_id, as_of)
    if status is not None and status not in STATUSES:
        raise DevelopmentError(f"Unknown status {status!r}; one of {', '.join(STATUSES)}.", "status")
    if owner is not None and owner not in OWNERS:
        raise DevelopmentError(f"Unknown owner {owner!r}; one of {', '.join(OWNERS)}.", "owner")
    status = status or before
    closing = status not in OPEN_STATUSES
    with db.transaction(bump=False) as cur:
        cur.execute(
            "update development_items set status = $s, owner = coalesce($o, owner), "
            "due_date = coalesce($d, due_date), "
            "closed_at = case when $closing then coalesce(closed_at, $at) end where item_id = $i",
            {"s": status, "o": owner, "d": due_date, "closing": closing, "at": dt.datetime.now(), "i": int(item_id)})
        db.audit(cur, viewer.user, "development_item_update", target=str(employee_id),
                 detail={"item": int(item_id), "status": status})


def career_aim(db: Database, employee_id: int) -> dict[str, object] | None:
    """The person's career aim (target role, aim in words, by which year, who set it and when), or None."""
    if not _exists(db, "career_aims"):
        return None
    rows = db.sql("select target_role_id, aim, by_year, updated_by, updated_at from career_aims where employee_id = $e",
                  e=int(employee_id))
    return rows.row(0, named=True) if rows.height else None


def set_career_aim(db: Database, viewer: Viewer, employee_id: int, target_role_id: str | None, aim: str,
                   by_year: int | None, as_of: dt.date) -> None:
    """Set (or replace) the person's career aim."""
    _check(db, viewer, employee_id, as_of)
    aim = " ".join((aim or "").split())
    if len(aim) > MAX_TEXT:
        raise DevelopmentError(f"An aim is at most {MAX_TEXT} characters.", "too_long")
    if target_role_id is not None and not db.scalar("select count(*) from roles where role_id = $r",
                                                    r=target_role_id):
        raise DevelopmentError(f"Unknown role {target_role_id!r}.", "role")
    if by_year is not None and not as_of.year <= by_year <= as_of.year + 10:
        raise DevelopmentError(f"A year from {as_of.year} to {as_of.year + 10}.", "year")
    with db.transaction(bump=False) as cur:
        cur.execute("insert or replace into career_aims values ($e, $r, $a, $y, $by, $at)",
                    {"e": int(employee_id), "r": target_role_id, "a": aim or None, "y": by_year, "by": viewer.user,
                     "at": dt.datetime.now()})
        db.audit(cur, viewer.user, "career_aim_set", target=str(employee_id), detail={"role": target_role_id})
