"""Messages phrased for a web user: a database held by another program is a wait, not a command-line flag; the
Data page offers the CSV encoding choice the importer takes."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.i18n import t
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def test_a_database_held_by_another_program_reads_as_a_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "c.execute('create table t (x int)'); print('ready', flush=True); time.sleep(60)",
                               str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("TANDEM_DB", str(path))
        for lang in ("en", "zh"):
            at = AppTest.from_file(APP, default_timeout=TIMEOUT)
            at.session_state["lang"] = lang
            at.run()
            assert not at.exception, at.exception
            assert [e.value for e in at.error] == [t("app.db_locked", lang)]
            assert "--db" not in at.error[0].value
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)


def test_the_data_page_offers_the_csv_encoding(app_db: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    box = at.selectbox(key="data_encoding")
    assert box.value is None and box.options[0] == "自动识别" and "CP1252" in box.options
