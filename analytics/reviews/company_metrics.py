"""The reviews' item of the company's own metrics (metrics/*.toml): each one's figure for the meeting's period, with
its comparable previous value, through the one figure path (so it equals the pages and ``metrics --compare``)."""
from __future__ import annotations

import polars as pl

from analytics.core import custom_metrics
from analytics.core.registry import REGISTRY
from analytics.metrics.figure import value_text
from analytics.reviews.context import Ctx, definition
from analytics.reviews.model import Item
from analytics.reviews.texts import tx


def company_metrics(ctx: Ctx) -> Item | None:
    """None when the company defined no metric of its own (or none passed its trial on this database)."""
    ids = list(custom_metrics.check_on(ctx.db, REGISTRY).metrics)
    if not ids:
        return None
    lang, label = ctx.lang, ctx.label(ctx.period)
    names, values, previous, changes, shown = [], [], [], [], {}
    for metric_id in ids:
        fig = ctx.figure(metric_id)
        name = custom_metrics.loaded(REGISTRY).metrics[metric_id].metric.name(lang)
        names.append(name)
        values.append(value_text(fig, lang))
        previous.append(ctx.num(fig.previous, fig.unit))
        changes.append(ctx.change(fig.value, fig.previous, fig.unit, fig.previous_period or "—"))
        shown[metric_id] = fig.value
    table = pl.DataFrame({tx("company.metric", lang): names, tx("company.value", lang, label=label): values,
                          tx("company.previous", lang): previous, tx("company.change", lang): changes})
    take = tx("company.take", lang, n=len(ids), label=label,
              list=("；" if lang == "zh" else "; ").join(f"{n} {v}" for n, v in zip(names, values, strict=True)))
    return Item("company_metrics", tx("company.title", lang), take,
                definition(lang, *ids, extra=tx("company.def", lang)), None, table, shown)
