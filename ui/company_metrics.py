"""The company's own metrics in the app: loaded and tried when the app starts (``load_at_start``)."""
from __future__ import annotations

import threading

import streamlit as st

from analytics.core import custom_metrics
from analytics.core.db import Database
from analytics.core.registry import REGISTRY

_SEEN: dict[str, tuple] = {}  # folder → its files when last looked at (by any session)
_SEEN_LOCK = threading.Lock()


def load_at_start(db: Database) -> None:
    """Read metrics/ and try each new metric once on ``db``; when the files changed since the last run, results
    held in memory are dropped (a metric of the same id may now be defined otherwise)."""
    folder = custom_metrics.metrics_dir()
    files = custom_metrics.signature(folder)
    with _SEEN_LOCK:
        before = _SEEN.get(str(folder))
        _SEEN[str(folder)] = files
    if before is not None and before != files:
        st.cache_data.clear()
    custom_metrics.check_on(db, REGISTRY)
