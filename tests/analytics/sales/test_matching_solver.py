"""The KA solver (analytics/sales/matching.py) against the plain LP it replaced: on random transportation problems
(ties, zero supply and capacity, more units than room, masks, units to keep) the max-flow + simplex path, the
column generation and the merging of identical rows place as many units and reach the same objective value as
one scipy.optimize.milp over every pair, and their flows are feasible."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics.sales import matching


def _reference_lp(value, row, col, upper, supply, capacity, row_eq):
    """The LP as solved before (one milp, no integrality: HiGHS's simplex on the whole problem)."""
    n = len(value)
    arcs = np.arange(n)
    rows = sparse.csr_array((np.ones(n), (row, arcs)), shape=(len(supply), n))
    cols = sparse.csr_array((np.ones(n), (col, arcs)), shape=(len(capacity), n))
    cons = [LinearConstraint(rows, supply if row_eq else 0, supply), LinearConstraint(cols, 0, capacity)]
    res = milp(-value, constraints=cons, bounds=Bounds(0, upper))
    assert res.success and np.abs(res.x - np.round(res.x)).max() < 1e-6
    return np.round(res.x).astype(np.int64)


def reference(fit, supply, capacity, allowed=None, keep=None, keep_bonus=0.0):
    """The previous formulation on every allowed pair: the most units placed (an LP), then the best value
    with an "unplaced" column and parallel bonus arcs for the units to keep (a second LP). Arcs are listed one
    by one here: (row, column, value, upper bound)."""
    fit = np.asarray(fit, dtype=float)
    n_rows, n_cols = fit.shape
    supply = np.asarray(supply, dtype=float)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (n_cols,)).copy()
    pairs = [(i, j) for i in range(n_rows) for j in range(n_cols) if allowed is None or allowed[i, j]]
    out = np.zeros(fit.shape, dtype=np.int64)
    if not pairs or supply.sum() == 0 or capacity.sum() == 0:
        return out
    room = [min(supply[i], capacity[j]) for i, j in pairs]
    ii, jj = np.array(pairs).T
    placed = _reference_lp(np.ones(len(pairs)), ii, jj, np.array(room), supply, capacity, row_eq=False).sum()
    arcs = [(i, j, fit[i, j], r) for (i, j), r in zip(pairs, room, strict=True)]
    if keep is not None:
        arcs += [(i, j, fit[i, j] + keep_bonus, min(keep[i, j], r))
                 for (i, j), r in zip(pairs, room, strict=True) if keep[i, j] > 0]
    arcs += [(i, n_cols, 0.0, supply[i]) for i in range(n_rows)]  # unplaced
    row, col, value, upper = (np.array(a) for a in zip(*arcs, strict=True))
    x = _reference_lp(value, row.astype(int), col.astype(int), upper, supply,
                      np.append(capacity, supply.sum() - placed), row_eq=True)
    real = col < n_cols
    np.add.at(out, (row[real].astype(int), col[real].astype(int)), x[real])
    return out


def objective(flows, fit, keep=None, keep_bonus=0.0):
    bonus = 0.0 if keep is None else keep_bonus * np.minimum(flows, keep).sum()
    return float((flows * fit).sum() + bonus)


def check(flows, fit, supply, capacity, allowed=None, keep=None, keep_bonus=0.0):
    """``flows`` feasible, as many units placed as the reference and the same objective value."""
    want = reference(fit, supply, capacity, allowed, keep, keep_bonus)
    capacity = np.broadcast_to(capacity, (fit.shape[1],))
    assert flows.dtype == np.int64 and (flows >= 0).all()
    assert (flows.sum(axis=1) <= supply).all() and (flows.sum(axis=0) <= capacity).all()
    if allowed is not None:
        assert (flows[~allowed] == 0).all()
    assert flows.sum() == want.sum()
    assert objective(flows, fit, keep, keep_bonus) == pytest.approx(objective(want, fit, keep, keep_bonus),
                                                                    rel=1e-9, abs=1e-9)


