"""Values, collaboration and the one-vote veto in performance reviews (issue 21): the one place the rule lives.

A review scores three values — customer first, teamwork, results — and cross-department collaboration, each 1–5,
and may carry a veto (grabbing colleagues' orders, 抢单). A veto caps the rating that counts at
:data:`VETO_RATING_CAP` (so the 9-box performance axis is *low*) and keeps the person out of the scorecard's top 20%
and the high-potential list. Which review counts: the person's latest review on or before the day asked about.
Pure polars expressions; no I/O.
"""
from __future__ import annotations

import polars as pl

VETO_RATING_CAP = 2   # of 5: a vetoed rating counts as at most "needs improvement"
VALUES = ("value_customer", "value_teamwork", "value_results")


def vetoed(veto: pl.Expr) -> pl.Expr:
    """True where the review carries a veto (a missing flag is no veto)."""
    return veto.fill_null(False)


def effective_rating(rating: pl.Expr, veto: pl.Expr) -> pl.Expr:
    """The rating that counts (1–5): the rating, capped at :data:`VETO_RATING_CAP` under a veto."""
    return pl.when(vetoed(veto) & (rating > VETO_RATING_CAP)).then(pl.lit(VETO_RATING_CAP)).otherwise(rating)


def values_score(customer: pl.Expr, teamwork: pl.Expr, results: pl.Expr) -> pl.Expr:
    """Mean of the value scores given (1–5); null when none is."""
    return pl.mean_horizontal(customer, teamwork, results)
