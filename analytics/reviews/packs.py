"""Review packs in one call: ``pack_bytes(review, "pptx" | "pdf" | "html")``.

- **PPTX** (python-pptx, 16:9): a title slide (title, period, as-of date, scope), then one slide per item with
  its title, the takeaway sentence, the chart as a picture, the table as a native table when it is small,
  and the metric definitions in the slide notes.
- **PDF** (fpdf2, A4 landscape, Noto Sans CJK SC from the TTC collection): a title page and exactly one page
  per item — content is fitted to the page, never flowed onto another, so the page count is 1 + items.
- **HTML**: one self-contained file, plotly.js inlined once, interactive charts, no network.

A pack renders only what ``build_review`` computed for the viewer, so it respects the viewer's scope; the
caller records the export (``export_pack`` does both). Titles follow the Review's language.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analytics.core.i18n import fmt_number
from analytics.reviews.content import Item, Review, subtitle
from analytics.reviews.export import chart_bytes, record_export

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from analytics.core.db import Database

PACK_FORMATS: dict[str, str] = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILE = "NotoSansCJK-Regular.ttc"   # one face: subsetting a CJK CFF font is the slow part, so bold is drawn
CJK_SC_INDEX = 2          # Noto Sans CJK SC inside the collection (JP, KR, SC, TC, HK, ...)
CHART_SIZE = (1000, 520)  # layout pixels of the chart images in PPTX and PDF
CHART_SCALE = 2.0
SMALL_TABLE = (12, 7)     # rows, columns: at most this many become a native PPTX table beside a chart
SIDE_BY_SIDE_COLUMNS = 4  # PDF: a table this narrow sits beside the chart; a wider one goes below it
TABLE_ROWS = 14           # rows shown when a table stands alone (the rest are counted)

Progress = Callable[[float, str], None]

TEXT = {
    "en": {"definition": "Definition", "notes": "Definitions", "more": "… {n} more rows", "contents": "Contents",
           "footer": "Tandem · {title}", "generated": "Generated {at}"},
    "zh": {"definition": "口径说明", "notes": "口径说明", "more": "……另有 {n} 行", "contents": "目录",
           "footer": "Tandem · {title}", "generated": "生成于 {at}"},
}


def _tx(key: str, lang: str, **values: object) -> str:
    text = TEXT["zh" if lang == "zh" else "en"][key]
    return text.format(**values) if values else text


def cell_text(value: object, unit: str | None, lang: str) -> str:
    """A table cell for display: registry units via ``fmt_number``; dates ISO; empty as a dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if unit and isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(float(value), unit, lang)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def display_rows(item: Item, lang: str, limit: int | None = None) -> tuple[list[str], list[list[str]], int]:
    """(header, formatted rows, rows left out) of an item's table."""
    table = item.table if item.table is not None else pl.DataFrame()
    head = table.head(limit) if limit is not None else table
    units = [item.table_units.get(c) for c in table.columns]
    rows = [[cell_text(v, u, lang) for v, u in zip(row, units, strict=True)] for row in head.iter_rows()]
    return list(table.columns), rows, table.height - head.height


_IMAGE_CACHE: OrderedDict[str, bytes] = OrderedDict()  # chart JSON digest → PNG; keyed by content, so shared
_IMAGE_CACHE_SIZE = 64                                 # safely (the same figure is the same picture for anyone)
_IMAGE_LOCK = threading.Lock()


def chart_stamp(review: Review) -> str:
    """What every exported chart of a review carries on the image: its scope and period."""
    return f"{review.scope_label or review.scope} · {review.period}"


def _png(fig: go.Figure, stamp: str | None = None) -> bytes:
    key = hashlib.sha256(f"{CHART_SIZE}{CHART_SCALE}{stamp}{fig.to_json()}".encode()).hexdigest()
    with _IMAGE_LOCK:
        if key in _IMAGE_CACHE:
            _IMAGE_CACHE.move_to_end(key)
            return _IMAGE_CACHE[key]
    data = chart_bytes(fig, "png", *CHART_SIZE, scale=CHART_SCALE, stamp=stamp)
    with _IMAGE_LOCK:
        _IMAGE_CACHE[key] = data
        while len(_IMAGE_CACHE) > _IMAGE_CACHE_SIZE:
            _IMAGE_CACHE.popitem(last=False)
    return data


