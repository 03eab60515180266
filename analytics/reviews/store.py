"""Reviews that remember: a saved review freezes its as-of date, scope and everything it showed, and its
action items are carried into the next meeting of the same kind until they are closed.

- ``save_review`` writes the Review into ``reviews.snapshot`` (JSON: figures as plotly JSON, tables as
  records with their dtypes, the numbers) and copies the open items of the previous review of the same
  kind and scope into the new one (``carried_from`` points at the item copied; the old rows keep their
  history). ``load_review`` rebuilds it exactly, whatever data arrived since.
- A review is listed only for viewers with the same scope (the same org units and the same person-level
  right; the user name is not part of it, so the HR head and the sales director share their meetings) or
  with full access (the whole company, person-level).
- Every write is one transaction with an audit entry; no personal values go into the audit detail.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import plotly.io as pio
import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.reviews.model import KINDS, Item, Review, ReviewError

STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")
SNAPSHOT_FORMAT = 1
MAX_TEXT = 1000

# ── scope ────────────────────────────────────────────────────────────────
# A review shows org-unit aggregates and, to person-level viewers, names; it never shows pay. So its scope
# is (org units, person-level or not): the HR head and the sales director, both company-wide with
# person-level rights, share their meetings; the user name and pay rights play no part.
_FULL = ("*", True)


def scope_id(scope: str) -> tuple[str, bool]:
    """(org units, person-level) of a stored scope (``Viewer.scope_key``); the demo's 'all' is full access."""
    if scope == "all":
        return _FULL
    parts = scope.split("|")
    if len(parts) < 3:
        return (scope, False)
    return (parts[1], "person" in parts[2].split(","))


def _full_access(viewer: Viewer) -> bool:
    return viewer.org_units is None and viewer.person_level


def visible(viewer: Viewer, scope: str) -> bool:
    """True when ``viewer`` may open a review saved with ``scope``: the same scope, or full access."""
    return _full_access(viewer) or scope_id(scope) == scope_id(viewer.scope_key)


# ── snapshot (de)serialisation ───────────────────────────────────────────
def _encode_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_encode_value(v) for v in value]
    return value


def _simple_dtype(name: str) -> pl.DataType | None:
    if name.startswith("Datetime"):
        unit = "ns" if "'ns'" in name else "ms" if "'ms'" in name else "us"
        return pl.Datetime(unit)
    if name.startswith("List(") and name.endswith(")"):
        inner = _simple_dtype(name[5:-1])
        return pl.List(inner) if inner is not None else None
    return {"Int8": pl.Int8, "Int16": pl.Int16, "Int32": pl.Int32, "Int64": pl.Int64, "UInt8": pl.UInt8,
            "UInt16": pl.UInt16, "UInt32": pl.UInt32, "UInt64": pl.UInt64, "Float32": pl.Float32,
            "Float64": pl.Float64, "String": pl.String, "Boolean": pl.Boolean, "Date": pl.Date, "Time": pl.Time,
            "Null": pl.Null}.get(name)


def table_to_json(frame: pl.DataFrame) -> dict[str, Any]:
    """Columns with their dtypes and the rows as records; types outside the simple set are kept as text."""
    columns, converted = [], []
    for name, dtype in frame.schema.items():
        kept = _simple_dtype(str(dtype)) is not None
        columns.append({"name": name, "dtype": str(dtype) if kept else "String"})
        converted.append(pl.col(name) if kept else pl.col(name).cast(pl.Utf8, strict=False))
    data = frame.select(converted)
    return {"columns": columns,
            "records": [{k: _encode_value(v) for k, v in row.items()} for row in data.iter_rows(named=True)]}


def _decode(value: object, dtype: pl.DataType) -> object:
    if value is None:
        return None
    if isinstance(dtype, pl.List):
        return [_decode(v, dtype.inner) for v in value]
    if dtype == pl.Date:
        return dt.date.fromisoformat(value)
    if isinstance(dtype, pl.Datetime):
        return dt.datetime.fromisoformat(value)
    if dtype == pl.Time:
        return dt.time.fromisoformat(value)
    if dtype.is_float() and isinstance(value, str):
        return float(value)
    return value


def table_from_json(obj: dict[str, Any]) -> pl.DataFrame:
    series = []
    for col in obj["columns"]:
        dtype = _simple_dtype(col["dtype"]) or pl.String
        values = [_decode(r.get(col["name"]), dtype) for r in obj["records"]]
        series.append(pl.Series(col["name"], values, dtype=dtype))
    return pl.DataFrame(series)


