"""The training estimators' fast forms against the forms they replaced (kept here as references).

``did_estimate`` sums bootstrap weights per (person, cell) with sparse products instead of scattering them over
every stacked unit; it makes the same random draws, so its numbers equal the reference's to rounding.
``_diff_ci`` draws an exit-rate resample's number of exits as one binomial and the ramp resamples in chunks:
other draws, the same bootstrap, so its intervals agree with the reference's within Monte-Carlo error.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import talent_report, training


# ── the references: the estimators as they were before the sparse and binomial forms ───────────
def reference_did_estimate(units: pl.DataFrame, design: training.DidDesign) -> dict:
    cells = training._did_cells(units)  # unchanged: which units, cells and people
    if cells is None:
        return {}
    tr, ct, n_cells, (t_people, t_idx), (c_people, c_idx) = cells
    t_cell, c_cell = tr["cell"].to_numpy(), ct["cell"].to_numpy()
    t_pre, t_post = tr["pre"].to_numpy(), tr["post"].to_numpy()
    c_pre, c_post = ct["pre"].to_numpy(), ct["post"].to_numpy()

    def estimate(wt: np.ndarray, wc: np.ndarray) -> np.ndarray:
        ut, uc = wt[:, t_idx], wc[:, c_idx]
        cw = np.zeros((len(wt), n_cells))
        np.add.at(cw.T, c_cell, uc.T)
        c_pre_m = np.zeros_like(cw)
        c_post_m = np.zeros_like(cw)
        np.add.at(c_pre_m.T, c_cell, (uc * c_pre).T)
        np.add.at(c_post_m.T, c_cell, (uc * c_post).T)
        with np.errstate(invalid="ignore", divide="ignore"):
            c_pre_m, c_post_m = c_pre_m / cw, c_post_m / cw
        cp, cq = c_pre_m[:, t_cell], c_post_m[:, t_cell]
        ok = ~np.isnan(cp)
        w = np.where(ok, ut, 0.0)
        return training._did_rows(w.sum(axis=1), (w * t_pre).sum(axis=1), (w * t_post).sum(axis=1),
                                  (w * np.nan_to_num(cp)).sum(axis=1), (w * np.nan_to_num(cq)).sum(axis=1))

    point = estimate(np.ones((1, len(t_people))), np.ones((1, len(c_people))))[0]
    rng = np.random.default_rng(design.seed)
    wt = rng.multinomial(len(t_people), np.full(len(t_people), 1 / len(t_people)), size=design.n_boot)
    wc = rng.multinomial(len(c_people), np.full(len(c_people), 1 / len(c_people)), size=design.n_boot)
    boot = estimate(wt.astype(float), wc.astype(float))
    return training._did_result(point, boot, design, tr, len(t_people), len(c_people))


def reference_diff_ci(a: tuple, b: tuple, rng: np.random.Generator, n_boot: int) -> dict:
    out = {}
    (ea, ba, qa), (eb, bb, qb) = a, b
    if len(ea) and len(eb):
        ia = rng.integers(0, len(ea), (n_boot, len(ea)))
        ib = rng.integers(0, len(eb), (n_boot, len(eb)))
        d = ea[ia].mean(axis=1) - eb[ib].mean(axis=1)
        out |= {"diff_exit_rate": float(ea.mean() - eb.mean()), "exit_ci_low": float(np.quantile(d, 0.025)),
                "exit_ci_high": float(np.quantile(d, 0.975))}
    if len(ba) and len(bb) and qa.sum() > 0 and qb.sum() > 0:
        ia = rng.integers(0, len(ba), (n_boot, len(ba)))
        ib = rng.integers(0, len(bb), (n_boot, len(bb)))
        d = ba[ia].sum(axis=1) / qa[ia].sum(axis=1) - bb[ib].sum(axis=1) / qb[ib].sum(axis=1)
        out |= {"diff_ramp": float(ba.sum() / qa.sum() - bb.sum() / qb.sum()),
                "ramp_ci_low": float(np.quantile(d, 0.025)), "ramp_ci_high": float(np.quantile(d, 0.975))}
    return out


# ── fixtures ─────────────────────────────────────────────────────────────
def stacked_units(seed: int, n_people: int = 120, cohorts: int = 4, roles: int = 2, strata: int = 3,
                  treated_share: float = 0.3) -> pl.DataFrame:
    """Random stacked units: a person may be comparable in several cohorts (one unit each), trained in one;
    some cells lack trained or comparable people; pre and post levels with an effect on the trained."""
    rng = np.random.default_rng(seed)
    rows = []
    trained = rng.random(n_people) < treated_share
    for e in range(cohorts):
        present = rng.random(n_people) < 0.6
        for p in np.flatnonzero(present):
            pre = rng.lognormal(10, 0.5)
            rows.append({"e": 100 + e, "employee_id": 1000 + int(p), "role_id": f"r{rng.integers(roles)}",
                         "treated": bool(trained[p] and rng.random() < 0.5), "stratum": int(rng.integers(strata)),
                         "pre": pre, "post": pre * rng.lognormal(0.05 + 0.2 * trained[p], 0.3)})
    units = pl.DataFrame(rows, schema={"e": pl.Int32, "employee_id": pl.Int64, "role_id": pl.String,
                                       "treated": pl.Boolean, "stratum": pl.UInt32, "pre": pl.Float64,
                                       "post": pl.Float64})
    # a person is trained in one cohort at most; their other units are dropped, as did_units would
    first = units.filter(pl.col("treated")).group_by("employee_id").agg(pl.col("e").min().alias("first"))
    units = units.join(first, on="employee_id", how="left").filter(
        pl.col("first").is_null() | (pl.col("treated") & (pl.col("e") == pl.col("first")))).drop("first")
    return units.sort("e", "role_id", "stratum", "employee_id")


def assert_same(new: dict, ref: dict, rel: float = 1e-9) -> None:
    assert new.keys() == ref.keys()
    for k, v in ref.items():
        if isinstance(v, int):
            assert new[k] == v, k
        elif np.isnan(v):
            assert np.isnan(new[k]), k
        else:
            assert new[k] == pytest.approx(v, rel=rel, abs=1e-12), k


# ── did_estimate: the same numbers as the reference ─────────────────────────────────────────
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_did_estimate_equals_the_reference(seed):
    units = stacked_units(seed, n_people=80 + 40 * seed, cohorts=seed + 1)
    design = training.DidDesign(n_boot=300, seed=seed)
    ref = reference_did_estimate(units, design)
    assert ref and ref["n_treated"] > 5
    assert_same(training.did_estimate(units, design), ref)


def test_did_estimate_equals_the_reference_on_the_hand_made_units():
    units = pl.DataFrame({
        "e": [1] * 6, "employee_id": [1, 2, 3, 4, 5, 6], "role_id": ["r"] * 6,
        "treated": [True, True, False, False, True, False], "stratum": [0, 0, 0, 0, 1, 2],
        "pre": [100.0, 200.0, 100.0, 120.0, 500.0, 50.0], "post": [130.0, 250.0, 110.0, 130.0, 900.0, 50.0],
    })
    design = training.DidDesign(n_boot=500)
    assert_same(training.did_estimate(units, design), reference_did_estimate(units, design))


def test_did_estimate_in_chunks_equals_one_block(monkeypatch):
    units = stacked_units(7, n_people=300)
    design = training.DidDesign(n_boot=250)
    whole = training.did_estimate(units, design)
    monkeypatch.setattr(training, "_CHUNK_CELLS", 1000)  # a few rows at a time, the last chunk short
    chunked = training.did_estimate(units, design)
    assert_same(chunked, whole, rel=1e-12)
    assert_same(chunked, reference_did_estimate(units, design))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_people=st.integers(4, 60), cohorts=st.integers(1, 4),
       strata=st.integers(1, 3), share=st.floats(0.1, 0.9), n_boot=st.integers(1, 60))
def test_did_estimate_equals_the_reference_on_any_units(seed, n_people, cohorts, strata, share, n_boot):
    units = stacked_units(seed, n_people=n_people, cohorts=cohorts, strata=strata, treated_share=share)
    design = training.DidDesign(n_boot=n_boot, seed=seed)
    ref = reference_did_estimate(units, design) if units.height else {}
    new = training.did_estimate(units, design) if units.height else {}
    if not ref:
        assert new == {}
        return
    assert_same(new, ref)


@pytest.fixture(scope="module")
def demo_inputs(demo_db_path):
    """The demo company's panel and enrolments as training_effect reads them, and its KA course effect."""
    as_of, viewer = dt.date(2025, 12, 31), full_access()
    db = Database(demo_db_path, read_only=True)
    try:
        effect = talent_report.training_effect(db, viewer, "ka_negotiation", as_of)
        last = talent_report._last_month(as_of)
        panel = db.query("rep_month_sales", start=db.query("data_range").row(0)[0], end=last, as_of=as_of,
                         hired_from=None, **viewer.sql_params())
        enrol = db.query("enrolment_facts", start=dt.date(1900, 1, 1), end=as_of, **viewer.sql_params())
    finally:
        db.close()
    return panel, enrol, last, effect


