"""The demo company's seeded meetings get their numbers.

The demo builder (``analytics/sources/demo``) sits below the metric engine, so it cannot build a review: it
writes the September-style "last meeting" as a meeting record — kind, period, as-of date, scope ``all``,
its action items — with no snapshot. ``freeze_seeded`` freezes every such record the way a save does: the
review built from the data as of that meeting's date, for the whole company, serialised by
``snapshot.review_to_json`` and audited as ``review_save`` (``seeded`` in the detail). It only touches
records written by the demo (``created_by = 'demo'``) that hold no snapshot, so it is cheap to call again:
the review pages call it before listing, so the seeded meeting opens with its numbers whoever built the file
(first start, the ``demo`` command, a test). The ``demo`` command and the app's first start call
:func:`prepare_demo` right after the build, so no first view pays for the flight-risk fit and the frozen meeting
(16 s at the large demo company).
"""
from __future__ import annotations

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.reviews.content import build_review
from analytics.reviews.snapshot import review_to_json

DEMO_ACTOR = "demo"
_PENDING = ("select review_id, kind, period, as_of, scope from reviews where created_by = $who "
            "and json_extract(snapshot, '$.items') is null order by review_id")


def freeze_seeded(db: Database, lang: str = "en", fy_start: int = 1) -> list[int]:
    """Freeze the demo's meeting records that hold no numbers yet; returns the ids frozen (none the second
    time)."""
    pending = db.cursor().execute(_PENDING, {"who": DEMO_ACTOR}).fetchall()
    done = []
    for review_id, kind, period, as_of, scope in pending:
        try:
            review = build_review(db, full_access(DEMO_ACTOR), kind, parse_period(period, fy_start), as_of=as_of,
                                  lang=lang, fy_start=fy_start)
        except ValueError:  # a seeded period the data cannot build (ReviewError, PeriodError): left as a record
            continue
        review.scope = scope  # the seeded scope ('all': full access) stays the meeting's
        snapshot = review_to_json(review)
        with db.transaction(bump=False) as cur:  # a snapshot feeds no figure: cached results stay valid
            changed = cur.execute("update reviews set snapshot = $s, title = $t where review_id = $id and "
                                  "json_extract(snapshot, '$.items') is null returning review_id",
                                  {"s": snapshot, "t": review.title, "id": review_id}).fetchall()
            if changed:  # another session may have frozen it meanwhile
                db.audit(cur, DEMO_ACTOR, "review_save", target=f"review {review_id}", scope=scope,
                         n_rows=len(review.items), detail={"kind": kind, "period": period,
                                                            "as_of": as_of.isoformat(), "seeded": True})
                done.append(review_id)
    return done


def prepare_demo(db: Database, fy_start: int = 1, seed: int = 7) -> list[int]:
    """Right after a demo build: fit and store the flight-risk model of its data version (the one the pages use),
    play the demo's alerts forward (analytics/reviews/demo_alerts.py) and its use of the app back (page views,
    exports, feedback: analytics/reviews/demo_usage.py), and freeze the seeded meetings; returns the ids frozen."""
    from analytics.metrics.engine import as_of_date
    from analytics.people import risk_store
    from analytics.reviews import demo_alerts, demo_usage

    risk_store.current_model(db, as_of_date(db))
    demo_alerts.replay(db, seed, fy_start)
    demo_usage.replay(db, seed)
    return freeze_seeded(db, fy_start=fy_start)