def _images(review: Review, progress: Progress | None) -> dict[str, bytes]:
    """PNG of every item's chart, through the one kaleido server of this process (a PPTX then a PDF of the same
    review draws each chart once)."""
    charts = [it for it in review.items if it.figure is not None]
    out = {}
    for i, it in enumerate(charts):
        if progress:
            progress(i / max(len(charts), 1), f"chart {i + 1}/{len(charts)}: {it.id}")
        out[it.id] = _png(it.figure, chart_stamp(review))
    return out


# ── PPTX ─────────────────────────────────────────────────────────────────
def _pptx(review: Review, images: dict[str, bytes]) -> bytes:
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    width = prs.slide_width

    title_slide = prs.slides.add_slide(prs.slide_layouts[0])
    head, sub = title_slide.shapes.title, title_slide.placeholders[1]
    head.left, head.top, head.width, head.height = Inches(0.8), Inches(2.2), width - Inches(1.6), Inches(1.5)
    sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(3.9), width - Inches(1.6), Inches(1.2)
    head.text = review.title
    sub.text = subtitle(review)
    title_slide.notes_slide.notes_text_frame.text = "\n".join(f"{i + 1}. {it.title}"
                                                               for i, it in enumerate(review.items))

    for it in review.items:
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.25), width - Inches(1.0), Inches(0.9)
        title.text = it.title
        for p in title.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(30)
        box = slide.shapes.add_textbox(Inches(0.5), Inches(1.15), width - Inches(1.0), Inches(0.8))
        box.text_frame.word_wrap = True
        box.text_frame.text = it.takeaway
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(16)
        top, height = Inches(2.05), Inches(5.2)
        n_rows = it.table.height if it.table is not None else 0
        n_cols = it.table.width if it.table is not None else 0
        small = it.table is not None and n_rows <= SMALL_TABLE[0] and n_cols <= SMALL_TABLE[1]
        image = images.get(it.id)
        wide = n_cols > SIDE_BY_SIDE_COLUMNS  # a wide table gets more of the slide, the chart less
        split = Inches(5.8) if wide else Inches(7.4)
        if image is not None:
            chart_w = split if small else width - Inches(1.0)
            ratio = CHART_SIZE[1] / CHART_SIZE[0]
            w = min(chart_w, Emu(int(height / ratio)))
            slide.shapes.add_picture(io.BytesIO(image), Inches(0.5), top, width=w)
        if it.table is not None and (small or image is None):
            left = split + Inches(0.7) if image is not None else Inches(0.5)
            table_w = width - left - Inches(0.5)
            header, rows, more = display_rows(it, review.lang, None if small else TABLE_ROWS)
            shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, table_w,
                                           Inches(0.3) * (len(rows) + 1))
            for j, name in enumerate(header):
                shape.table.cell(0, j).text = name
            for i, row in enumerate(rows, start=1):
                for j, value in enumerate(row):
                    shape.table.cell(i, j).text = value
            size = Pt(11 if len(rows) <= 8 and not wide else 9)
            for cell in shape.table.iter_cells():
                for p in cell.text_frame.paragraphs:
                    for r in p.runs:
                        r.font.size = size
            if more:
                note = slide.shapes.add_textbox(left, Inches(7.0), table_w, Inches(0.3))
                note.text_frame.text = _tx("more", review.lang, n=more)
        slide.notes_slide.notes_text_frame.text = it.definition
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# ── PDF ──────────────────────────────────────────────────────────────────
def _font_path() -> Path:
    path = FONT_DIR / FONT_FILE
    if not path.exists():
        from analytics.reviews.export import ExportError

        raise ExportError(f"The PDF needs the Noto CJK font {path}; install the fonts-noto-cjk package.")
    return path