def review_to_json(review: Review) -> str:
    """The whole review as one JSON document (what ``reviews.snapshot`` holds)."""
    items = [{
        "id": it.id, "title": it.title, "takeaway": it.takeaway, "definition": it.definition,
        "figure": json.loads(it.figure.to_json()) if it.figure is not None else None,
        "table": table_to_json(it.table) if it.table is not None else None,
        "numbers": {k: _encode_value(v) for k, v in it.numbers.items()},
        "table_units": dict(it.table_units),
    } for it in review.items]
    doc = {"format": SNAPSHOT_FORMAT, "kind": review.kind, "period": review.period,
           "as_of": review.as_of.isoformat(), "scope": review.scope, "scope_label": review.scope_label,
           "lang": review.lang, "title": review.title, "data_version": review.data_version, "items": items}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _number(value: object) -> object:
    return float(value) if value in ("NaN", "Infinity", "-Infinity") else value


def review_from_json(text: str, **row: Any) -> Review:
    doc = json.loads(text) if text else {}
    items = [Item(
        id=i["id"], title=i["title"], takeaway=i["takeaway"], definition=i["definition"],
        figure=pio.from_json(json.dumps(i["figure"])) if i.get("figure") is not None else None,
        table=table_from_json(i["table"]) if i.get("table") is not None else None,
        numbers={k: _number(v) for k, v in (i.get("numbers") or {}).items()},
        table_units=dict(i.get("table_units") or {}),
    ) for i in doc.get("items", [])]
    as_of = doc.get("as_of")
    return Review(
        kind=doc.get("kind", row.get("kind")), period=doc.get("period", row.get("period")),
        as_of=dt.date.fromisoformat(as_of) if as_of else row.get("as_of"),
        scope=doc.get("scope", row.get("scope")), lang=doc.get("lang", "en"),
        title=doc.get("title") or row.get("title") or "", items=items, scope_label=doc.get("scope_label", ""),
        data_version=doc.get("data_version"), review_id=row.get("review_id"), created_by=row.get("created_by"),
        created_at=row.get("created_at"))


# ── reviews ──────────────────────────────────────────────────────────────
def _previous_id(cur: Any, kind: str, scope: str) -> int | None:
    """Id of the most recently saved review of ``kind`` in the same scope."""
    rows = cur.execute("select review_id, scope from reviews where kind = $k order by review_id desc",
                       {"k": kind}).fetchall()
    return next((rid for rid, sc in rows if scope_id(sc) == scope_id(scope)), None)


def save_review(db: Database, review: Review, actor: str) -> int:
    """Freeze ``review`` (as-of date, scope, everything shown) and carry the open action items of the previous
    review of the same kind and scope into it; returns the new review id."""
    if review.kind not in KINDS:
        raise ReviewError(f"Unknown review kind {review.kind!r}; choose monthly or quarterly.")
    snapshot = review_to_json(review)
    now = dt.datetime.now()
    with db.transaction() as cur:
        previous = _previous_id(cur, review.kind, review.scope)
        review_id = int(cur.execute("select coalesce(max(review_id), 0) + 1 from reviews").fetchall()[0][0])
        cur.execute("insert into reviews values ($id, $kind, $period, $as_of, $scope, $title, $snapshot, $actor, $at)",
                    {"id": review_id, "kind": review.kind, "period": review.period, "as_of": review.as_of,
                     "scope": review.scope, "title": review.title, "snapshot": snapshot, "actor": actor, "at": now})
        carried = 0
        if previous is not None:
            carried = len(cur.execute(
                "insert into action_items "
                "select (select coalesce(max(item_id), 0) from action_items) + row_number() over (order by item_id), "
                "$new, text, owner, due_date, status, $at, null, item_id from action_items "
                "where review_id = $old and status in ('open', 'in_progress') returning item_id",
                {"new": review_id, "old": previous, "at": now}).fetchall())
        db.audit(cur, actor, "review_save", target=f"review {review_id}", scope=review.scope,
                 n_rows=len(review.items), detail={"kind": review.kind, "period": review.period,
                                                   "as_of": review.as_of.isoformat(), "carried_items": carried,
                                                   "carried_from_review": previous})
    return review_id


def load_review(db: Database, review_id: int, viewer: Viewer | None = None) -> Review:
    """The review exactly as saved (figures, tables, numbers), whatever data arrived since. With ``viewer``,
    a review of another scope is refused."""
    rows = db.sql("select review_id, kind, period, as_of, scope, title, snapshot::varchar as snapshot, created_by, "
                  "created_at from reviews where review_id = $id", id=review_id).to_dicts()
    if not rows:
        raise ReviewError(f"There is no saved review {review_id}.")
    row = rows[0]
    if viewer is not None and not visible(viewer, row["scope"]):
        raise ReviewError(f"Review {review_id} was saved for another scope; it is not shown to {viewer.user}.")
    snapshot = row.pop("snapshot")
    return review_from_json(snapshot, **row)


