"""Suppression for viewers without person-level rights: every published cell comes from at least the threshold
of people, and no masked cell can be worked out from the figures such a viewer can obtain.

The mechanism (README, "Who may see what"):

1. **Primary**: a group with fewer than the threshold of people (``n_people``) is masked.
2. **Complementary**: within each published table — one period or month, and for teams one region — a
   table with exactly one masked group masks the next-smallest too, so no masked value is the table's
   total minus the groups shown.
3. **The same cells whatever the period shape**: a group's figure for a period is masked when it is masked in
   any month of the period (the months are sums of the period's cells; a quarter shown therefore has all
   three months shown, and a masked quarter reveals nothing a month does not).
4. **One org hierarchy**: region and team masks are decided once, on the company's tables, whatever scope the
   viewer looks from; a masked region masks all its teams; a team's complement is chosen inside its region.
   Narrowed to a region or team (the sidebar, a drill), a viewer sees nothing of a unit masked there.
5. **No cross-tabulations**: one grouping besides the month; other groupings than region and team only for
   the viewer's whole scope, not for a region or team chosen inside it (that would publish region × level).

``apply`` takes the metric's unmasked rows and a way to compute other tables of the same metric (``raw``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period, month_period

ORG_DIMENSIONS = ("region", "team")
Raw = Callable[[Viewer, list[Period], list[str]], pl.DataFrame]  # (viewer, periods, dims) → unmasked rows
_MASK_CACHE: dict[tuple, pl.DataFrame] = {}


def _table_masks(table: pl.DataFrame, key: str, threshold: int, part: Sequence[str] = (),
                 keep: Sequence[str] = ()) -> pl.DataFrame:
    """(``period``, ``key``, masked) with primary and complementary suppression within period × ``part``.

    Rows marked ``forced`` count as masked. A row with no ``key`` (people in no unit) is never published in a
    unit table but is part of its total: when it is small and no unit is masked, or when exactly one unit is
    masked, the smallest unit shown is masked too — so neither is the total minus the units shown."""
    part = ["period", *part]
    real = pl.col(key).is_not_null()
    small = pl.col("n_people").fill_null(0) < threshold
    forced = pl.col("forced") if "forced" in table.columns else pl.lit(False)
    out = table.with_columns(masked=small | forced)
    m_real = (pl.col("masked") & real).sum().over(part)
    loose_small = (small & ~real).any().over(part)
    need = (m_real == 1) | ((m_real == 0) & loose_small)
    # the smallest unit not masked yet in each partition (ties broken by key, so the choice is stable)
    size = pl.when(pl.col("masked") | ~real).then(None).otherwise(pl.col("n_people").fill_null(0))
    out = out.sort(key, nulls_last=True).with_columns(order=size.rank("ordinal").over(part))
    out = out.with_columns(masked=pl.col("masked") | (need & (pl.col("order") == 1).fill_null(False)))
    return out.select(*keep, "period", key, *[c for c in part if c != "period"], "masked")


def _with_any_month(period_masks: pl.DataFrame, month_masks: pl.DataFrame, key: str,
                    period: Period) -> pl.DataFrame:
    """A group's period mask: masked in the period's own table or in any of its months' (rule 3)."""
    monthly = month_masks.group_by(key).agg(any_month=pl.col("masked").any())
    return (period_masks.join(monthly, on=key, how="left")
            .with_columns(masked=pl.col("masked") | pl.col("any_month").fill_null(False))
            .drop("any_month").with_columns(period=pl.lit(period.label)))


def org_masks(db: Database, raw: Raw, viewer: Viewer, period: Period, key: tuple) -> pl.DataFrame:
    """(period label, unit, level, masked) for every region and team, for ``period`` and each of its months,
    decided on the company's tables (rules 1–4)."""
    if key in _MASK_CACHE:
        return _MASK_CACHE[key]
    company = replace(viewer, org_units=None, narrowed_below_scope=False)
    months = [month_period(m) for m in period.months]
    parents = db.sql("select org_unit_id as team, parent_id as region from org_units where level = 'team'")
    threshold = viewer.suppression_threshold
    out = []
    for periods in ([period], months):
        regions = _table_masks(raw(company, periods, ["region"]), "region", threshold)
        # teams with their region (people of a region in no team are its row without a team)
        teams = (raw(company, periods, ["region", "team"])
                 .join(regions.rename({"masked": "forced"}), on=["period", "region"], how="left")
                 .with_columns(pl.col("forced").fill_null(False)))
        teams = _table_masks(teams, "team", threshold, part=["region"])
        out.append((regions.filter(pl.col("region").is_not_null()).select("period", unit="region", masked="masked"),
                    teams.filter(pl.col("team").is_not_null()).select("period", unit="team", masked="masked")))
    (period_regions, period_teams), (month_regions, month_teams) = out
    frames = [month_regions.with_columns(level=pl.lit("region")), month_teams.with_columns(level=pl.lit("team"))]
    for level, own, monthly in (("region", period_regions, month_regions), ("team", period_teams, month_teams)):
        frames.append(_with_any_month(own, monthly, "unit", period).with_columns(level=pl.lit(level)))
    masks = pl.concat([f.select("period", "unit", "level", "masked") for f in frames])
    # a masked region masks its teams in the same period (the team tables force it; the month rule can add one)
    team_region = parents.rename({"team": "unit"})
    masked_regions = masks.filter((pl.col("level") == "region") & pl.col("masked")).select("period",
                                                                                          region="unit")
    forced = (masks.filter(pl.col("level") == "team").join(team_region, on="unit", how="left")
              .join(masked_regions.with_columns(up=pl.lit(True)), on=["period", "region"], how="left")
              .select("period", "unit", up=pl.col("up").fill_null(False)))
    masks = masks.join(forced, on=["period", "unit"], how="left").with_columns(
        masked=pl.col("masked") | pl.col("up").fill_null(False)).drop("up")
    if len(_MASK_CACHE) > 64:
        _MASK_CACHE.clear()
    _MASK_CACHE[key] = masks
    return masks


