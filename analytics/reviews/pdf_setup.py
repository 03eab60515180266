"""The one-page portrait PDFs (the growth archive, the usage report): an A4 document with the CJK font, its title,
creator and language set, and no automatic page breaks (each document places its content itself)."""
from __future__ import annotations

from typing import Any

from analytics.reviews.packs import CJK_SC_INDEX, _font_path


def a4_portrait(title: str, lang: str, margin: float) -> Any:
    """An fpdf2 ``FPDF`` in millimetres with ``margin`` on every side and the font "cjk" (Noto Sans CJK SC)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(margin, margin, margin)
    pdf.add_font("cjk", "", str(_font_path()), collection_font_number=CJK_SC_INDEX)
    pdf.set_title(title)
    pdf.set_creator("Tandem")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    return pdf
