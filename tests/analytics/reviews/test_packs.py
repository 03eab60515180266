"""Review packs: PPTX slides with pictures and notes, a PDF with a predictable page count, a self-contained
HTML file, both languages, the viewer's scope respected, and the export command line."""
from __future__ import annotations

import html
import re
import shutil
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.reviews.content import Review, build_review
from analytics.reviews.packs import pack_bytes, pack_filename

EAST_AGG = Viewer("east_manager", frozenset({"east"}), frozenset())


@pytest.fixture(scope="module")
def db_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("packs") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture(scope="module")
def zh_quarterly(db_path: Path) -> Review:
    db = Database(db_path, read_only=True)
    try:
        return build_review(db, full_access("director"), "quarterly", parse_period("2025-Q3"), lang="zh")
    finally:
        db.close()


@pytest.fixture(scope="module")
def en_monthly(db_path: Path) -> Review:
    db = Database(db_path, read_only=True)
    try:
        return build_review(db, full_access("hr"), "monthly", parse_period("2025-11"), lang="en")
    finally:
        db.close()


def pdf_pages(data: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a test dependency; fall back to counting page objects
        return len(re.findall(rb"/Type\s*/Page(?!s)", data))
    return len(PdfReader(BytesIO(data)).pages)


def test_pptx_has_a_title_slide_and_one_slide_per_item(zh_quarterly):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    review = zh_quarterly
    prs = Presentation(BytesIO(pack_bytes(review, "pptx")))
    slides = list(prs.slides)
    assert len(slides) == 1 + len(review.items)
    assert slides[0].shapes.title.text == review.title == "季度战略会 2025-Q3"
    assert "2025-Q3" in slides[0].placeholders[1].text and "全公司" in slides[0].placeholders[1].text
    for slide, item in zip(slides[1:], review.items, strict=True):
        assert slide.shapes.title.text == item.title
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if item.figure is not None else 0), item.id
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert item.takeaway in texts
        assert slide.notes_slide.notes_text_frame.text == item.definition
    attainment = slides[1 + [i.id for i in review.items].index("attainment")]
    tables = [s.table for s in attainment.shapes if s.has_table]
    assert tables and tables[0].cell(1, 0).text == "<50%"  # the band table, native


def test_chinese_titles_are_in_the_pptx_xml(zh_quarterly):
    with zipfile.ZipFile(BytesIO(pack_bytes(zh_quarterly, "pptx"))) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("ppt/slides/slide"))
    for title in [zh_quarterly.title, *[i.title for i in zh_quarterly.items]]:
        assert title in xml


def test_pdf_has_one_title_page_plus_one_page_per_item(zh_quarterly, en_monthly):
    for review in (zh_quarterly, en_monthly):
        data = pack_bytes(review, "pdf")
        assert data.startswith(b"%PDF")
        assert pdf_pages(data) == 1 + len(review.items)


def test_pdf_text_is_chinese(zh_quarterly):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(BytesIO(pack_bytes(zh_quarterly, "pdf")))
    # pypdf reads fpdf2's two-byte ToUnicode map with a NUL before each character (poppler's pdftotext
    # reads the same file clean), so NULs are dropped before comparing
    pages = [page.extract_text().replace("\x00", "") for page in reader.pages[:2]]
    assert "季度战略会" in pages[0]
    assert zh_quarterly.items[0].title in pages[1]


def test_html_is_self_contained_with_plotly_inlined_once(zh_quarterly):
    text = pack_bytes(zh_quarterly, "html").decode("utf-8")
    assert '<html lang="zh-CN">' in text and zh_quarterly.title in text
    for item in zh_quarterly.items:
        assert html.escape(item.title) in text and html.escape(item.takeaway) in text
    assert text.count("<script src") == 0 and "cdn.plot.ly" not in text.split("</head>")[1]
    assert len(re.findall(r"plotly\.js v\d", text)) == 1  # the library header, once
    charts = sum(1 for i in zh_quarterly.items if i.figure is not None)
    assert text.count("Plotly.newPlot(") == charts


