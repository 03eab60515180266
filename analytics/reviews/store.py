"""Reviews that remember. A meeting is kind × period × scope, and it has one row in ``reviews``:

- the row is created when the meeting is frozen (``save_review``) or when its first action item is written in
  the live review (``open_meeting``: a meeting record without a snapshot, no numbers frozen). Either way the
  items still open at the meetings before it in the same scope, of either kind, are copied into it then
  (``analytics.reviews.carry``; ``carried_from`` points at the item copied; the old rows keep their history).
- freezing writes the Review into ``reviews.snapshot`` (see ``snapshot``); ``load_review`` rebuilds it exactly,
  whatever data arrived since. Saving a meeting that is frozen already changes nothing and returns its id;
  only ``refreeze=True`` (the page's "freeze again") replaces the snapshot, audited as ``review_refreeze``.
  The rule is checked inside the writing transaction, and ids come from ``max + 1`` in it, so two saves at
  once cannot both insert.
- a review is listed only for viewers with the same scope (the same org units and the same person-level
  right; the user name is not part of it, so the HR head and the sales director share their meetings) or
  with full access (the whole company, person-level). Action items are written only by viewers whose scope
  covers the meeting's (``may_write``).
- every write is one transaction with an audit entry; no personal values and no item text in the detail.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.reviews.carry import OPEN_STATUSES, earlier_meetings, items_to_carry, latest_copies, scope_id
from analytics.reviews.goals import _in_scope, _org_tree  # a unit inside the viewer's, walking up the org tree
from analytics.reviews.model import KINDS, Review, ReviewError
from analytics.reviews.snapshot import SNAPSHOT_FORMAT, review_from_json, review_to_json, table_from_json, table_to_json

__all__ = ["MAX_TEXT", "OPEN_STATUSES", "SNAPSHOT_FORMAT", "STATUSES", "action_items", "add_action_item",
           "carried_items", "find_meeting", "item_in_meeting", "list_reviews", "load_review", "may_write",
           "meeting_items", "meetings_version", "open_items_for_next", "open_meeting", "previous_review",
           "review_from_json", "review_to_json", "save_review", "scope_id", "table_from_json", "table_to_json",
           "update_action_item", "visible"]

STATUSES = ("open", "in_progress", "done", "dropped")
MAX_TEXT = 1000
_FROZEN = "json_extract(snapshot, '$.items') is not null"  # a meeting record or the old demo marker: not frozen

# ── scope ────────────────────────────────────────────────────────────────
# A review shows org-unit aggregates and, to person-level viewers, names; it never shows pay. So its scope
# is (org units, person-level or not): the HR head and the sales director, both company-wide with
# person-level rights, share their meetings; the user name and pay rights play no part.
def _full_access(viewer: Viewer) -> bool:
    return viewer.org_units is None and viewer.person_level


def visible(viewer: Viewer, scope: str) -> bool:
    """True when ``viewer`` may open a review saved with ``scope``: the same scope, or full access."""
    return _full_access(viewer) or scope_id(scope) == scope_id(viewer.scope_key)


def may_write(db: Database, viewer: Viewer, scope: str) -> bool:
    """True when ``viewer``'s scope covers a meeting of ``scope``: every org unit of the meeting lies in one of
    the viewer's, and the viewer sees people when the meeting does. A director does not write into another
    region's meeting, nor into the company's."""
    units, person = scope_id(scope)
    if (person and not viewer.person_level) or viewer.sees_nothing:
        return False
    if viewer.org_units is None:
        return True
    if units == "*":
        return False
    tree = _org_tree(db)
    return all(_in_scope(viewer, u, tree) for u in units.split(",") if u)


def _bump_meetings(cur: Any) -> None:
    cur.execute("insert or replace into meta select 'meetings_version', cast(coalesce(max(cast(value as bigint)), 0) "
                "+ 1 as varchar) from meta where key = 'meetings_version'")


def meetings_version(db: Database) -> int:
    """A counter every write to meetings and action items moves (they change no fact, so ``data_version`` stays):
    part of the key of a cached live review, whose action items come from them."""
    return int(db.meta("meetings_version") or 0)


# ── meetings ─────────────────────────────────────────────────────────────
def _find(cur: Any, kind: str, period: str, scope: str) -> tuple[int, bool] | None:
    """(review id, frozen) of the meeting kind × period × scope, or None."""
    rows = cur.execute(f"select review_id, scope, {_FROZEN} from reviews where kind = $k and period = $p "
                       "order by review_id", {"k": kind, "p": period}).fetchall()
    return next(((rid, bool(frozen)) for rid, sc, frozen in rows if scope_id(sc) == scope_id(scope)), None)


def find_meeting(db: Database, kind: str, period: str, scope: str) -> dict | None:
    """The stored meeting kind × period × scope (``scope`` a viewer's scope key) with ``frozen``, or None."""
    found = _find(db.cursor(), kind, period, scope)
    if found is None:
        return None
    row = db.sql("select review_id, as_of, created_by, created_at from reviews where review_id = $id",
                 id=found[0]).row(0, named=True)
    return {**row, "frozen": found[1]}


def _create(cur: Any, kind: str, period: str, as_of: dt.date, scope: str, title: str, snapshot: str | None,
            actor: str, now: dt.datetime) -> tuple[int, int, int | None]:
    """Insert the meeting and carry the open items of the meetings before it: (id, carried, previous id)."""
    to_carry, previous = items_to_carry(cur, kind, period, scope)
    review_id = int(cur.execute("select coalesce(max(review_id), 0) + 1 from reviews").fetchall()[0][0])
    cur.execute("insert into reviews values ($id, $kind, $period, $as_of, $scope, $title, $snapshot, $actor, $at)",
                {"id": review_id, "kind": kind, "period": period, "as_of": as_of, "scope": scope, "title": title,
                 "snapshot": snapshot, "actor": actor, "at": now})
    carried = 0
    if to_carry:
        carried = len(cur.execute(
            "insert into action_items "
            "select (select coalesce(max(item_id), 0) from action_items) + row_number() over (order by item_id), "
            "$new, text, owner, due_date, status, $at, null, item_id from action_items "
            "where list_contains($items, item_id) returning item_id",
            {"new": review_id, "items": to_carry, "at": now}).fetchall())
    return review_id, carried, previous


def _retrying(write):
    """Run a write; when another session inserted the same ids at the same moment, run it once more (it then
    finds that session's meeting)."""
    try:
        return write()
    except (duckdb.ConstraintException, duckdb.TransactionException):
        return write()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ReviewError("unknown_kind", kind=repr(kind))


def save_review(db: Database, review: Review, actor: str, refreeze: bool = False) -> int:
    """Freeze ``review`` as its meeting (kind × period × scope) and return the meeting's id.

    A new meeting carries the open items of the previous one of the same kind and scope; a meeting record
    opened for its action items is frozen in place. A meeting frozen already is left as it is (saving twice
    never makes a second one) unless ``refreeze``: then its snapshot is replaced, audited as ``review_refreeze``.
    """
    _check_kind(review.kind)
    snapshot = review_to_json(review)
    found = _find(db.cursor(), review.kind, review.period, review.scope)
    if found is not None and found[1] and not refreeze:
        return found[0]

    def write() -> int:
        now = dt.datetime.now()
        with db.transaction(bump=False) as cur:
            _bump_meetings(cur)  # meetings change no fact: their own version, not data_version
            found = _find(cur, review.kind, review.period, review.scope)
            detail: dict[str, object] = {"kind": review.kind, "period": review.period,
                                         "as_of": review.as_of.isoformat()}
            if found is None:
                review_id, carried, previous = _create(cur, review.kind, review.period, review.as_of, review.scope,
                                                       review.title, snapshot, actor, now)
                action, detail = "review_save", {**detail, "carried_items": carried, "carried_from_review": previous}
            elif found[1] and not refreeze:
                return found[0]
            else:
                review_id = found[0]
                old = cur.execute("select as_of, created_by, created_at from reviews where review_id = $id",
                                  {"id": review_id}).fetchall()[0]
                cur.execute("update reviews set as_of = $as_of, title = $title, snapshot = $snapshot, "
                            "created_by = $actor, created_at = $at where review_id = $id",
                            {"as_of": review.as_of, "title": review.title, "snapshot": snapshot, "actor": actor,
                             "at": now, "id": review_id})
                action = "review_refreeze" if found[1] else "review_save"
                detail = {**detail, **({"replaced_as_of": old[0].isoformat(), "replaced_by": old[1],
                                        "replaced_at": old[2].isoformat()} if found[1] else {"meeting_record": True})}
            db.audit(cur, actor, action, target=f"review {review_id}", scope=review.scope, n_rows=len(review.items),
                     detail=detail)
        return review_id

    return _retrying(write)


def open_meeting(db: Database, kind: str, period: str, as_of: dt.date, viewer: Viewer, title: str,
                 actor: str) -> int:
    """The id of the viewer's meeting kind × period, creating its record (no snapshot: nothing frozen, the
    previous meeting's open items carried into it) when there is none yet. For action items in a live review."""
    _check_kind(kind)
    found = _find(db.cursor(), kind, period, viewer.scope_key)
    if found is not None:
        return found[0]

    def write() -> int:
        with db.transaction(bump=False) as cur:
            _bump_meetings(cur)  # meetings change no fact: their own version, not data_version
            again = _find(cur, kind, period, viewer.scope_key)
            if again is not None:
                return again[0]
            review_id, carried, previous = _create(cur, kind, period, as_of, viewer.scope_key, title, None, actor,
                                                   dt.datetime.now())
            db.audit(cur, actor, "meeting_open", target=f"review {review_id}", scope=viewer.scope_key, n_rows=0,
                     detail={"kind": kind, "period": period, "carried_items": carried, "carried_from_review": previous})
        return review_id

    return _retrying(write)


def load_review(db: Database, review_id: int, viewer: Viewer | None = None) -> Review:
    """The review exactly as saved (figures, tables, numbers), whatever data arrived since. With ``viewer``,
    a review of another scope is refused."""
    rows = db.sql("select review_id, kind, period, as_of, scope, title, snapshot::varchar as snapshot, created_by, "
                  f"created_at, {_FROZEN} as frozen from reviews where review_id = $id", id=review_id).to_dicts()
    if not rows:
        raise ReviewError("no_review", review=review_id)
    row = rows[0]
    if viewer is not None and not visible(viewer, row["scope"]):
        raise ReviewError("other_scope", review=review_id, user=viewer.user)
    if not row.pop("frozen"):
        raise ReviewError("not_frozen", review=review_id, period=row["period"])
    snapshot = row.pop("snapshot")
    return review_from_json(snapshot, **row)


def list_reviews(db: Database, viewer: Viewer, kind: str | None = None) -> pl.DataFrame:
    """Frozen reviews the viewer may open, newest first, with their scope and count of open action items."""
    frame = db.sql(
        "select r.review_id, r.kind, r.period, r.as_of, r.title, r.scope, r.created_by, r.created_at, "
        "count(a.item_id) filter (where a.status in ('open', 'in_progress')) as open_items "
        "from reviews as r left join action_items as a using (review_id) "
        f"where ($any_kind or r.kind = $kind) and {_FROZEN.replace('snapshot', 'r.snapshot')} "
        "group by all order by r.created_at desc, r.review_id desc",
        any_kind=kind is None, kind=kind or "")
    keep = [visible(viewer, s) for s in frame["scope"].to_list()]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))


