"""Stored results (analytics/core/result_store.py): served only for the data state and code that computed them."""
from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from analytics.core import result_store
from analytics.core.db import Database
from analytics.core.result_store import MISSING, ResultStore

REQUEST = ("metric", "all", "attrition_rate", dt.date(2024, 1, 1), dt.date(2024, 3, 31), "2024-Q1", "quarter", (),
           "en", dt.date(2024, 6, 30))


def test_a_result_is_served_for_its_token_and_request_only(tmp_path: Path):
    store = ResultStore(tmp_path / "x.duckdb")
    frame = pl.DataFrame({"value": [0.125]})
    assert store.put("token-a", REQUEST, frame, context="viewer", note="2024-06-30")
    assert store.get("token-a", REQUEST).equals(frame)
    assert store.get("token-b", REQUEST) is MISSING  # other data
    assert store.get("token-a", (*REQUEST[:-1], dt.date(2024, 5, 31))) is MISSING  # another request
    assert store.get("", REQUEST) is MISSING and not store.put("", REQUEST, frame)  # no token: nothing kept
    assert store.note("token-a") == "2024-06-30"
    [entry] = list(store.entries("token-a"))
    assert entry.request == REQUEST and entry.context == "viewer"
    folder = store.base / "token-a"
    assert folder.parent.parent == tmp_path / "x.duckdb.results"
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)


def test_other_code_never_reads_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = ResultStore(tmp_path / "x.duckdb")
    store.put("t", REQUEST, 1)
    monkeypatch.setattr(result_store, "code_fingerprint", lambda: "another-version")
    assert store.get("t", REQUEST) is MISSING


def test_a_torn_or_foreign_file_is_recomputed_not_shown(tmp_path: Path):
    store = ResultStore(tmp_path / "x.duckdb")
    store.put("t", REQUEST, 1)
    [path] = (store.base / "t").glob("*.pickle")
    path.write_bytes(path.read_bytes()[:10])
    assert store.get("t", REQUEST) is MISSING
    path.write_bytes(pickle.dumps(("not", "an", "entry")))
    assert store.get("t", REQUEST) is MISSING
    other = ("metric", "east")  # an entry whose request differs from the name it is stored under
    path.write_bytes(pickle.dumps(result_store.Entry(other, None, 2)))
    assert store.get("t", REQUEST) is MISSING


def test_what_cannot_be_kept_is_skipped(tmp_path: Path):
    store = ResultStore(tmp_path / "x.duckdb")
    assert not store.put("t", REQUEST, threading.Lock())  # not picklable
    assert store.get("t", REQUEST) is MISSING
    assert not list((store.base / "t").glob("*.tmp"))


def test_only_the_newest_two_data_states_are_kept(tmp_path: Path):
    store = ResultStore(tmp_path / "x.duckdb")
    for i, token in enumerate(("one", "two", "three")):
        store.put(token, REQUEST, i)
        os.utime(store.base / token, (1_000_000 + i, 1_000_000 + i))
    store.put("four", REQUEST, 4)
    assert store.tokens()[0] == "four" and set(store.tokens()) == {"four", "three"}


def test_off_turns_the_store_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = ResultStore(tmp_path / "x.duckdb")
    monkeypatch.setenv("TANDEM_RESULTS_DIR", "off")
    assert not store.put("t", REQUEST, 1) and store.get("t", REQUEST) is MISSING
    assert not (tmp_path / "x.duckdb.results").exists()
    monkeypatch.setenv("TANDEM_RESULTS_DIR", str(tmp_path / "elsewhere"))
    assert store.put("t", REQUEST, 1) and (tmp_path / "elsewhere").exists()


def test_every_data_change_renews_the_token_and_bookkeeping_does_not(tmp_path: Path):
    db = Database(tmp_path / "x.duckdb")
    try:
        first = db.data_token
        assert len(first) == 36
        with db.transaction(bump=False):
            pass
        assert db.data_token == first
        with db.transaction():
            pass
        assert db.data_token not in {"", first}
    finally:
        db.close()


def test_a_copy_that_diverges_gets_its_own_token(tmp_path: Path):
    import shutil

    a = Database(tmp_path / "a.duckdb")
    a.close()
    shutil.copy(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    a, b = Database(tmp_path / "a.duckdb"), Database(tmp_path / "b.duckdb")
    try:
        assert a.data_token == b.data_token  # the same data: the same results are right for both
        for db in (a, b):
            with db.transaction():
                pass
        assert a.data_version == b.data_version and a.data_token != b.data_token
    finally:
        a.close()
        b.close()


def test_a_second_copy_of_the_module_finds_what_the_first_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Streamlit reloads an edited module in development: stores made before and after must agree on what was
    found (a sentinel object or a class from the old copy is not the new copy's)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("result_store_again", result_store.__file__)
    again = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "result_store_again", again)  # dataclasses look their module up there
    spec.loader.exec_module(again)
    db_path = tmp_path / "x.duckdb"
    ResultStore(db_path).put("t", REQUEST, 42)
    assert again.ResultStore(db_path).lookup("t", REQUEST) == (True, 42)
    again.ResultStore(db_path).put("t", ("other",), None)
    assert ResultStore(db_path).lookup("t", ("other",)) == (True, None)  # a stored None is found, not missing
    assert ResultStore(db_path).lookup("t", ("never",)) == (False, None)