def apply(frame: pl.DataFrame, db: Database, viewer: Viewer, period: Period, dims: Sequence[str], by_month: bool,
          raw: Raw, key: tuple) -> pl.DataFrame:
    """``frame`` (unmasked rows with ``period`` and ``n_people``) with ``masked`` set by rules 1–5."""
    threshold = viewer.suppression_threshold
    dim = dims[0] if dims else None
    org = org_masks(db, raw, viewer, period, key) if (dim in ORG_DIMENSIONS or viewer.org_units) else None
    if dim in ORG_DIMENSIONS:
        # people in no region / no team are not a unit: they are left out of the unit tables (the table's
        # total is the scope's); within a region they count as masked, so a team beside them is masked too
        own = org.filter(pl.col("level") == dim).select("period", pl.col("unit").alias(dim), "masked")
        masked = frame.filter(pl.col(dim).is_not_null()).join(own, on=["period", dim], how="left").with_columns(
            masked=pl.col("masked").fill_null(True) | (pl.col("n_people").fill_null(0) < threshold))
    elif dim is not None and viewer.narrowed_below_scope:
        return frame.head(0).with_columns(masked=pl.lit(True))  # rule 5: not published (region × level)
    elif dim is not None:
        base = frame.select("period", dim, "n_people")
        own = _table_masks(base, dim, threshold)
        if not by_month and period.n_months > 1:
            months = _table_masks(raw(viewer, [month_period(m) for m in period.months], [dim]), dim, threshold)
            own = _with_any_month(own, months, dim, period)
        masked = frame.join(own, on=["period", dim], how="left", nulls_equal=True).with_columns(
            pl.col("masked").fill_null(True))
    else:
        small = pl.col("n_people").fill_null(0) < threshold
        masked = frame.with_columns(masked=small)
        if not by_month and period.n_months > 1:  # rule 3 for the scope's own total
            months = raw(viewer, [month_period(m) for m in period.months], [])
            if (months["n_people"].fill_null(0) < threshold).any():
                masked = masked.with_columns(masked=pl.lit(True))
    if viewer.org_units and viewer.narrowed_below_scope:  # rule 4: a unit masked in its parent's table
        hidden = org.filter(pl.col("unit").is_in(list(viewer.org_units)) & pl.col("masked")).select("period")
        hidden_periods = set(hidden["period"].to_list())
        if hidden_periods:
            masked = masked.with_columns(masked=pl.col("masked") | pl.col("period").is_in(list(hidden_periods)))
    return masked



def mask_table(frame: pl.DataFrame, viewer: Viewer, count: str, values: Sequence[str],
               part: Sequence[str] = (), key: str | None = None) -> pl.DataFrame:
    """A report table (curves, heatmaps, reasons, cohorts...) for ``viewer``: rows counting fewer than the
    threshold of people in ``count`` masked, with a complement within each ``part`` (rules 1–2), and their
    ``values`` and ``count`` blanked; adds ``masked``. Person-level viewers get the table as it is.

    ``key`` names the row's group (complements are chosen smallest first, ties by key; a null key is people in
    no group: never the complement, and protected like a masked row)."""
    if viewer.person_level or frame.is_empty():
        return frame.with_columns(masked=pl.lit(False))
    work = frame.with_row_index("_row").with_columns(period=pl.lit("-"), n_people=pl.col(count).cast(pl.Float64))
    if key is None:
        work = work.with_columns(_key=pl.col("_row"))
    masks = _table_masks(work, key or "_key", viewer.suppression_threshold, part, keep=["_row"])
    hide = pl.col("masked")
    out = work.join(masks.select("_row", "masked"), on="_row", how="left").with_columns(hide.fill_null(True))
    return out.sort("_row").with_columns([pl.when(hide).then(None).otherwise(pl.col(c)).alias(c)
                                          for c in [*values, count]]).drop(
        "_row", "period", "n_people", *(["_key"] if key is None else []))
