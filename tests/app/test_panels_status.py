"""The Admin page's "Monthly panels" section under AppTest: current panels with their months, as-of date, rows and
the engine that built them (DuckDB, or Apache Spark as `panels build --engine spark` stamps them), a data change
shown as a rebuild, in English and Chinese, with nothing raw on screen."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from analytics.core import panels
from analytics.core.db import Database
from analytics.core.i18n import fmt_date, t
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible


@pytest.fixture
def own(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "admin_view.duckdb"  # (a file named panels.duckdb would shadow the panels schema)
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    db = Database(path)
    panels.build(db)  # current (the demo file may predate this code's way of building them)
    db.close()
    return path


def _section(at) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_current_panels_say_what_they_cover_and_which_engine_built_them(own: Path, lang: str):
    db = Database(own)
    info = panels.built(db)
    assert info is not None and panels.engine_of(db) == "duckdb" and panels.built_at(db) is not None
    rows = panels.panel_rows(db)
    db.close()
    assert rows > 100_000  # the small demo's panels
    at = open_signed_in("admin.py", "demo.admin", lang)
    assert t("panels.title", lang) in [s.value for s in at.subheader]
    captions = " ".join(_section(at))
    assert fmt_date(info.as_of, lang) in captions and t("panels.engine_duckdb", lang) in captions
    assert t("panels.engine_spark", lang) not in captions
    assert t("panels.commands", lang) in [e.label for e in at.expander]
    assert not problems(visible(at, "admin.py", lang), lang, str(own))


def test_panels_stamped_by_spark_and_a_data_change(own: Path):
    db = Database(own)
    info = panels.built(db)
    plan = panels.plan_for(info.token, info.first_month, info.last_month, info.as_of)
    with db.transaction(bump=False) as cur:  # what build_on_spark writes after loading Spark's results
        panels.stamp(cur, dataclasses.replace(plan), engine="spark")
    db.close()
    at = open_signed_in("admin.py", "demo.admin", "zh")
    assert t("panels.engine_spark", "zh") in " ".join(_section(at))
    db = Database(own)
    with db.transaction():  # new data: the panels belong to the old data token
        pass
    db.close()
    at = open_signed_in("admin.py", "demo.admin", "en")
    # the Spark-built panels belong to the old data: rebuilding (or rebuilt by the app itself, on DuckDB)
    captions = " ".join(_section(at))
    assert t("panels.stale", "en") in captions or t("panels.engine_duckdb", "en") in captions
    assert t("panels.engine_spark", "en") not in captions