class _Pdf:
    """A4 landscape pages with fitted content: nothing ever flows onto an extra page."""

    W, H, M = 297.0, 210.0, 12.0

    def __init__(self, review: Review) -> None:
        from fpdf import FPDF

        self.review = review
        self.pdf = FPDF(orientation="L", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(self.M, self.M, self.M)
        self.pdf.add_font("cjk", "", str(_font_path()), collection_font_number=CJK_SC_INDEX)
        self.pdf.set_line_width(0.25)
        self.pdf.set_title(review.title)
        self.pdf.set_creator("Tandem")
        self.pdf.set_lang("zh-CN" if review.lang == "zh" else "en")

    def font(self, size: float, bold: bool = False) -> None:
        """The CJK face at ``size``; bold is the same face filled and stroked (one font to subset, not two)."""
        from fpdf.enums import TextMode

        self.pdf.set_font("cjk", "", size)
        self.pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL

    def _lines(self, text: str, width: float, size: float, max_lines: int, style: str = "") -> list[str]:
        self.font(size, style == "B")
        lines: list[str] = []
        for para in text.splitlines() or [""]:
            lines += self.pdf.multi_cell(width, size * 0.45, para, dry_run=True, output="LINES") or [""]
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = self._fit(lines[-1].rstrip() + "…", width)
        return lines

    def _fit(self, text: str, width: float) -> str:
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def _write(self, x: float, y: float, lines: list[str], size: float, style: str = "",
               colour: tuple[int, int, int] = (29, 39, 51)) -> float:
        self.font(size, style == "B")
        self.pdf.set_text_color(*colour)
        self.pdf.set_draw_color(*colour)
        step = size * 0.45
        for i, line in enumerate(lines):
            self.pdf.set_xy(x, y + i * step)
            self.pdf.cell(self.W - 2 * self.M, step, line)
        return y + len(lines) * step

    def footer(self) -> None:
        text = f"{_tx('footer', self.review.lang, title=self.review.title)} · {self.pdf.page_no()}"
        self._write(self.M, self.H - 8, [self._fit(text, self.W - 2 * self.M)], 7.5, colour=(120, 128, 138))

    def title_page(self) -> None:
        r = self.review
        self.pdf.add_page()
        y = self._write(self.M, 55, self._lines(r.title, self.W - 2 * self.M, 26, 2, "B"), 26, "B")
        y = self._write(self.M, y + 6, self._lines(subtitle(r), self.W - 2 * self.M, 13, 2), 13)
        y = self._write(self.M, y + 10, [_tx("contents", r.lang)], 12, "B")
        items = [self._fit(f"{i + 1}. {it.title}", self.W - 2 * self.M) for i, it in enumerate(r.items)]
        self._write(self.M + 4, y + 2, items[:16], 11)
        self.footer()

    def table(self, item: Item, x: float, y: float, width: float, bottom: float) -> None:
        size, row_h = 8.5, 5.6
        header, rows, more = display_rows(item, self.review.lang)
        fits = max(int((bottom - y) // row_h) - 1, 1)
        if len(rows) > fits:
            more += len(rows) - (fits - 1)
            rows = rows[: fits - 1]
        widths = self._column_widths(header, rows, width, size)
        self.pdf.set_draw_color(201, 209, 217)
        for r, row in enumerate([header, *rows]):
            self.font(size)
            self.pdf.set_fill_color(232, 237, 242)
            self.pdf.set_xy(x, y + r * row_h)
            for value, w in zip(row, widths, strict=True):
                self.pdf.cell(w, row_h, self._fit(value, w - 1.5), border="B", fill=r == 0)
        if more:
            self._write(x, y + (len(rows) + 1) * row_h + 1, [_tx("more", self.review.lang, n=more)], 8,
                        colour=(120, 128, 138))

    def _column_widths(self, header: list[str], rows: list[list[str]], width: float, size: float) -> list[float]:
        self.font(size)
        natural = [max([self.pdf.get_string_width(v) for v in [h, *[r[j] for r in rows]]] + [8.0]) + 3
                   for j, h in enumerate(header)]
        total = sum(natural)
        return [w * width / total for w in natural] if total > width else natural

    def item_page(self, item: Item, image: bytes | None) -> None:
        self.pdf.add_page()
        inner = self.W - 2 * self.M
        y = self._write(self.M, self.M, self._lines(item.title, inner, 18, 1, "B"), 18, "B")
        y = self._write(self.M, y + 3, self._lines(item.takeaway, inner, 11.5, 3), 11.5)
        definition = self._lines(item.definition, inner, 7.5, 4)
        bottom = self.H - 12 - len(definition) * 7.5 * 0.45 - 3
        top = y + 4
        has_table = item.table is not None and item.table.height > 0
        ratio = CHART_SIZE[1] / CHART_SIZE[0]
        if image is not None and has_table and item.table.width > SIDE_BY_SIDE_COLUMNS:  # chart above, table below
            rows_h = min(item.table.height + 1, 11) * 5.6 + 6
            h = max(bottom - top - rows_h, 55.0)
            w = min(inner, h / ratio)
            self.pdf.image(io.BytesIO(image), x=self.M, y=top, w=w, h=w * ratio)
            self.table(item, self.M, top + w * ratio + 3, inner, bottom)
        elif image is not None:
            chart_w = inner * (0.6 if has_table else 1.0)
            w = min(chart_w, (bottom - top) / ratio)
            self.pdf.image(io.BytesIO(image), x=self.M, y=top, w=w, h=w * ratio)
            if has_table:
                self.table(item, self.M + chart_w + 6, top, inner - chart_w - 6, bottom)
        elif has_table:
            self.table(item, self.M, top, inner, bottom)
        self._write(self.M, bottom + 2, definition, 7.5, colour=(90, 98, 108))
        self.footer()

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _pdf(review: Review, images: dict[str, bytes]) -> bytes:
    doc = _Pdf(review)
    doc.title_page()
    for it in review.items:
        doc.item_page(it, images.get(it.id))
    if doc.pdf.page_no() != 1 + len(review.items):  # the layout guarantees it; say so loudly if it ever breaks
        raise AssertionError(f"PDF has {doc.pdf.page_no()} pages for {len(review.items)} items.")
    return doc.output()


# ── HTML ─────────────────────────────────────────────────────────────────
_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",Arial,
sans-serif;color:#1d2733;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.5}
header{border-bottom:2px solid #1f5f8b;margin-bottom:1.5rem}h1{margin:.2rem 0}.sub{color:#5a626c}
section{margin:2.5rem 0;page-break-inside:avoid}.take{font-size:1.1rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}th,td{padding:.25rem .6rem;border-bottom:1px solid
#dfe4ea;text-align:left}th{background:#e8edf2}td.n{text-align:right}details{color:#5a626c;font-size:.85rem}
nav ol{columns:2}
"""


def _html(review: Review) -> bytes:
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    lang = review.lang
    esc = html.escape
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(review.title)}</title>'
             f"<style>{_CSS}</style><script>{get_plotlyjs()}</script></head><body>",
             f'<header><h1>{esc(review.title)}</h1><p class="sub">{esc(subtitle(review))}</p></header>',
             f"<nav><h2>{esc(_tx('contents', lang))}</h2><ol>"
             + "".join(f'<li><a href="#item-{esc(it.id)}">{esc(it.title)}</a></li>' for it in review.items)
             + "</ol></nav>"]
    for it in review.items:
        parts.append(f'<section id="item-{esc(it.id)}"><h2>{esc(it.title)}</h2><p class="take">{esc(it.takeaway)}</p>')
        if it.figure is not None:
            parts.append(pio.to_html(it.figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{it.id}",
                                     config={"displaylogo": False, "responsive": True}))
        if it.table is not None and it.table.height:
            header, rows, _ = display_rows(it, lang)
            numeric = [it.table_units.get(c) is not None or it.table.schema[c].is_numeric() for c in it.table.columns]
            parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"
                         + "".join("<tr>" + "".join(f'<td{" class=n" if n else ""}>{esc(v)}</td>'
                                                    for v, n in zip(row, numeric, strict=True)) + "</tr>"
                                   for row in rows) + "</tbody></table>")
        definition = "<br>".join(esc(line) for line in it.definition.splitlines())
        parts.append(f"<details><summary>{esc(_tx('definition', lang))}</summary><p>{definition}</p></details>"
                     "</section>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


# ── entry points ─────────────────────────────────────────────────────────
def pack_bytes(review: Review, fmt: str, progress: Progress | None = None) -> bytes:
    """The whole review as one PPTX, PDF or HTML file."""
    if fmt not in PACK_FORMATS:
        from analytics.reviews.export import ExportError

        raise ExportError(f"Pack format {fmt!r} is not offered; choose {', '.join(PACK_FORMATS)}.")
    if fmt == "html":
        data = _html(review)
    else:
        images = _images(review, progress)
        if progress:
            progress(0.9, f"writing {fmt.upper()}")
        data = _pptx(review, images) if fmt == "pptx" else _pdf(review, images)
    if progress:
        progress(1.0, "done")
    return data


def pack_filename(review: Review, fmt: str) -> str:
    return f"tandem-{review.kind}-{review.period}-{review.lang}.{fmt}".replace("..", "_").replace("/", "_")


def record_pack_export(db: Database, review: Review, fmt: str, actor: str, n_bytes: int) -> None:
    """The audit entry of an exported pack: what, the review's scope, the number of table rows exported."""
    rows = sum(it.table.height for it in review.items if it.table is not None)
    record_export(db, actor, f"review pack {pack_filename(review, fmt)}", review.scope, rows,
                  {"format": fmt, "kind": review.kind, "period": review.period, "items": len(review.items),
                   "review_id": review.review_id, "bytes": n_bytes})


def export_pack(db: Database, review: Review, fmt: str, actor: str, progress: Progress | None = None) -> bytes:
    """``pack_bytes`` plus its audit entry (for pages, whose download follows)."""
    data = pack_bytes(review, fmt, progress)
    record_pack_export(db, review, fmt, actor, len(data))
    return data


def benchmarks_pack(db_path: str | Path, period: str = "2025-Q3", lang: str = "en") -> dict[str, float]:
    """Seconds for a quarterly review end to end on one database: build, PPTX (first, with the browser start,
    and again warm), PDF, HTML, and one chart export after the first. Read-only; writes nothing."""
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import parse_period
    from analytics.reviews.content import build_review

    out: dict[str, float] = {}
    db = Database(db_path, read_only=True)
    try:
        _IMAGE_CACHE.clear()
        t0 = time.perf_counter()
        review = build_review(db, full_access("bench"), "quarterly", parse_period(period), lang=lang)
        out["build_quarterly_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        pack_bytes(review, "pptx")
        out["pptx_first_s"] = time.perf_counter() - t  # includes starting Chromium when this process has not yet
        out["quarterly_pptx_end_to_end_s"] = time.perf_counter() - t0
        for fmt in ("pptx", "pdf", "html"):
            _IMAGE_CACHE.clear()  # browser running, charts drawn again: the cost of a pack on its own
            t = time.perf_counter()
            pack_bytes(review, fmt)
            out[f"{fmt}_warm_s"] = time.perf_counter() - t
        t = time.perf_counter()
        pack_bytes(review, "pdf")
        out["pdf_after_pptx_s"] = time.perf_counter() - t  # charts from the cache
        fig = next(it.figure for it in review.items if it.figure is not None)
        t = time.perf_counter()
        chart_bytes(fig, "png", 1200, 700)
        out["chart_png_after_first_s"] = time.perf_counter() - t
        out["items"] = float(len(review.items))
    finally:
        db.close()
    return {k: round(v, 3) for k, v in out.items()}
