"""One metric id, one value: every figure the pages, the reviews, the packs and the command line show for the
same (metric, period, stretch, scope, basis, as-of) carries the same value.

Figures are recorded where they are made (``analytics.metrics.figure.headline``, the one path every card,
review item, goal and ``metrics --compare`` takes). The test renders the pages that show figures for each demo
role, in both languages and for each period grain, builds both reviews and their packs for the same choices,
runs ``python -m analytics metrics`` for every figure recorded, and checks that equal keys carry equal values.
"""
from __future__ import annotations

import io
import json
import math
from collections import defaultdict
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.cli.main import main
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.metrics.figure import Figure, recording
from tests.app.conftest import sign_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
ROLES = ("demo.hr", "demo.director.east", "demo.manager.east-01", "demo.analyst")
GRAINS = ("month", "quarter", "fiscal_year")
FIGURE_PAGES = ("pages/overview.py", "pages/attrition.py", "pages/quota.py", "pages/goals.py",
                "pages/review_monthly.py", "pages/review_quarterly.py")


def disagreements(figures: list[Figure]) -> dict[tuple, set]:
    """Keys whose figures carry different values, or different values for the same comparison, with the values.

    Values agree within 1e-9 relative (sums of the same rows in another order differ in the last digits)."""
    values: dict[tuple, set] = defaultdict(set)
    for f in figures:
        if f.masked:
            continue  # a masked value is hidden, not different
        values[f.key].add(f.value)
        if f.previous_period:
            values[(*f.key, "vs", f.previous_period)].add(f.previous)
    return {key: seen for key, seen in values.items() if not _same(seen)}


def _same(seen: set) -> bool:
    numbers = [v for v in seen if v is not None and not math.isnan(v)]
    if len(numbers) != len(seen):
        return not numbers  # "no value" (None or NaN) agrees only with itself
    return all(math.isclose(v, numbers[0], rel_tol=1e-9, abs_tol=1e-12) for v in numbers)


def _close(a: float | None, b: float | None) -> bool:
    return _same({a, b})


def test_the_check_finds_two_values_for_one_key():
    base = dict(metric_id="attrition_rate", period="2026-Q3", covers="2026-07-01..2026-09-30", scope="*",
                basis="period", numerator=1.0, denominator=10.0, unit="ratio", partial=False, maturing=False,
                small_base=False, masked=False, as_of=parse_period("2026-10").end)
    one, two = Figure(value=0.1, **base), Figure(value=0.12, **base)
    assert list(disagreements([one, one])) == []
    assert list(disagreements([one, two])) == [one.key]
    assert disagreements([one, Figure(value=None, **{**base, "masked": True})]) == {}


def _page_figures(user: str, lang: str, grain: str) -> list[Figure]:
    at = AppTest.from_file(APP, default_timeout=180)
    sign_in(at, user)
    at.session_state["lang"] = lang
    at.session_state["grain"] = grain
    with recording() as seen:
        at.run()
        assert not at.exception, at.exception
        for page in FIGURE_PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
    return list(seen)


def _review_figures(db: Database, user: str, lang: str) -> list[Figure]:
    from analytics.core import auth
    from analytics.reviews.content import build_review
    from analytics.reviews.packs import pack_bytes

    viewer = auth.viewer_for(db, user, 5)
    as_of = as_of_date(db)
    with recording() as seen:
        for kind, period in (("monthly", parse_period(f"{as_of:%Y-%m}")), ("quarterly", parse_period(
                f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"))):
            review = build_review(db, viewer, kind, period, as_of, lang)
            assert pack_bytes(review, "html")[:15].lower().startswith(b"<!doctype html")
    return list(seen)


def _cli_value(db_path: Path, user: str, fig: Figure) -> tuple[float | None, float | None]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["metrics", fig.metric_id, "--period", fig.period, "--user", user, "--db", str(db_path),
                     "--format", "json", "--compare"])
    assert code == 0
    row = json.loads(out.getvalue())[0]
    assert row["basis"] == fig.basis
    return row["value"], row["previous"]


@pytest.mark.slow
@pytest.mark.parametrize("user", ROLES)
def test_every_surface_shows_one_value_per_figure(app_db: Path, demo_db_path: Path, user: str,
                                                  monkeypatch: pytest.MonkeyPatch):
    import streamlit as st

    st.cache_data.clear()  # figures are recorded where they are computed: start from an empty cache
    monkeypatch.setenv("TANDEM_RESULTS_DIR", "off")  # and with no stored results (ui/cached.py)
    figures: list[Figure] = []
    for grain in GRAINS:
        # results are cached across languages (values do not depend on the language), so a Chinese run of the same
        # pages would record nothing new: the pages are rendered in Chinese for every grain by test_matrix
        shown = _page_figures(user, "en", grain)
        assert len({f.metric_id for f in shown}) >= 10, (grain, "the pages showed too few figures")
        figures += shown
    db = Database(app_db)
    for lang in ("en", "zh"):
        reviewed = _review_figures(db, user, lang)
        assert reviewed, "the reviews showed no figures"
        figures += reviewed
    assert disagreements(figures) == {}
    # the command line, acting as the same user, gives every figure of the user's scope the same value
    from analytics.core import auth
    from analytics.metrics.figure import units_key

    scope = units_key(auth.viewer_for(db, user, 5))
    checked = 0
    for key, fig in _one_per_metric_and_grain({f.key: f for f in figures if not f.masked and f.scope == scope
                                               and f.covers == _covers(f) and f.as_of == as_of_date(db)}).items():
        value, previous = _cli_value(demo_db_path, user, fig)  # the same facts; the app holds its copy open
        assert _close(value, fig.value), (key, value, fig.value)
        assert fig.previous_period is None or _close(previous, fig.previous), (key, previous, fig.previous)
        checked += 1
    assert checked >= 10


def _one_per_metric_and_grain(figures: dict[tuple, Figure]) -> dict[tuple, Figure]:
    """The figures the command line is asked for: every metric once for each grain it was shown at (the first of
    its keys in a fixed order), not every period and basis again — each command opens the database anew."""
    chosen: dict[tuple, tuple] = {}
    for key in sorted(figures, key=repr):
        fig = figures[key]
        chosen.setdefault((fig.metric_id, parse_period(fig.period).grain), key)
    return {key: figures[key] for key in chosen.values()}


def _covers(fig: Figure) -> str:
    """The stretch ``metrics --period`` covers for the figure's period (to date at the as-of date)."""
    period = parse_period(fig.period).to_date(fig.as_of)
    return f"{period.start}..{period.end}"