def test_did_units_do_not_depend_on_the_panel_order(demo_inputs):
    # the windows read only the columns, months and people they use, sorted by person and month inside
    # did_units (the sums come out the same whatever order the panel arrives in)
    panel, enrol, last, effect = demo_inputs
    assert effect.units.height > 50
    for seed in (1, 2):
        shuffled = panel.sample(fraction=1.0, shuffle=True, seed=seed)
        units = training.did_units(shuffled, enrol, "ka_negotiation", "ka_bookings", last, training.DidDesign())
        assert units.equals(effect.units)


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def plain_units(panel: pl.DataFrame, enrol: pl.DataFrame, course: str, outcome: str, last: dt.date,
                design: training.DidDesign) -> dict[tuple, tuple]:
    """did_units written out person by person, month by month: (e, person) → (role, treated, pre, post)."""
    col = "bookings" if outcome == "attainment" else outcome
    cells = {(r["employee_id"], month_index(r["month"])): (r["role_id"], r[col] or 0.0, r["quota"] or 0.0)
             for r in panel.iter_rows(named=True)}
    done, enrolled = {}, {}
    for r in enrol.filter(pl.col("course_id") == course).iter_rows(named=True):
        enrolled[r["employee_id"]] = min(enrolled.get(r["employee_id"], 10**9), month_index(r["enrolled_date"]))
        if r["completed"] and r["completed_date"] is not None:
            done[r["employee_id"]] = min(done.get(r["employee_id"], 10**9), month_index(r["completed_date"]))
    out = {}
    for e in sorted({e for e in done.values() if e + design.post_months <= month_index(last)}):
        for person in {p for p, _ in cells}:
            window = [cells.get((person, m)) for m in range(e - design.pre_months, e + design.post_months + 1)]
            treated = done.get(person) == e
            if None in window or not (treated or enrolled.get(person, 10**9) > e + design.post_months):
                continue
            before, after = window[:design.pre_months], window[design.pre_months + 1:]
            if sum(v > 0 for _, v, _ in before) < design.min_active_pre_months:
                continue
            b0, b1 = sum(v for _, v, _ in before), sum(v for _, v, _ in after)
            if outcome == "attainment":
                q0, q1 = sum(q for _, _, q in before), sum(q for _, _, q in after)
                if q0 <= 0 or q1 <= 0:
                    continue
                pre, post = b0 / q0, b1 / q1
            else:
                pre, post = b0 / design.pre_months * 3, b1 / design.post_months * 3
            out[(e, person)] = (window[design.pre_months][0], treated, pre, post)
    trained_roles = {(e, v[0]) for (e, _), v in out.items() if v[1]}
    return {k: v for k, v in out.items() if (k[0], v[0]) in trained_roles}


