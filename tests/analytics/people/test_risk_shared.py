"""The flight-risk model is fitted once per data version for every caller (the risk page, the monthly review's
alerts, revenue at risk, key-account continuity), in the background for pages, with its global importance
stored beside it (analytics/people/risk_store.py)."""
from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from analytics.core import auth
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_report, risk_store, talent_report
from analytics.reviews.content import build_review
from analytics.sales import revenue_risk_report


@pytest.fixture
def db(risk_db):
    return risk_db


def _new_data(db: Database) -> None:
    """A write: a new data version (one person's hiring channel changes)."""
    with db.transaction() as cur:
        cur.execute("update employees set hire_source = 'referral' where employee_id = "
                    "(select min(employee_id) from employees)")


def test_one_fit_for_the_four_callers_including_a_review_of_an_earlier_month(db, fits):
    as_of = as_of_date(db)
    hr, east = auth.viewer_for(db, "demo.hr"), auth.viewer_for(db, "demo.director.east")
    risk_report.evaluation(db, hr, as_of)                                   # the Flight risk page
    ranked = risk_report.ranked(db, hr, as_of)
    december = build_review(db, hr, "monthly", parse_period("2025-12"), as_of)  # the monthly review's alerts
    november = build_review(db, hr, "monthly", parse_period("2025-11"), as_of)  # a month before the as-of date
    revenue_risk_report.revenue_at_risk(db, east, as_of.replace(day=1), as_of, as_of)  # Hiring's revenue at risk
    talent_report.continuity(db, hr, as_of)                                 # Key accounts' continuity
    assert len(fits) == 1, fits
    assert december.item("alerts").numbers["high_risk"] == ranked.filter(
        pl.col("probability") >= risk_report.high_risk_threshold(ranked["probability"])).height
    # November's alerts: the people employed at the end of November, scored by the same model
    day = parse_period("2025-11").end
    earlier = risk_report.ranked(db, hr, day)
    employed = db.sql("select count(*) as n from employees where hire_date <= $d and (termination_date is null "
                      "or termination_date > $d)", d=day)["n"][0]
    assert earlier.height == employed and november.item("alerts").numbers["high_risk"] is not None
    assert len(fits) == 1


def test_global_importance_is_read_from_the_store_not_recomputed(risk_fitted_db, risk_demo_model, fits, monkeypatch):
    db = risk_fitted_db  # the model stored by its fit; this process has none in memory, as after a restart
    as_of = as_of_date(db)
    hr = auth.viewer_for(db, "demo.hr")
    first = risk_demo_model[1].backtest()  # what the fit computed, before it was stored

    def no_recompute(*args, **kwargs):
        raise AssertionError("the importance was recomputed on a view")

    monkeypatch.setattr(risk, "global_drivers", no_recompute)
    import sklearn.inspection
    monkeypatch.setattr(sklearn.inspection, "permutation_importance", no_recompute)
    again = risk_report.evaluation(db, hr, as_of)
    assert not fits
    assert again.drivers.equals(first.drivers) and again.drivers.height == len(risk.FEATURES)
    stored = risk_store.load(db, db.data_version, risk_store.params_hash(risk_store.params(as_of, 6)))
    assert [d["feature"] for d in stored.meta["importance"]] == again.drivers["feature"].to_list()


@pytest.fixture
def slow_fit(monkeypatch):
    """A fit that waits for ``release`` before doing its work: the time a real fit takes at a large company."""
    release, calls, real = threading.Event(), [], risk_store.fit

    def gated(*args, **kwargs):
        calls.append(args[1:])
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(risk_store, "fit", gated)
    yield release, calls
    release.set()


def _wait_done(job: risk_store.Job, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job.done and job.error is None, job


def test_state_never_waits_for_a_fit_and_shows_the_previous_model(risk_fitted_db, slow_fit):
    db = risk_fitted_db
    release, calls = slow_fit
    as_of = as_of_date(db)
    old = risk_store.current_model(db, as_of)  # the model of the data before the change (stored)
    assert old is not None and not calls
    _new_data(db)
    started = time.perf_counter()
    state = risk_store.state(db, as_of)
    again = risk_store.state(db, as_of)
    assert time.perf_counter() - started < 2  # the fit is under way in a thread, nobody waits for it
    assert not state.ready and state.fitting and state.job is again.job and state.job.started is not None
    assert state.model is not None and state.model.meta["data_version"] == old.meta["data_version"]
    assert state.ref == risk_store.ref_of(old)
    hr = auth.viewer_for(db, "demo.hr")
    shown = risk_report.ranked(db, hr, as_of, model=state.ref)  # the page's list: the previous model's
    assert sorted(shown["probability"].to_list()) == sorted(old.people["probability"].to_list())
    assert not state.job.done  # ... while the refit still waits
    with risk_report.showing(state.ref):  # views that do not pass the model on get the shown one too
        assert risk_report.scores(db, hr, as_of)["probability"].to_list() == \
            risk_report.in_scope(old.people, hr)["probability"].to_list()
    assert risk_report.refit_note(state, "en").endswith("the model is being refitted on the new data (started "
                                                       f"{state.job.started:%H:%M}). The page updates itself when "
                                                       "it is done.")
    assert "正在用新数据重新拟合模型" in risk_report.refit_note(state, "zh")
    release.set()
    _wait_done(state.job)
    done = risk_store.state(db, as_of)
    assert done.ready and done.model.meta["data_version"] == db.data_version
    assert len(calls) == 1  # the refit: no second thread for the second look
    assert risk_store.stored(db)["data_version"].to_list() == [db.data_version]  # the old one replaced


def test_one_background_fit_at_a_time_per_database_file(db, slow_fit):
    release, calls = slow_fit
    as_of = as_of_date(db)
    six = risk_store.state(db, as_of, 6)
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:  # the first thread is inside its fit
        time.sleep(0.05)
    three = risk_store.state(db, as_of, 3)  # other parameters on the same file: queued behind it
    time.sleep(0.3)
    assert six.model is None and not six.ready and six.fitting
    assert len(calls) == 1 and three.job.phase == "waiting"
    release.set()
    _wait_done(six.job)
    _wait_done(three.job)
    assert len(calls) == 2
    assert risk_store.state(db, as_of, 6).ready and risk_store.state(db, as_of, 3).ready
    assert risk_store.stored(db).height == 2


def test_a_sync_caller_waits_for_the_background_fit_instead_of_fitting_again(db, slow_fit):
    release, calls = slow_fit
    as_of = as_of_date(db)
    state = risk_store.state(db, as_of)
    threading.Timer(0.5, release.set).start()
    found = risk_store.current_model(db, as_of)  # the command line or a review, asking meanwhile
    assert found is not None and len(calls) == 1
    _wait_done(state.job)
    assert risk_store.state(db, as_of).model is found
