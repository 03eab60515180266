"""KA continuity at scale (analytics/sales/ka_continuity.py): the block-wise fit equals matching.fit_table's (to the
last bit or so: to 1e-12), the
k best columns equal a stable sort's, the pair solver equals the dense one, and the whole view equals the dense
formulation it replaces (which needed a groups × reps matrix: at the large demo company tens of gigabytes) when
many owners are at high risk."""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from polars.testing import assert_frame_equal

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import talent_report
from analytics.sales import ka_continuity, matching

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def inputs(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    try:
        yield talent_report._matching_inputs(db, full_access(), AS_OF)
    finally:
        db.close()


@settings(max_examples=60, deadline=None)
@given(fit=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 12)),
                  elements=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])),  # few values: many ties
       k=st.integers(1, 14))
def test_the_k_best_columns_are_a_stable_sorts_first_k(fit, k):
    want = np.zeros(fit.shape, dtype=bool)
    np.put_along_axis(want, np.argsort(-fit, axis=1, kind="stable")[:, :k], True, axis=1)
    assert (ka_continuity._best(fit, k) == want).all()


@pytest.fixture(scope="module")
def problem(inputs):
    """Every account as if at risk: its groups (region, industry, owner), all candidates, industry scores."""
    prof, accounts, reps = inputs
    weights = matching.FitWeights()
    cands = matching.rep_components(prof.people, reps, matching.candidates(prof.people), weights).sort("employee_id")
    groups = accounts.group_by("region_id", "industry", "owner_id").agg(n=pl.len()).sort(
        "region_id", "industry", "owner_id", nulls_last=True).with_row_index("g")
    return groups, cands, matching.industry_scores(reps, weights), weights


def test_the_block_fit_is_the_fit_tables(problem):
    groups, cands, industry, weights = problem
    dense = matching.fit_table(groups, cands, industry, weights).sort("g", "employee_id")["fit"].to_numpy()
    parts = ka_continuity._fit_parts(groups, cands, industry, weights)
    # the same sums; polars adds the five terms in its own order, so the last bit may differ
    assert np.abs(ka_continuity.group_fit(parts, slice(0, groups.height)).ravel() - dense).max() < 1e-12
    assert groups.height > 10 and cands.height > 10


@pytest.mark.parametrize("top_k", [1, 5, 50, 10_000])
def test_the_pairs_per_kind_of_group_are_each_groups_own(problem, top_k):
    """top_pairs computes the fit once per (region, industry) and copies each kind's best reps to its groups:
    the same pairs, in the same order, with the same fit bits as computing every group's own row."""
    groups, cands, industry, weights = problem
    fit = ka_continuity.group_fit(ka_continuity._fit_parts(groups, cands, industry, weights), slice(0, groups.height))
    want_i, want_j = np.nonzero(ka_continuity._best(fit, top_k))
    got_i, got_j, got_fit = ka_continuity.top_pairs(groups, cands, industry, weights, top_k)
    assert (got_i == want_i).all() and (got_j == want_j).all()
    assert np.array_equal(got_fit, fit[want_i, want_j])
    assert groups.height > groups.select("region_id", "industry").n_unique()  # several groups share a kind here


@pytest.mark.parametrize("seed", range(6))
def test_the_pair_solver_is_the_dense_solver(seed):
    rng = np.random.default_rng(seed)
    fit = np.round(rng.random((8, 12)), 2)
    allowed = rng.random(fit.shape) < 0.4
    supply, capacity = rng.integers(0, 4, 8), rng.integers(0, 3, 12)
    dense = matching.solve_transport(fit, supply, capacity, allowed)
    ii, jj = np.nonzero(allowed)
    flows = matching.solve_pairs(ii, jj, fit[ii, jj], supply, capacity)
    out = np.zeros(fit.shape, dtype=np.int64)
    out[ii, jj] = flows
    assert (out == dense).all()


def _dense_continuity(accounts, people, reps, risk, threshold, capacity, top_k):
    """The formulation before blocks and pairs: the full groups × reps fit table and a dense mask."""
    weights = matching.FitWeights()
    prob = risk.select("employee_id", owner_probability="probability")
    acc = accounts.join(people.select("employee_id", "termination_date"), left_on="owner_id",
                        right_on="employee_id", how="left").join(prob, left_on="owner_id", right_on="employee_id",
                                                                 how="left")
    at_risk = acc.filter(pl.col("owner_id").is_null() | ~pl.col("owner_id").is_in(people["employee_id"].implode())
                         | pl.col("termination_date").is_not_null() | (pl.col("owner_probability") >= threshold))
    risky = set(at_risk["owner_id"].drop_nulls().to_list()) | set(
        prob.filter(pl.col("owner_probability") >= threshold)["employee_id"].to_list())
    pool = matching.candidates(people).filter(~pl.col("employee_id").is_in(list(risky)))
    comps = matching.rep_components(people, reps, matching.candidates(people), weights)
    cands = comps.join(pool.select("employee_id"), on="employee_id").with_columns(
        spare=(capacity - pl.col("ka_accounts")).clip(lower_bound=0)).filter(pl.col("spare") > 0).sort("employee_id")
    groups = at_risk.group_by("region_id", "industry", "owner_id").agg(n=pl.len()).sort(
        "region_id", "industry", "owner_id", nulls_last=True).with_row_index("g")
    table = matching.fit_table(groups, cands, matching.industry_scores(reps, weights), weights).sort("g", "employee_id")
    fit = table["fit"].to_numpy().reshape(groups.height, cands.height)
    allowed = np.zeros(fit.shape, dtype=bool)
    np.put_along_axis(allowed, np.argsort(-fit, axis=1, kind="stable")[:, :top_k], True, axis=1)
    return matching.solve_transport(fit, groups["n"].to_numpy(), cands["spare"].to_numpy(), allowed), cands


def test_many_owners_at_high_risk_get_the_dense_formulations_backups(inputs):
    prof, accounts, reps = inputs
    owners = accounts["owner_id"].drop_nulls().unique().sort().to_list()
    risk = pl.DataFrame({"employee_id": owners, "probability": [0.9 if i % 3 else 0.1 for i in range(len(owners))]})
    rules = ka_continuity.ContinuityRules(top_k=5)  # few columns per group: the solver's choice matters
    out = ka_continuity.continuity(accounts, prof.people, reps, risk, threshold=0.5, capacity=8, rules=rules)
    flows, cands = _dense_continuity(accounts, prof.people, reps, risk, 0.5, 8, top_k=5)
    assert out.filter(pl.col("status") == "high_risk").height > 20
    per_rep = out.group_by("backup_id").len().drop_nulls().sort("backup_id")
    want = pl.DataFrame({"backup_id": cands["employee_id"], "len": flows.sum(axis=0)}).filter(pl.col("len") > 0)
    assert_frame_equal(per_rep, want.sort("backup_id"), check_dtypes=False)
