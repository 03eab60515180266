"""Lead conversion (docs/metrics.md ``lead_conversion``): a metric owned by sales and marketing together.

Leads come from ``lead_facts.sql`` (one row per lead created in the window, placed in the unit its sales owner held
on the created date). The rate of a group is leads converted within :data:`WINDOW_DAYS` of creation ÷ leads created
in the period; while some lead of the period is younger than the window at the as-of date the figure is *maturing*
(conversions so far). Pure polars; no I/O.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

WINDOW_DAYS = 90
OWNERS = ("sales", "marketing")   # the two functions that own lead_conversion together
DIMENSIONS = {"marketing_team": "marketing_unit_id", "source": "source"}   # besides the sales groupings
SOURCES = ("web", "event", "partner", "campaign", "referral", "other")


def conversion(rows: pl.LazyFrame, start: dt.date, end: dt.date, as_of: dt.date, cols: Sequence[str],
               window: int = WINDOW_DAYS) -> pl.LazyFrame:
    """Per group: ``leads`` created in [start, end] (up to ``as_of``), ``converted`` within ``window`` days of
    creation and by ``as_of``, ``maturing_leads`` (younger than ``window`` days at ``as_of``), ``owners`` (distinct
    sales reps: the group's size for masking), and ``conversion`` = converted ÷ leads."""
    made = rows.filter(pl.col("created_on").is_between(start, min(end, as_of)))
    deadline = pl.col("created_on") + pl.duration(days=window)
    won = (pl.col("converted_on").is_not_null() & (pl.col("converted_on") <= deadline)
           & (pl.col("converted_on") <= as_of))
    young = deadline > pl.lit(as_of)
    agg = [pl.len().alias("leads"), won.sum().alias("converted"), young.sum().alias("maturing_leads"),
           pl.col("employee_id").drop_nulls().n_unique().alias("owners")]
    grouped = made.group_by(list(cols)).agg(agg) if cols else made.select(agg)
    return grouped.with_columns(
        conversion=pl.when(pl.col("leads") > 0).then(pl.col("converted") / pl.col("leads")))


def owners_text(lang: str) -> str:
    """The joint owners as words, for captions and the goals tree (the locale keys ``lead.owner_*``)."""
    from analytics.core.i18n import t

    return t("lead.owners", lang, sales=t("lead.owner_sales", lang), marketing=t("lead.owner_marketing", lang))