def previous_review(db: Database, viewer: Viewer, kind: str, before: str | None = None) -> dict | None:
    """The latest meeting before kind × ``before`` in the viewer's own scope, of either kind (with ``before``
    None, the latest of all), frozen or a meeting record holding action items."""
    earlier = earlier_meetings(db.cursor(), kind, before, viewer.scope_key)
    if not earlier:
        return None
    return db.sql("select review_id, kind, period, scope, as_of, title from reviews where review_id = $id",
                  id=earlier[-1][0]).row(0, named=True)


def carried_items(db: Database, kind: str, period: str | None, viewer: Viewer, open_only: bool = True
                  ) -> pl.DataFrame:
    """The newest copy of every action item of the meetings before kind × ``period`` in the viewer's scope
    (only those still open or in progress unless ``open_only`` is False; then the items of the latest
    meeting of each kind before it, whatever their status): what that meeting follows up."""
    cur = db.cursor()
    meetings = earlier_meetings(cur, kind, period, viewer.scope_key)
    if not open_only:
        latest = {k: rid for rid, k, _ in meetings}  # the latest earlier meeting of each kind
        meetings = [m for m in meetings if m[0] in latest.values()]
    copies = latest_copies(cur, [rid for rid, _, _ in meetings])
    wanted = [item for item, status in copies if status in OPEN_STATUSES or not open_only]
    return db.sql("select item_id, review_id, text, owner, due_date, status, created_at, closed_at, carried_from "
                  "from action_items where list_contains($items, item_id) order by item_id", items=wanted)


