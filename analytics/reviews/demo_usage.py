"""The demo company's use of the app, played back: a few months of sign-ins, page visits and exports by the demo
accounts, and a few feedback notes, so the Usage page (and its quarterly PDF) has something to show on first
start. Only the demo's own accounts appear; every session key starts with ``demo-``.

Deterministic for a seed and a moment: who signs in how often, which pages they open and what they export is drawn
from ``numpy.random.default_rng([seed, 53])``; the history ends at ``now`` (default: the wall clock, as the demo's
alerts do) and reaches back ``MONTHS`` whole months before it. Written straight into the audit log and the
feedback table in one transaction (bookkeeping: no data version).
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl

from analytics.core import auth
from analytics.core.db import Database
from analytics.core.periods import add_months

MONTHS = 4
# per role: sessions a month (mean) and the pages opened, most favoured first (the menu's rules: app.py)
HABITS: dict[str, tuple[float, tuple[str, ...]]] = {
    "hr_head": (11, ("attrition", "risk", "monthly-review", "hiring", "care", "plans", "quarterly-review", "inbox",
                     "talent", "person", "training", "goals", "incentives", "joint-plan", "data", "usage")),
    "sales_director": (9, ("quota", "monthly-review", "scorecard", "key-accounts", "inbox", "quarterly-review",
                           "person", "incentives", "joint-plan", "goals", "talent", "risk")),
    "manager": (7, ("quota", "scorecard", "person", "inbox", "plans", "talent", "monthly-review")),
    "analyst": (4, ("attrition", "quota", "glossary", "hiring", "training", "goals")),
    "admin": (3, ("admin", "usage", "data", "glossary")),
}
EXPORT_SHARE = 0.12  # of page visits that end in a download
FEEDBACK = (  # (account, page, period, grain, language, note, handled)
    ("demo.director.east", "quota", "2025-Q4", "quarter", "zh", "希望在业绩页面能按产品线查看大客户的签约额。", True),
    ("demo.hr", "risk", "2025-12", "month", "en", "Could the risk list show when each person's last one-to-one was?",
     False),
    ("demo.manager.east-01", "scorecard", "2025-Q4", "quarter", "zh",
     "计分卡能否导出为每位销售一页的PDF，方便面谈时使用？", False),
    ("demo.analyst", "attrition", "FY2025", "fiscal_year", "zh", "离职原因希望能按季度对比，看看变化趋势。", False),
)


def _accounts(db: Database) -> dict[str, list[str]]:
    """Demo account → its roles (enabled demo accounts with a role)."""
    users = db.sql("select username from users where is_demo and not disabled order by username")["username"]
    out = {}
    for user in users.to_list():
        roles = sorted(auth.viewer_for(db, user).roles)
        if roles:
            out[user] = roles
    return out


def _habit(roles: list[str]) -> tuple[float, tuple[str, ...]]:
    rate, pages = 0.0, []
    for role in roles:
        r, p = HABITS.get(role, (2, ("glossary",)))
        rate = max(rate, r)
        pages += [x for x in p if x not in pages]
    return rate, tuple(pages)


def replay(db: Database, seed: int = 7, now: dt.datetime | None = None) -> int:
    """Write the history (only into a log without page views yet); returns the page views written."""
    if db.scalar("select count(*) from audit_log where action = 'page_view'"):
        return 0
    now = (now or dt.datetime.now()).replace(microsecond=0)
    rng = np.random.default_rng([seed, 53])
    first = add_months(now.date().replace(day=1), -MONTHS)
    days = [first + dt.timedelta(days=i) for i in range((now.date() - first).days)]
    workdays = [d for d in days if d.weekday() < 5]
    rows: list[tuple] = []
    for user, roles in _accounts(db).items():
        rate, pages = _habit(roles)
        weights = np.array([1 / (i + 1.5) for i in range(len(pages))])
        weights /= weights.sum()
        n_sessions = int(rng.poisson(rate * len(workdays) / 21))
        for s in range(n_sessions):
            day = workdays[int(rng.integers(len(workdays)))]
            at = dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(60))))
            session = f"demo-{seed}-{user}-{s}"
            rows.append((at, user, "login", None, None))
            visits = ["overview", *rng.choice(pages, size=int(rng.poisson(3)) + 1, p=weights).tolist()]
            for page in visits:
                at += dt.timedelta(minutes=int(rng.integers(1, 9)))
                rows.append((at, user, "page_view", page, {"roles": roles, "session": session}))
                if page not in ("admin", "usage") and rng.random() < EXPORT_SHARE:
                    kind = ("chart", "png") if rng.random() < 0.6 else ("table", "xlsx")
                    rows.append((at + dt.timedelta(minutes=1), user, "export", f"{kind[0]} {page}.{kind[1]}", None))
    rows = sorted(r for r in rows if r[0] < now)
    _write(db, rows, now)
    return sum(1 for r in rows if r[2] == "page_view")


def _write(db: Database, rows: list[tuple], now: dt.datetime) -> None:
    accounts = _accounts(db)
    with db.transaction(bump=False) as cur:  # bookkeeping: the audit log and the notes feed no figure
        start = int(cur.execute("select coalesce(max(event_id), 0) from audit_log").fetchall()[0][0])
        frame = pl.DataFrame({
            "event_id": list(range(start + 1, start + 1 + len(rows))),
            "occurred_at": [r[0] for r in rows], "actor": [r[1] for r in rows], "action": [r[2] for r in rows],
            "target": [r[3] for r in rows], "scope": [None] * len(rows), "n_rows": [None] * len(rows),
            "detail": [json.dumps(r[4] or {"demo": True}, ensure_ascii=False) for r in rows],
        }, schema={"event_id": pl.Int64, "occurred_at": pl.Datetime("us"), "actor": pl.Utf8, "action": pl.Utf8,
                   "target": pl.Utf8, "scope": pl.Utf8, "n_rows": pl.Int64, "detail": pl.Utf8})
        cur.register("_usage", frame.to_arrow())
        try:
            cur.execute("insert into audit_log select * from _usage")
        finally:
            cur.unregister("_usage")
        for i, (user, page, period, grain, lang, note, handled) in enumerate(FEEDBACK):
            if user not in accounts:
                continue
            written = now - dt.timedelta(days=40 - 9 * i, hours=3)
            cur.execute("insert into feedback (feedback_id, created_at, username, roles, page, period, grain, "
                        "scope, lang, note, status, handled_by, handled_at) select coalesce(max(feedback_id), 0) + 1, "
                        "$at, $u, $r, $p, $period, $grain, null, $lang, $note, $status, $by, $done from feedback",
                        {"at": written, "u": user, "r": ",".join(accounts[user]), "p": page, "period": period,
                         "grain": grain, "lang": lang, "note": note, "status": "handled" if handled else "open",
                         "by": "demo.admin" if handled else None,
                         "done": written + dt.timedelta(days=3) if handled else None})
