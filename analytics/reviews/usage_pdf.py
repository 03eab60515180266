"""The quarterly usage report as a PDF (A4 portrait, in English or Chinese): the quarter's totals, each month's
page views, exports, sessions and active users, the use by role, the most and least used pages (pages never
opened named), and — for admins — the use by user. Drawn with fpdf2 and the Noto CJK font, like the other PDFs."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.i18n import fmt_date, fmt_number, t
from analytics.reviews.pdf_setup import a4_portrait
from analytics.reviews.usage_report import UsageReport, named, page_name

W, H, M = 210.0, 297.0, 14.0
INK, MUTED, ACCENT = (29, 39, 51), (110, 118, 128), (31, 95, 139)
ROWS = 12  # rows at most per table: the report keeps to two pages
COUNTS = ("page_views", "exports", "sessions", "active_users")


class _Doc:
    def __init__(self, title: str, lang: str, footer: str) -> None:
        self.lang, self.footer = lang, footer
        self.pdf = a4_portrait(title, lang, M)
        self.pdf.alias_nb_pages()
        self.new_page()

    def new_page(self) -> None:
        """A page with its footer (the quarter, this page's number and the count, filled in at the end)."""
        self.pdf.add_page()
        self.pdf.set_font("cjk", "", 7)
        self.pdf.set_text_color(*MUTED)
        self.pdf.set_xy(M, H - M)
        self.pdf.cell(W - 2 * M, 3, self.footer.replace("{page}", str(self.pdf.page_no())))
        self.y = M

    def room(self, needed: float) -> None:
        if self.y + needed > H - M - 6:
            self.new_page()

    def line(self, text: str, size: float = 9, colour: tuple[int, int, int] = INK, width: float = W - 2 * M,
             x: float = M) -> None:
        self.room(size * 0.5)
        self.pdf.set_font("cjk", "", size)
        self.pdf.set_text_color(*colour)
        while text and self.pdf.get_string_width(text) > width:
            text = text[:-2] + "…"
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(width, size * 0.42, text)
        self.y += size * 0.5

    def heading(self, text: str) -> None:
        self.room(20)
        self.y += 3
        self.line(text, 11, ACCENT)
        self.pdf.set_draw_color(*ACCENT)
        self.pdf.set_line_width(0.3)
        self.pdf.line(M, self.y, W - M, self.y)
        self.y += 1.5

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        spans = [(W - 2 * M) * w / sum(widths) for w in widths]
        self.room(4.2 * (min(len(rows), ROWS) + 1))
        for cells, colour in ((header, MUTED), *((r, INK) for r in rows[:ROWS])):
            x = M
            for cell, span in zip(cells, spans, strict=True):
                self.pdf.set_font("cjk", "", 8)
                self.pdf.set_text_color(*colour)
                text = cell
                while text and self.pdf.get_string_width(text) > span - 1.5:
                    text = text[:-2] + "…"
                self.pdf.set_xy(x, self.y)
                self.pdf.cell(span - 1, 3.4, text)
                x += span
            self.y += 4.2
        if len(rows) > ROWS:
            self.line(t("usage.pdf.more", self.lang, n=len(rows) - ROWS), 7.5, MUTED)


def _count(v: object, lang: str) -> str:
    return fmt_number(v, "count", lang)


def _rows(frame: pl.DataFrame, first: str, cols: tuple[str, ...], lang: str) -> list[list[str]]:
    return [[str(r[first]), *(_count(r[c], lang) for c in cols)] for r in frame.iter_rows(named=True)]


def usage_pdf(report: UsageReport, lang: str, today: dt.date | None = None) -> bytes:
    """The quarter's usage report as PDF bytes in ``lang``."""
    today = today or dt.date.today()
    label = report.quarter.label
    footer = t("usage.pdf.footer", lang, quarter=label, page="{page}", pages="{nb}")
    doc = _Doc(t("usage.pdf.title", lang, quarter=label), lang, footer)
    doc.line(t("usage.pdf.title", lang, quarter=label), 16, ACCENT)
    doc.y += 1.5
    doc.line(t("usage.pdf.subtitle", lang, date=fmt_date(today, lang)), 8.5, MUTED)
    whole = report.totals.select(*COUNTS).sum().row(0, named=True)
    doc.y += 1
    doc.line(t("usage.pdf.summary", lang, views=_count(whole["page_views"], lang),
               exports=_count(whole["exports"], lang), sessions=_count(whole["sessions"], lang),
               notes=_count(report.notes, lang)), 9.5)
    headers = [t(f"col.{c}", lang) for c in COUNTS]

    doc.heading(t("usage.by_month", lang))
    doc.table([t("col.month", lang), *headers], _rows(named(report.totals, lang), "month", COUNTS, lang),
              [2, 1, 1, 1, 1])
    doc.heading(t("usage.by_role", lang))
    roles = (report.by_role.group_by("role").agg(pl.col(c).sum() for c in COUNTS[:3])
             .sort(["page_views", "role"], descending=[True, False]))
    doc.table([t("col.role", lang), *headers[:3]], _rows(named(roles, lang), "role", COUNTS[:3], lang), [2, 1, 1, 1])
    if report.pooled_roles:
        doc.line(t("usage.pooled_note", lang, n=report.pooled_roles), 7.5, MUTED)
    page_cols = ("page_views", "exports", "active_users")
    page_headers = [t(f"col.{c}", lang) for c in page_cols]
    doc.heading(t("usage.most_used", lang))
    doc.table([t("col.page", lang), *page_headers], _rows(named(report.most_used, lang), "page", page_cols, lang),
              [2, 1, 1, 1])
    doc.heading(t("usage.least_used", lang))
    doc.table([t("col.page", lang), *page_headers], _rows(named(report.least_used, lang), "page", page_cols, lang),
              [2, 1, 1, 1])
    never = report.never_opened
    sep = "、" if lang == "zh" else ", "
    doc.line(t("usage.never_opened", lang, n=len(never), pages=sep.join(page_name(p, lang) for p in never))
             if never else t("usage.all_opened", lang), 8, MUTED)
    if report.by_user is not None:
        doc.heading(t("usage.by_user", lang))
        users = named(report.by_user, lang)
        doc.table([t("col.username", lang), t("col.roles", lang), *headers[:3]],
                  [[r["username"], r["roles"], *(_count(r[c], lang) for c in COUNTS[:3])]
                   for r in users.iter_rows(named=True)], [1.6, 2, 1, 1, 1])
    return bytes(doc.pdf.output())
