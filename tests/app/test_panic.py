"""A computation that panics (polars raises a BaseException, not an Exception) shows an ordinary error on the
page in its language instead of a page that spins for ever, and the next run works again."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import sign_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")


class Panic(BaseException):
    """Stands for pyo3's PanicException, which derives from BaseException."""


def test_a_panic_becomes_a_clear_error_and_the_app_keeps_serving(app_db: Path, monkeypatch):
    import streamlit as st

    from analytics.reviews import overview

    real = overview.kpis

    def panicking(*args, **kwargs):
        raise Panic("assertion failed: i < self.len()")

    st.cache_data.clear()
    monkeypatch.setenv("TANDEM_RESULTS_DIR", "off")  # computed, not read from the stored results
    monkeypatch.setattr(overview, "kpis", panicking)
    at = AppTest.from_file(APP, default_timeout=120)
    sign_in(at)
    at.run()
    assert not at.exception and "A computation on this page failed" in at.error[0].value
    monkeypatch.setattr(overview, "kpis", real)
    at.run()
    assert not at.exception and at.title[0].value == "Overview"