@pytest.mark.parametrize(("course", "outcome"), [("ka_negotiation", "ka_bookings"), ("product_smart", "bookings"),
                                                 ("ka_negotiation", "attainment")])
def test_did_units_match_a_plain_reading_of_the_panel(demo_inputs, course, outcome):
    panel, enrol, last, _ = demo_inputs
    design = training.DidDesign()
    units = training.did_units(panel, enrol, course, outcome, last, design)
    plain = plain_units(panel, enrol, course, outcome, last, design)
    assert units.height == len(plain) > 20
    for r in units.iter_rows(named=True):
        role, treated, pre, post = plain[(r["e"], r["employee_id"])]
        assert (r["role_id"], r["treated"]) == (role, treated)
        assert (r["pre"], r["post"]) == (pytest.approx(pre, rel=1e-12), pytest.approx(post, rel=1e-12))
    # strata: terciles of the pre level within cohort × role
    ranks = units.with_columns(n=pl.len().over("e", "role_id"), r=pl.col("pre").rank("ordinal").over("e", "role_id"))
    assert (ranks["stratum"] == (ranks["r"] - 1) * design.strata // ranks["n"]).all()


# ── _diff_ci: the same bootstrap, other draws ────────────────────────────────────────────────
def onboarding_groups(seed: int, n_a: int, n_b: int) -> tuple[tuple, tuple]:
    rng = np.random.default_rng(seed)

    def group(n: int, exit_p: float, ramp: float) -> tuple:
        q = rng.uniform(50, 150, n)
        return (rng.binomial(1, exit_p, n).astype(float), q * rng.gamma(4, ramp / 4, n), q)

    return group(n_a, 0.12, 0.85), group(n_b, 0.2, 0.77)


def test_diff_ci_agrees_with_the_reference_within_monte_carlo_error():
    a, b = onboarding_groups(11, 300, 450)
    n_boot = 20_000
    new = training._diff_ci(a, b, np.random.default_rng(1), n_boot)
    ref = reference_diff_ci(a, b, np.random.default_rng(2), n_boot)
    assert new.keys() == ref.keys()
    assert new["diff_exit_rate"] == ref["diff_exit_rate"] and new["diff_ramp"] == ref["diff_ramp"]
    # a 2.5% quantile from 20 000 draws has a Monte-Carlo error of about 3% of the bootstrap sd (1/4 of the
    # interval's width); two independent ones differ by ~1% of the width: 5% is ~5 standard errors
    for low, high in (("exit_ci_low", "exit_ci_high"), ("ramp_ci_low", "ramp_ci_high")):
        width = ref[high] - ref[low]
        assert width > 0
        assert new[low] == pytest.approx(ref[low], abs=0.05 * width)
        assert new[high] == pytest.approx(ref[high], abs=0.05 * width)


def test_diff_ci_point_estimates_are_the_references_and_a_seed_repeats():
    a, b = onboarding_groups(12, 40, 25)
    new = training._diff_ci(a, b, np.random.default_rng(3), 500)
    ref = reference_diff_ci(a, b, np.random.default_rng(3), 500)
    assert (new["diff_exit_rate"], new["diff_ramp"]) == (ref["diff_exit_rate"], ref["diff_ramp"])
    assert training._diff_ci(a, b, np.random.default_rng(3), 500) == new
    assert new["exit_ci_low"] <= new["diff_exit_rate"] <= new["exit_ci_high"]
    assert new["ramp_ci_low"] <= new["diff_ramp"] <= new["ramp_ci_high"]


def test_binomial_exit_means_are_the_resampled_means_in_distribution():
    # the mean of a resample of 0/1 flags: the binomial draw and the index resample have the same law
    # (compared on mean, sd and the 2.5/97.5% quantiles over many draws)
    x = (np.arange(37) % 5 == 0).astype(float)
    fast = training._boot_means(x, np.random.default_rng(5), 200_000)
    slow = x[np.random.default_rng(6).integers(0, len(x), (200_000, len(x)))].mean(axis=1)
    assert fast.mean() == pytest.approx(slow.mean(), abs=0.002)
    assert fast.std() == pytest.approx(slow.std(), rel=0.01)
    assert np.array_equal(np.quantile(fast, [0.025, 0.975]), np.quantile(slow, [0.025, 0.975]))
    assert np.allclose(fast * len(x), np.round(fast * len(x)))  # whole numbers of exits


def test_exit_values_other_than_flags_are_resampled():
    x = np.array([0.0, 0.5, 1.0, 2.0])
    means = training._boot_means(x, np.random.default_rng(7), 50_000)
    assert means.mean() == pytest.approx(x.mean(), abs=0.01)
    assert means.std() == pytest.approx(x.std() / np.sqrt(len(x)), rel=0.02)


def test_ramp_resamples_in_chunks_keep_pairs_together(monkeypatch):
    b, q = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 40.0])
    monkeypatch.setattr(training, "_CHUNK_DRAWS", 4)  # one row at a time
    sums = training._boot_sums(b + 1j * q, np.random.default_rng(8), 1000)
    # a resampled person's bookings come with their own quota: every sum is a whole-person combination
    counts = np.array([[i, j, 3 - i - j] for i in range(4) for j in range(4 - i)], dtype=float)
    allowed = {(float(c @ b), float(c @ q)) for c in counts}
    assert {(s.real, s.imag) for s in sums} <= allowed
    assert len({(s.real, s.imag) for s in sums}) == len(allowed)  # all 10 compositions seen