# ── action items ─────────────────────────────────────────────────────────
def action_items(db: Database, review_id: int) -> pl.DataFrame:
    """The action items stored with one review (carried ones included), oldest first."""
    return db.sql("select item_id, review_id, text, owner, due_date, status, created_at, closed_at, carried_from "
                  "from action_items where review_id = $id order by item_id", id=review_id)


def meeting_items(db: Database, kind: str, period: str, viewer: Viewer) -> tuple[int | None, pl.DataFrame]:
    """The viewer's meeting kind × period and its action items; before the meeting has a record, (None, the
    items still open at the meetings before it: what the record will carry)."""
    _check_kind(kind)
    found = _find(db.cursor(), kind, period, viewer.scope_key)
    if found is not None:
        return found[0], action_items(db, found[0])
    return None, carried_items(db, kind, period, viewer)


def item_in_meeting(db: Database, review_id: int, item_id: int) -> int:
    """``item_id`` when it belongs to the meeting, else the meeting's copy carried from it."""
    rows = db.cursor().execute("select item_id from action_items where review_id = $r and (item_id = $i or "
                               "carried_from = $i) order by item_id = $i desc", {"r": review_id, "i": item_id}
                               ).fetchall()
    if not rows:
        raise ReviewError("item_elsewhere", item=item_id, review=review_id)
    return int(rows[0][0])


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ReviewError("bad_due_date", value=repr(value)) from None


