"""What every review item is built from: the viewer, the period and the as-of date (``Ctx``), with the
helpers the monthly and quarterly items share — number formatting, the change on the previous period,
the requisitions in scope and the seats still open, the coaching list, metric definitions.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.core.periods import Period
from analytics.core.registry import get_metric
from analytics.metrics.compare import comparable_periods
from analytics.metrics.figure import Figure, headline, value_text
from analytics.reviews.texts import tx

LIST_ROWS = 15               # people listed per alert or talent list (person-level viewers)

ORG = ("org as (select org_unit_id, case level when 'team' then parent_id when 'region' then org_unit_id end "
       "as region_id from org_units)")
_REQUISITIONS = f"""
with {ORG}
select r.requisition_id, r.org_unit_id, org.region_id, r.key_position, r.opened_date, r.target_date,
       r.filled_date, r.cancelled_date
from requisitions as r left join org using (org_unit_id)
where $all_units or list_contains($units, r.org_unit_id) or list_contains($units, org.region_id)
"""


def clean(value: object) -> object:
    """Numbers as plain floats, NaN and infinities as None (so a frozen review compares equal)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def definition(lang: str, *metric_ids: str, extra: str | None = None) -> str:
    lines = [f"{get_metric(m).name(lang)}: {get_metric(m).formula(lang)}" for m in metric_ids]
    return "\n".join([*lines, *([extra] if extra else [])])


def relabel(column: str, labels: dict, alias: str) -> pl.Expr:
    """``column`` with its codes replaced by their labels (an unknown code becomes null), named ``alias``."""
    return pl.col(column).replace_strict(labels, default=None, return_dtype=pl.Utf8).alias(alias)


def unit_names(db: Database, lang: str) -> dict[str, str]:
    """Org unit id → its name in ``lang``."""
    rows = db.sql(f"select org_unit_id, {'name_zh' if lang == 'zh' else 'name_en'} as n from org_units")
    return dict(zip(rows["org_unit_id"].to_list(), rows["n"].to_list(), strict=True))


def scope_label(db: Database, viewer: Viewer, lang: str) -> str:
    if viewer.org_units is None:
        text = tx("scope.all", lang)
    else:
        lookup = unit_names(db, lang)
        text = ("、" if lang == "zh" else ", ").join(lookup.get(u, u) for u in sorted(viewer.org_units)) or "—"
    return text if viewer.person_level else f"{text} ({tx('scope.aggregate', lang)})"


@dataclass
class Ctx:
    db: Database
    viewer: Viewer
    period: Period
    as_of: dt.date
    lang: str
    fy_start: int
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def day(self) -> dt.date:
        """The point in time for lists and open seats: the period end, or the as-of date inside it."""
        return min(self.as_of, self.period.end)

    @cached_property
    def periods(self) -> tuple[Period, Period]:
        return comparable_periods(self.period, self.as_of, self.fy_start)

    def figure(self, metric_id: str) -> Figure:
        """The figure of ``metric_id`` for the review's period, with its comparable previous value — the same
        figure the pages show (one path: :func:`analytics.metrics.figure.headline`)."""
        cache = self.memo.setdefault("figures", {})
        if metric_id not in cache:
            cache[metric_id] = headline(self.db, self.viewer, metric_id, self.period, self.as_of, self.fy_start)
        return cache[metric_id]

    def value(self, metric_id: str) -> str:
        """A figure's value as text, with its counts when its base is small."""
        return value_text(self.figure(metric_id), self.lang)

    def num(self, value: object, unit: str) -> str:
        return fmt_number(value if isinstance(value, int | float) else None, unit, self.lang)

    def change(self, now: float | None, before: float | None, unit: str, label: str) -> str:
        if now is None or before is None:
            return tx("nocomp", self.lang, prev=label)
        delta = now - before
        if unit in {"ratio", "probability"}:
            text = f"{abs(delta) * 100:.1f}个百分点" if self.lang == "zh" else f"{abs(delta) * 100:.1f} pp"
            flat = abs(delta) < 0.0005
        else:
            text = f"{abs(delta) / abs(before) * 100:.1f}%" if before else self.num(abs(delta), unit)
            flat = abs(delta) < 1e-9
        return tx("flat" if flat else "up" if delta > 0 else "down", self.lang, d=text, prev=label)

    def label(self, period: Period) -> str:
        return t("period.partial", self.lang, label=period.label) if period.is_partial(self.as_of) else period.label

    def too_few(self, n: int) -> bool:
        """True when a count of ``n`` people is too small to show to this viewer (aggregate viewers only)."""
        return not self.viewer.person_level and n < self.viewer.suppression_threshold

    def region_names(self) -> dict[str | None, str]:
        out: dict[str | None, str] = dict(unit_names(self.db, self.lang))
        out[None] = t("group.unplaced", self.lang)
        return out

    @cached_property
    def requisitions(self) -> pl.DataFrame:
        return self.db.sql(_REQUISITIONS, **self.viewer.sql_params())

    @cached_property
    def open_seats(self) -> pl.DataFrame:
        """Requisitions opened by ``day`` and neither filled nor cancelled by then."""
        day = self.day
        return self.requisitions.filter((pl.col("opened_date") <= day)
                                        & (pl.col("filled_date").is_null() | (pl.col("filled_date") > day))
                                        & (pl.col("cancelled_date").is_null() | (pl.col("cancelled_date") > day)))

    @cached_property
    def past_target(self) -> pl.DataFrame:
        """Open seats whose target date is before ``day``."""
        return self.open_seats.filter(pl.col("target_date") < self.day)

    @cached_property
    def coaching(self) -> pl.DataFrame:
        from analytics.sales.scorecard import coaching_list

        return coaching_list(self.db, self.viewer, self.day, fy_start=self.fy_start)