def instance(rng, n_rows, n_cols, levels):
    """A random problem: fit on ``levels`` values (few: many ties), supplies and capacities with zeros."""
    fit = rng.integers(0, levels, (n_rows, n_cols)) / levels
    supply = rng.integers(0, 6, n_rows) * (rng.random(n_rows) < 0.9)
    capacity = rng.integers(0, 5, n_cols) * (rng.random(n_cols) < 0.8)
    return fit, supply, capacity


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_rows=st.integers(1, 7), n_cols=st.integers(1, 9),
       levels=st.sampled_from([2, 3, 10, 1000]), masked=st.booleans(), kept=st.booleans(),
       bonus=st.sampled_from([0.0, 0.05, 0.5]))
def test_transport_matches_the_single_lp(seed, n_rows, n_cols, levels, masked, kept, bonus):
    rng = np.random.default_rng(seed)
    fit, supply, capacity = instance(rng, n_rows, n_cols, levels)
    allowed = rng.random(fit.shape) < 0.5 if masked else None
    keep = rng.integers(0, 4, fit.shape) * (rng.random(fit.shape) < 0.3) if kept else None
    flows = matching.solve_transport(fit, supply, capacity, allowed, keep=keep, keep_bonus=bonus)
    check(flows, fit, supply, capacity, allowed, keep, bonus)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_kinds=st.integers(1, 4), copies=st.integers(1, 5),
       n_cols=st.integers(1, 10), levels=st.sampled_from([2, 4, 1000]))
def test_pairs_with_identical_rows_match_the_single_lp(seed, n_kinds, copies, n_cols, levels):
    """Rows with the same pairs and values are solved as one and their flows shared out: same optimum."""
    rng = np.random.default_rng(seed)
    fit, _, capacity = instance(rng, n_kinds, n_cols, levels)
    allowed = rng.random(fit.shape) < 0.6
    kind = rng.integers(0, n_kinds, n_kinds * copies)  # the rows, shuffled copies of the kinds
    fit, allowed = fit[kind], allowed[kind]
    supply = rng.integers(0, 6, len(kind))
    ii, jj = np.nonzero(allowed)
    order = rng.permutation(len(ii))  # pairs in any order
    ii, jj = ii[order], jj[order]
    x = matching.solve_pairs(ii, jj, fit[ii, jj], supply, capacity)
    flows = np.zeros(fit.shape, dtype=np.int64)
    np.add.at(flows, (ii, jj), x)
    check(flows, fit, supply, capacity, allowed)


