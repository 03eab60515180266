"""What a joint review is: the kinds of meeting, the Review and its Items, and the error they raise.

The lowest module of the reviews: ``content`` builds Reviews, ``store`` freezes and reloads them, ``packs``
renders them; all three import these classes from here, and this module imports nothing of theirs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl

KINDS = ("monthly", "quarterly")
GRAIN = {"monthly": "month", "quarterly": "quarter"}


class ReviewError(ValueError):
    """A review that cannot be built or saved as asked; the message says what is expected, in either language:
    ``text(lang)`` for a page (``review_error.<key>`` in the catalogue), ``str()`` in English for the command line.
    A ``grain`` parameter is named in the reader's language."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        from analytics.core.i18n import t

        values = {k: t(f"grain.{v}", lang).lower() if k == "grain" else v for k, v in self.params.items()}
        return t(f"review_error.{self.key}", lang, **values)


@dataclass
class Item:
    id: str
    title: str
    takeaway: str
    definition: str
    figure: go.Figure | None = None
    table: pl.DataFrame | None = None
    numbers: dict[str, object] = field(default_factory=dict)
    table_units: dict[str, str] = field(default_factory=dict)   # column → registry unit, for display


@dataclass
class Review:
    kind: str
    period: str
    as_of: dt.date
    scope: str                     # viewer.scope_key of the viewer it was built for
    lang: str
    title: str
    items: list[Item]
    scope_label: str = ""
    data_version: int | None = None
    review_id: int | None = None
    created_by: str | None = None
    created_at: dt.datetime | None = None

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise ReviewError("no_item", item=repr(item_id), items=", ".join(i.id for i in self.items))

    @property
    def numbers(self) -> dict[str, dict[str, object]]:
        return {it.id: it.numbers for it in self.items}