def _refuse(db: Database, viewer: Viewer | None, scope: str, what: str) -> None:
    """``what``: the ReviewError key saying what was refused (may_not_add, may_not_change)."""
    if viewer is not None and not may_write(db, viewer, scope):
        raise ReviewError(what, user=viewer.user)


def add_action_item(db: Database, review_id: int, text: str, owner: str | None, due_date: object,
                    actor: str, viewer: Viewer | None = None) -> int:
    """Add an open action item to a meeting (frozen or not); returns its id. With ``viewer``, refused unless
    the viewer's scope covers the meeting's."""
    text = (text or "").strip()
    if not text:
        raise ReviewError("no_text")
    if len(text) > MAX_TEXT:
        raise ReviewError("text_too_long", limit=MAX_TEXT, n=len(text))
    due = _date(due_date)
    found = db.cursor().execute("select scope from reviews where review_id = $id", {"id": review_id}).fetchall()
    if not found:
        raise ReviewError("no_review_for_item", review=review_id)
    _refuse(db, viewer, found[0][0], "may_not_add")
    with db.transaction(bump=False) as cur:
        _bump_meetings(cur)  # meetings change no fact: their own version, not data_version
        item_id = int(cur.execute("select coalesce(max(item_id), 0) + 1 from action_items").fetchall()[0][0])
        cur.execute("insert into action_items values ($id, $review, $text, $owner, $due, 'open', $at, null, null)",
                    {"id": item_id, "review": review_id, "text": text, "owner": (owner or "").strip() or None,
                     "due": due, "at": dt.datetime.now()})
        db.audit(cur, actor, "action_item_add", target=f"review {review_id}", scope=found[0][0], n_rows=1,
                 detail={"item_id": item_id})
    return item_id


def update_action_item(db: Database, item_id: int, status: str, actor: str, viewer: Viewer | None = None) -> None:
    """Set an item's status; done and dropped close it (closed_at set), which stops its carrying. With
    ``viewer``, refused unless the viewer's scope covers the item's meeting."""
    if status not in STATUSES:
        raise ReviewError("bad_status", status=repr(status), statuses=", ".join(STATUSES))
    found = db.cursor().execute("select a.status, a.review_id, r.scope from action_items as a left join reviews "
                                "as r using (review_id) where a.item_id = $id", {"id": item_id}).fetchall()
    if not found:
        raise ReviewError("no_action_item", item=item_id)
    _refuse(db, viewer, found[0][2] or "", "may_not_change")
    with db.transaction(bump=False) as cur:
        _bump_meetings(cur)  # meetings change no fact: their own version, not data_version
        closed = dt.datetime.now() if status not in OPEN_STATUSES else None
        cur.execute("update action_items set status = $s, closed_at = $c where item_id = $id",
                    {"s": status, "c": closed, "id": item_id})
        db.audit(cur, actor, "action_item_update", target=f"item {item_id}", n_rows=1,
                 detail={"review_id": found[0][1], "from": found[0][0], "to": status})


def open_items_for_next(db: Database, kind: str, viewer: Viewer) -> pl.DataFrame:
    """The items still open or in progress at the meetings in the viewer's scope: what the next meeting
    starts from (and what its record will carry)."""
    _check_kind(kind)
    return carried_items(db, kind, None, viewer)