@pytest.mark.parametrize("rows_per_column", [1, 4])
@pytest.mark.parametrize("first_per_row", [0.01, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(8))
def test_column_generation_from_few_pairs_reaches_the_optimum(monkeypatch, seed, first_per_row, rows_per_column):
    """Started from very few pairs per row and column, the column generation grows the start until it carries
    the supply and adds priced-out pairs over several rounds; the result is still the optimum. Larger problems:
    many columns, supply above and below the room, units to keep."""
    monkeypatch.setattr(matching, "_FIRST_PER_ROW", first_per_row)
    monkeypatch.setattr(matching, "_ROWS_PER_COLUMN", rows_per_column)
    rng = np.random.default_rng(seed)
    n_rows, n_cols = [(6, 40), (12, 30), (4, 80), (10, 10)][seed % 4]
    fit = np.round(rng.random((n_rows, n_cols)) + rng.random(n_cols)[None, :], 1 + seed % 3)
    supply = rng.integers(0, 30, n_rows)
    capacity = rng.integers(0, 4, n_cols) if seed % 2 else rng.integers(1, 12, n_cols)
    keep = rng.integers(0, 5, fit.shape) * (rng.random(fit.shape) < 0.1)
    rounds = []
    relaxed = matching._relaxed
    monkeypatch.setattr(matching, "_relaxed", lambda *a: rounds.append(len(a[0])) or relaxed(*a))
    flows = matching.solve_transport(fit, supply, capacity, keep=keep, keep_bonus=0.05)
    check(flows, fit, supply, capacity, keep=keep, keep_bonus=0.05)
    assert rounds  # the LP was solved at least once


def test_column_generation_takes_several_rounds_when_started_small(monkeypatch):
    monkeypatch.setattr(matching, "_FIRST_PER_ROW", 0.01)
    monkeypatch.setattr(matching, "_ROWS_PER_COLUMN", 1)
    rng = np.random.default_rng(1)
    fit = rng.random((8, 200)) + rng.random(200)[None, :]
    supply, capacity = rng.integers(5, 40, 8), np.full(200, 3)
    rounds = []
    relaxed = matching._relaxed
    monkeypatch.setattr(matching, "_relaxed", lambda *a: rounds.append(len(a[0])) or relaxed(*a))
    flows = matching.solve_transport(fit, supply, capacity)
    check(flows, fit, supply, capacity)
    assert len(rounds) > 1 and rounds[0] < fit.size  # started from part of the pairs, added some later


def test_max_flow_is_the_lps():
    rng = np.random.default_rng(7)
    for _ in range(30):
        fit, supply, capacity = instance(rng, 6, 8, 3)
        ii, jj = np.nonzero(rng.random(fit.shape) < 0.4)
        upper = np.minimum(supply[ii], capacity[jj]).astype(float)
        want = _reference_lp(np.ones(len(ii)), ii, jj, upper, supply.astype(float), capacity.astype(float),
                             row_eq=False).sum()
        assert matching._max_flow(ii, jj, upper, supply, capacity) == want


def _reference_distribute(accounts, flows, rep_ids):
    """distribute as it was: a loop over each group's accounts."""
    owner = accounts["owner_id"].to_list()
    group = accounts["g"].to_numpy()
    result = np.full(accounts.height, -1, dtype=np.int64)
    index_of = {int(r): j for j, r in enumerate(rep_ids)}
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        span = slice(flows.indptr[g], flows.indptr[g + 1])
        left = {int(j): int(k) for j, k in zip(flows.indices[span], flows.data[span], strict=True) if k > 0}
        rest = []
        for i in rows:
            j = index_of.get(owner[i]) if owner[i] is not None else None
            if j is not None and left.get(j, 0) > 0:
                result[i] = rep_ids[j]
                left[j] -= 1
            else:
                rest.append(i)
        slots = [j for j, k in sorted(left.items()) for _ in range(k)]
        for i, j in zip(rest, slots, strict=False):
            result[i] = rep_ids[j]
    return result


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_accounts=st.integers(0, 40), n_groups=st.integers(1, 5),
       n_reps=st.integers(0, 6), tight=st.booleans())
def test_distribute_hands_out_accounts_as_the_loop_did(seed, n_accounts, n_groups, n_reps, tight):
    """Owners keep their own accounts first (in account order), the rest take the remaining units by rep; the
    same accounts as the former loop, with flows below, at and above a group's accounts."""
    rng = np.random.default_rng(seed)
    rep_ids = np.sort(rng.choice(np.arange(100, 200), n_reps, replace=False)).astype(np.int64)
    people = [*rep_ids.tolist(), 999, None]  # candidates, someone else, no owner
    accounts = pl.DataFrame({
        "customer_id": np.arange(n_accounts),
        "g": rng.integers(0, n_groups, n_accounts).astype(np.uint32),
        "owner_id": pl.Series([people[k] for k in rng.integers(0, len(people), n_accounts)], dtype=pl.Int64),
    })
    dense = rng.integers(0, 3 if tight else 6, (n_groups, n_reps)) * (rng.random((n_groups, n_reps)) < 0.6)
    flows = sparse.csr_array(dense)
    got = matching.distribute(accounts, flows, rep_ids)["suggested_id"].fill_null(-1).to_numpy()
    assert (got == _reference_distribute(accounts, flows, rep_ids)).all()
