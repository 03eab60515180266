"""Which action items a meeting carries: the open ones of the meetings before it in the same scope, of any kind.

A meeting is kind × period × scope. The meetings *before* one are those of the same scope whose period ends
no later than its own (the September monthly and the Q3 quarterly both come before the October monthly; the
December monthly comes before the Q4 quarterly). An item can be carried along several meetings: every copy
points at the one it was copied from (``carried_from``), so each item has a root, the item first written.
For each root, the copy in the latest earlier meeting (by period end, then id) says where the item stands;
the item is carried when that copy is still open or in progress. A quarterly meeting's items thus reach the
next monthly one, and an item closed in a monthly meeting does not come back from an older quarterly one.
"""
from __future__ import annotations

from typing import Any

from analytics.core.periods import PeriodError, parse_period
from analytics.core.settings import load_settings

OPEN_STATUSES = ("open", "in_progress")


def scope_id(scope: str) -> tuple[str, bool]:
    """(org units, person-level) of a stored scope (``Viewer.scope_key``); the demo's 'all' is full access."""
    if scope == "all":
        return ("*", True)
    parts = scope.split("|")
    if len(parts) < 3:
        return (scope, False)
    return (parts[1], "person" in parts[2].split(","))


def _end(label: str, fy_start: int):
    try:
        return parse_period(label, fy_start).end
    except PeriodError:
        return None


def earlier_meetings(cur: Any, kind: str | None, period: str | None, scope: str) -> list[tuple[int, str, str]]:
    """(review id, kind, period) of the meetings before kind × period in ``scope``, oldest first; with
    ``period`` None, every meeting of the scope (what a meeting after all of them would follow)."""
    fy_start = load_settings().fiscal_year_start
    own = scope_id(scope)
    end = None if period is None else _end(period, fy_start)
    rows = cur.execute("select review_id, kind, period, scope from reviews").fetchall()
    found = []
    for review_id, k, p, sc in rows:
        their_end = _end(p, fy_start)
        if scope_id(sc) != own or their_end is None or (k == kind and p == period):
            continue
        if end is None or their_end <= end:
            found.append((their_end, review_id, k, p))
    return [(rid, k, p) for _, rid, k, p in sorted(found)]


def _roots(cur: Any) -> dict[int, int]:
    """item id → the id of the item it was first written as (following ``carried_from``)."""
    parent = dict(cur.execute("select item_id, carried_from from action_items").fetchall())
    roots: dict[int, int] = {}
    for item in parent:
        seen, node = [], item
        while parent.get(node) is not None and node not in seen:
            seen.append(node)
            node = parent[node]
        roots[item] = node
    return roots


def latest_copies(cur: Any, meetings: list[int]) -> list[tuple[int, str]]:
    """(item id, status) of the newest copy of every item written in ``meetings`` (oldest meeting first)."""
    if not meetings:
        return []
    roots = _roots(cur)
    rank = {rid: i for i, rid in enumerate(meetings)}
    rows = cur.execute("select item_id, review_id, status from action_items where review_id in "
                       f"({', '.join('?' * len(meetings))}) order by item_id", meetings).fetchall()
    newest: dict[int, tuple[int, int, str]] = {}
    for item, review_id, status in rows:
        root = roots.get(item, item)
        key = (rank[review_id], item)
        if root not in newest or key > newest[root][:2]:
            newest[root] = (*key, status)
    return sorted((item, status) for _, item, status in newest.values())


def items_to_carry(cur: Any, kind: str | None, period: str | None, scope: str) -> tuple[list[int], int | None]:
    """(ids of the items a new meeting kind × period carries, the latest earlier meeting's id or None)."""
    meetings = [rid for rid, _, _ in earlier_meetings(cur, kind, period, scope)]
    carried = [item for item, status in latest_copies(cur, meetings) if status in OPEN_STATUSES]
    return carried, (meetings[-1] if meetings else None)
