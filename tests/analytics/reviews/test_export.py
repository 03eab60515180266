"""Exports: formula-safe tables, charts through kaleido and the system Chromium, atomic files, the audit entry."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from analytics.charts.figures import TEMPLATE
from analytics.reviews import export
from analytics.reviews.export import (
    ExportError,
    chart_bytes,
    check_writable,
    csv_bytes,
    image_size,
    record_export,
    write_atomic,
)


@pytest.fixture(scope="module")
def figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["华东", "华北"], y=[0.8, 1.1]))
    fig.update_layout(template=TEMPLATE, title="指标达成率 Attainment", height=300)
    return fig


def test_csv_neutralises_formulas_and_keeps_chinese():
    data = csv_bytes(pl.DataFrame({"name": ["=1+1", "华东", "@cmd"], "n": [1, 2, 3]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and "'@cmd" in text and "华东" in text


def test_png_is_a_real_image_of_the_requested_size(figure):
    png = chart_bytes(figure, "png", width=640, height=360, scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert image_size(png) == (1280, 720)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:  # decodes: not just a header
        im.load()
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # bars, text and anti-aliasing, not a blank page


def test_png_defaults_to_the_figure_size(figure):
    assert image_size(chart_bytes(figure, "png")) == (export.DEFAULT_SIZE[0], 300)


def test_svg_carries_the_chinese_text_in_the_cjk_font(figure):
    svg = chart_bytes(figure, "svg", 800, 400).decode("utf-8")
    assert svg.startswith("<svg") and "指标达成率" in svg and "华东" in svg
    assert "Noto Sans CJK SC" in svg


def test_pdf_chart_is_one_pdf_page(figure):
    data = chart_bytes(figure, "pdf", 800, 400)
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"fmt": "gif"}, "not offered"),
    ({"width": 10}, "out of range"),
    ({"height": 100_000}, "out of range"),
    ({"scale": 0}, "out of range"),
])
def test_bad_chart_requests_are_one_sentence(figure, kwargs, needle):
    with pytest.raises(ExportError, match=needle):
        chart_bytes(figure, **kwargs)


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "chart.png"
    out.write_bytes(b"old")
    write_atomic(out, b"new bytes")
    assert out.read_bytes() == b"new bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]


def test_unwritable_paths_are_refused_before_any_work(tmp_path):
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    for path, needle in [(tmp_path / "missing" / "r.pptx", "does not exist"), (a_file / "r.pptx", "is a file"),
                         (tmp_path, "is a folder")]:
        with pytest.raises(ExportError, match=needle):
            check_writable(path)
        with pytest.raises(ExportError, match=needle):
            write_atomic(path, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"previous pack")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ExportError, match="No space left on device"):
        write_atomic(out, b"half a pack")
    assert out.read_bytes() == b"previous pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.pdf"]


def test_record_export_is_audited_without_touching_the_data_version(tiny_db):
    version = tiny_db.data_version
    record_export(tiny_db, "alice", "chart sales png", "alice|*|person|5|None", 12, {"format": "png"})
    row = tiny_db.sql("select actor, action, target, scope, n_rows from audit_log order by event_id desc limit 1")
    assert row.row(0) == ("alice", "export", "chart sales png", "alice|*|person|5|None", 12)
    assert tiny_db.data_version == version


def test_image_size_refuses_other_data():
    with pytest.raises(ExportError):
        image_size(b"GIF89a....")


def test_check_writable_returns_the_path(tmp_path: Path):
    assert check_writable(tmp_path / "new.pptx") == tmp_path / "new.pptx"
