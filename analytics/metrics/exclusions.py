"""Rows the metrics leave out, counted in a viewer's scope (``sql/queries/data_exclusions_in_scope.sql``).

``engine.exclusions`` counts the whole company; pages say what was left out of *their* figures, so they use
:func:`in_scope`: a regional director's page names the rows of their region, never another region's count.
"""
from __future__ import annotations

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period


def in_scope(db: Database, viewer: Viewer, period: Period) -> dict[str, int]:
    """Counts of rows left out for ``period`` in the viewer's scope (rule → rows); only non-zero rules."""
    if viewer.sees_nothing:
        return {}
    rows = db.query("data_exclusions_in_scope", start=period.start, end=period.end, **viewer.sql_params())
    return {r: int(n) for r, n in rows.iter_rows() if n}