def test_packs_show_only_what_the_viewer_may_see(db_path, en_monthly):
    db = Database(db_path, read_only=True)
    try:
        agg = build_review(db, EAST_AGG, "monthly", parse_period("2025-11"), lang="en")
    finally:
        db.close()
    names = en_monthly.item("alerts").table["Name"].to_list()
    assert names
    page = pack_bytes(agg, "html").decode("utf-8")
    assert not [n for n in names if n in page]
    assert "East (aggregates only)" in page
    assert pack_filename(agg, "html") == "tandem-monthly-2025-11-en.html"


def test_unknown_pack_format_is_refused(en_monthly):
    from analytics.reviews.export import ExportError

    with pytest.raises(ExportError, match="not offered"):
        pack_bytes(en_monthly, "docx")


# ── command line ─────────────────────────────────────────────────────────
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exports_a_pack_and_audits_it(db_path, tmp_path, capsys):
    out = tmp_path / "q3.html"
    code, text, _ = run(capsys, "export", "--review", "quarterly", "--period", "2025-Q3", "--lang", "zh", "--format",
                        "html", "--out", str(out), "--db", str(db_path), "--quiet")
    assert code == 0 and "季度战略会 2025-Q3" in text
    assert "季度战略会 2025-Q3" in out.read_text(encoding="utf-8")
    db = Database(db_path, read_only=True)
    try:
        last = db.sql("select actor, action, target from audit_log order by event_id desc limit 1").row(0)
    finally:
        db.close()
    assert last == ("cli", "export", "review pack tandem-quarterly-2025-Q3-zh.html")


def test_cli_exports_one_chart(db_path, tmp_path, capsys):
    from analytics.reviews.export import image_size

    out = tmp_path / "att.png"
    code, _, err = run(capsys, "export", "--review", "quarterly", "--period", "2025-Q3", "--chart", "attainment",
                       "--format", "png", "--width", "900", "--height", "500", "--out", str(out), "--db", str(db_path),
                       "--quiet")
    assert code == 0, err
    assert image_size(out.read_bytes()) == (900, 500)


def test_exported_charts_carry_their_scope_and_period(db_path, tmp_path, capsys, monkeypatch):
    """The chart export and every chart image in a pack say on the image what they cover."""
    out = tmp_path / "att.svg"
    code, _, err = run(capsys, "export", "--review", "quarterly", "--period", "2025-Q3", "--chart", "attainment",
                       "--format", "svg", "--lang", "zh", "--out", str(out), "--db", str(db_path), "--quiet")
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    assert "2025-Q3" in svg and "全公司" in svg
    from analytics.reviews import packs

    stamps = []
    monkeypatch.setattr(packs, "chart_bytes", lambda fig, fmt, *a, stamp=None, **k: stamps.append(stamp) or b"x")
    monkeypatch.setattr(packs, "_IMAGE_CACHE", type(packs._IMAGE_CACHE)())
    db = Database(db_path, read_only=True)
    try:
        review = build_review(db, full_access(), "quarterly", parse_period("2025-Q3"), lang="en")
    finally:
        db.close()
    packs._images(review, None)
    assert stamps and set(stamps) == {f"{review.scope_label} · 2025-Q3"}


@pytest.mark.parametrize(("argv", "needle"), [
    (["--review", "quarterly", "--period", "2025-Q7"], "is not a period"),
    (["--review", "quarterly", "--period", "2025-11"], "covers one quarter"),
    (["--review", "quarterly", "--period", "2025-Q3", "--chart", "decisions", "--format", "png"], "has no chart"),
    (["--review", "quarterly", "--period", "2025-Q3", "--format", "png"], "name a --chart"),
    (["--period", "2025-Q3"], "Give --review"),
])
def test_cli_errors_are_one_sentence_and_write_nothing(db_path, tmp_path, capsys, argv, needle):
    out = tmp_path / "pack.out"
    code, _, err = run(capsys, "export", *argv, "--out", str(out), "--db", str(db_path), "--quiet")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_an_unwritable_output_before_building(db_path, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, _, err = run(capsys, "export", "--review", "quarterly", "--period", "2025-Q3", "--out",
                       str(blocker / "q3.pptx"), "--db", str(db_path))
    assert code == 2 and "is a file, not a folder" in err and "building" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]
