"""Every chart on a page has its PNG / SVG / PDF downloads, and every exported image says what it covers:
the sidebar scope, the drill-down unit and the period, drawn into the figure at export time."""
from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from analytics.reviews import export
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

FORMATS = ("png", "svg", "pdf")


def _key(element) -> str:
    return element.proto.id.split("-", 2)[-1]  # "$$ID-<hash>-<user key>"


def _open(page: str | None, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _downloads(at: AppTest) -> dict[str, object]:
    return {_key(b): b for b in at.get("download_button")}


@pytest.mark.parametrize("page", [None, "pages/attrition.py", "pages/quota.py"], ids=["overview", "attrition", "quota"])
def test_every_chart_has_its_downloads(app_db: Path, page: str | None):
    at = _open(page)
    charts = at.get("plotly_chart")
    assert len(charts) >= (4 if page is None else 3)
    buttons = _downloads(at)
    for c in charts:
        missing = [f for f in FORMATS if f"dl_{_key(c)}_{f}" not in buttons]
        assert not missing, f"chart {_key(c)} has no {missing} download"
    chart_buttons = [k for k in buttons if k.startswith("dl_")]
    assert len(chart_buttons) == len(FORMATS) * len(charts)
    assert len(at.get("popover")) >= len(charts)


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The callables behind deferred download buttons, by file id (AppTest's media manager lives for one run)."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def _stamp_of(at: AppTest, chart_key: str, monkeypatch: pytest.MonkeyPatch, deferred: dict
              ) -> tuple[str, go.Figure]:
    """Run the PNG download of one chart (its deferred callable) with the renderer replaced by a recorder."""
    seen: dict[str, object] = {}

    def fake(fig, fmt="png", width=None, height=None, scale=1.0, stamp=None):
        seen.update(fig=fig, fmt=fmt, stamp=stamp)
        return b"\x89PNG"

    monkeypatch.setattr(export, "chart_bytes", fake)
    button = _downloads(at)[f"dl_{chart_key}_png"]
    deferred[button.proto.deferred_file_id]()
    assert seen["fmt"] == "png"
    return str(seen["stamp"]), seen["fig"]


def test_exports_carry_scope_and_period(app_db: Path, monkeypatch: pytest.MonkeyPatch, deferred: dict):
    at = _open("pages/attrition.py")
    period = at.selectbox(key="period_quarter").value
    stamp, _ = _stamp_of(at, "attr_trend", monkeypatch, deferred)
    assert stamp.startswith("Whole company · ") and period in stamp
    east = _open("pages/attrition.py", scope_region="east")
    stamp, _ = _stamp_of(east, "attr_trend", monkeypatch, deferred)
    assert stamp.startswith("East · ") and period in stamp
    zh = _open("pages/attrition.py", scope_region="east", lang="zh")
    stamp, _ = _stamp_of(zh, "attr_heatmap", monkeypatch, deferred)
    assert stamp.startswith("华东 · ")


def test_drill_down_in_the_title_and_on_the_exported_chart(app_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                         deferred: dict):
    at = _open("pages/attrition.py", attr_drill=["region", "east"])
    assert at.title[0].value == "Attrition & retention · East"
    stamp, _ = _stamp_of(at, "attr_bars_team", monkeypatch, deferred)
    assert stamp.startswith("Whole company › East · ")
    quota = _open("pages/quota.py", quota_path=["east"])
    assert quota.title[0].value.endswith(" · East")
    stamp, _ = _stamp_of(quota, "quota_bars_team_east", monkeypatch, deferred)
    assert stamp.startswith("Whole company › East · ")


def test_the_stamp_is_drawn_into_the_exported_figure(monkeypatch: pytest.MonkeyPatch):
    import kaleido

    specs: list[dict] = []
    monkeypatch.setattr(export, "_start_server", lambda: None)
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda spec, opts: specs.append(spec) or b"img")
    titled = go.Figure(go.Bar(x=[1], y=["a"]), layout=dict(title="Attainment"))
    export.chart_bytes(titled, "png", stamp="East › East Team 1 · 2025-Q4")
    assert specs[-1]["layout"]["title"]["text"] == "Attainment"
    assert specs[-1]["layout"]["title"]["subtitle"]["text"] == "East › East Team 1 · 2025-Q4"
    export.chart_bytes(go.Figure(go.Bar(x=[1], y=["a"])), "svg", stamp="Whole company · 2025-Q4")
    assert specs[-1]["layout"]["title"]["text"] == "Whole company · 2025-Q4"
    export.chart_bytes(titled, "pdf")
    assert "subtitle" not in specs[-1]["layout"]["title"]
    assert "subtitle" not in titled.to_dict()["layout"]["title"]  # the figure on screen is left as it was


def test_exported_png_differs_with_scope():
    fig = go.Figure(go.Bar(x=[0.2, 0.5], y=["a", "b"], orientation="h"), layout=dict(title="Attrition"))
    east = export.chart_bytes(fig, "png", width=400, height=300, stamp="East · 2025-Q4")
    north = export.chart_bytes(fig, "png", width=400, height=300, stamp="North · 2025-Q4")
    assert export.image_size(east) == export.image_size(north) == (400, 300)
    assert east != north


def test_a_review_chart_is_stamped_with_the_meetings_scope_and_period(demo_db_path: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      deferred: dict):
    import shutil

    path = tmp_path / "review.duckdb"  # the review page may write (its seeded meeting): a copy of its own
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    at = _open("pages/review_monthly.py")
    month = at.selectbox(key="meeting_monthly").value
    key = next(k for k in _downloads(at) if k.startswith("dl_review_") and k.endswith("_png"))
    stamp, _ = _stamp_of(at, key[3:-4], monkeypatch, deferred)
    assert stamp == f"Whole company · {month}", stamp  # the meeting's month