def list_reviews(db: Database, viewer: Viewer, kind: str | None = None) -> pl.DataFrame:
    """Saved reviews the viewer may open, newest first, with their count of open action items."""
    frame = db.sql(
        "select r.review_id, r.kind, r.period, r.as_of, r.title, r.scope, r.created_by, r.created_at, "
        "count(a.item_id) filter (where a.status in ('open', 'in_progress')) as open_items "
        "from reviews as r left join action_items as a using (review_id) "
        "where $any_kind or r.kind = $kind group by all order by r.created_at desc, r.review_id desc",
        any_kind=kind is None, kind=kind or "")
    keep = [visible(viewer, s) for s in frame["scope"].to_list()]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))


def previous_review(db: Database, viewer: Viewer, kind: str, before: str | None = None) -> dict | None:
    """The latest saved review of ``kind`` in the viewer's own scope (period label before ``before``)."""
    frame = db.sql("select review_id, period, scope, as_of, title from reviews where kind = $k "
                   "order by period desc, review_id desc", k=kind)
    for row in frame.iter_rows(named=True):
        if scope_id(row["scope"]) == scope_id(viewer.scope_key) and (before is None or row["period"] < before):
            return row
    return None


# ── action items ─────────────────────────────────────────────────────────
def action_items(db: Database, review_id: int) -> pl.DataFrame:
    """The action items stored with one review (carried ones included), oldest first."""
    return db.sql("select item_id, review_id, text, owner, due_date, status, created_at, closed_at, carried_from "
                  "from action_items where review_id = $id order by item_id", id=review_id)


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
        raise ReviewError(f"Due date {value!r} is not a date; write YYYY-MM-DD, e.g. 2026-01-31.") from None


def add_action_item(db: Database, review_id: int, text: str, owner: str | None, due_date: object,
                    actor: str) -> int:
    """Add an open action item to a saved review; returns its id."""
    text = (text or "").strip()
    if not text:
        raise ReviewError("An action item needs a text saying what is to be done.")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"An action item's text is limited to {MAX_TEXT} characters (this one has {len(text)}).")
    due = _date(due_date)
    with db.transaction() as cur:
        found = cur.execute("select scope from reviews where review_id = $id", {"id": review_id}).fetchall()
        if not found:
            raise ReviewError(f"There is no saved review {review_id} to add the action item to.")
        item_id = int(cur.execute("select coalesce(max(item_id), 0) + 1 from action_items").fetchall()[0][0])
        cur.execute("insert into action_items values ($id, $review, $text, $owner, $due, 'open', $at, null, null)",
                    {"id": item_id, "review": review_id, "text": text, "owner": (owner or "").strip() or None,
                     "due": due, "at": dt.datetime.now()})
        db.audit(cur, actor, "action_item_add", target=f"review {review_id}", scope=found[0][0], n_rows=1,
                 detail={"item_id": item_id})
    return item_id


def update_action_item(db: Database, item_id: int, status: str, actor: str) -> None:
    """Set an item's status; done and dropped close it (closed_at set), which stops its carrying."""
    if status not in STATUSES:
        raise ReviewError(f"Status {status!r} is not one of {', '.join(STATUSES)}.")
    with db.transaction() as cur:
        found = cur.execute("select status, review_id from action_items where item_id = $id",
                            {"id": item_id}).fetchall()
        if not found:
            raise ReviewError(f"There is no action item {item_id}.")
        closed = dt.datetime.now() if status not in OPEN_STATUSES else None
        cur.execute("update action_items set status = $s, closed_at = $c where item_id = $id",
                    {"s": status, "c": closed, "id": item_id})
        db.audit(cur, actor, "action_item_update", target=f"item {item_id}", n_rows=1,
                 detail={"review_id": found[0][1], "from": found[0][0], "to": status})


def open_items_for_next(db: Database, kind: str, viewer: Viewer) -> pl.DataFrame:
    """The items still open or in progress at the latest review of ``kind`` in the viewer's scope: what the
    next meeting starts from (and what ``save_review`` will carry into it)."""
    if kind not in KINDS:
        raise ReviewError(f"Unknown review kind {kind!r}; choose monthly or quarterly.")
    last = _previous_id(db.cursor(), kind, viewer.scope_key)
    if last is None:
        return action_items(db, -1)
    return action_items(db, last).filter(pl.col("status").is_in(OPEN_STATUSES))

