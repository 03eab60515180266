"""Key-account matching: the solver against brute force, the grouped solution against the account-level
optimum on the demo company, capacities, the explanation of the fit, and the continuity view."""
from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import add_months
from analytics.people import skills, talent_report
from analytics.sales import ka_continuity, matching

AS_OF = dt.date(2025, 12, 31)


def brute_force(fit: np.ndarray, capacity: int, allowed: np.ndarray | None = None) -> tuple[int, float]:
    """(most rows placed, best total fit among those) over every assignment."""
    n_rows, n_cols = fit.shape
    best = (-1, -np.inf)
    for combo in itertools.product(range(-1, n_cols), repeat=n_rows):
        if allowed is not None and any(c >= 0 and not allowed[i, c] for i, c in enumerate(combo)):
            continue
        if np.bincount([c for c in combo if c >= 0], minlength=n_cols).max(initial=0) > capacity:
            continue
        placed = sum(c >= 0 for c in combo)
        best = max(best, (placed, sum(fit[i, c] for i, c in enumerate(combo) if c >= 0)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_assignment_is_optimal_and_respects_capacity(seed):
    rng = np.random.default_rng(seed)
    # a mix of tight capacity (some rows left out), loose capacity (the top-K pruning is active) and masks
    n_rows, n_cols, capacity = [(5, 2, 2), (5, 7, 2), (6, 3, 1), (4, 4, 3)][seed % 4]
    fit = np.round(rng.random((n_rows, n_cols)), 2)  # rounded: ties happen
    allowed = rng.random((n_rows, n_cols)) < 0.6 if seed % 3 == 0 else None
    got = matching.assign(fit, capacity, allowed)
    assert np.bincount(got[got >= 0], minlength=n_cols).max(initial=0) <= capacity
    if allowed is not None:
        assert all(c < 0 or allowed[i, c] for i, c in enumerate(got))
    placed, total = brute_force(fit, capacity, allowed)
    assert (got >= 0).sum() == placed
    assert sum(fit[i, c] for i, c in enumerate(got) if c >= 0) == pytest.approx(total)


def test_grouped_supply_and_the_keep_bonus():
    # two groups of identical accounts (2 and 1) and two reps of equal fit: the bonus keeps rep 1's two
    fit = np.array([[0.5, 0.5], [0.7, 0.2]])
    flows = matching.solve_transport(fit, np.array([2, 1]), np.array([2, 2]), keep=np.array([[0, 2], [0, 0]]),
                                     keep_bonus=0.05)
    assert flows.tolist() == [[0, 2], [1, 0]]
    # capacity 1 each: three units, two places → the two best (0.7 and 0.5) are placed
    flows = matching.solve_transport(fit, np.array([2, 1]), np.array([1, 1]))
    assert flows.sum() == 2 and flows[1, 0] == 1 and flows[0, 1] == 1


# ── the demo company ───────────────────────────────────────────────────
@pytest.fixture(scope="module")
def demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db
    db.close()


@pytest.fixture(scope="module")
def east(demo):
    viewer = Viewer("east", org_units=frozenset({"east"}))
    prof = skills.load_profiles(demo, viewer, AS_OF)
    accounts = demo.query("ka_accounts", start=prof.window.start, as_of=AS_OF, **viewer.sql_params())
    reps = demo.query("rep_accounts", start=add_months(prof.window.start, -12), as_of=AS_OF,
                      **viewer.sql_params()).drop("scope_unit", "scope_region")
    return prof, accounts, reps


def account_level_optimum(prof, accounts, reps, capacity, weights) -> float:
    """The same problem without grouping: one row per account, its own fit with every candidate (continuity
    for its owner), solved by ``assign``."""
    pool = matching.candidates(prof.people)
    comp = matching.rep_components(prof.people, reps, pool, weights).join(pool.select("employee_id"),
                                                                           on="employee_id").sort("employee_id")
    table = matching.fit_table(accounts.select("customer_id", "region_id", "industry", "owner_id"), comp,
                               matching.industry_scores(reps, weights), weights)
    table = table.with_columns(fit=pl.col("fit") + weights.continuity * (pl.col("employee_id") == pl.col("owner_id"))
                               .fill_null(False)).sort("customer_id", "employee_id")
    fit = table["fit"].to_numpy().reshape(accounts.height, comp.height)
    got = matching.assign(fit, capacity)
    return float(sum(fit[i, c] for i, c in enumerate(got) if c >= 0))


@pytest.mark.parametrize("capacity", [3, 12])
def test_grouped_solution_equals_the_account_level_optimum(east, capacity):
    prof, accounts, reps = east
    weights = matching.FitWeights()
    result = matching.ka_matching(accounts, prof.people, reps, capacity, weights)
    assert result.total_fit == pytest.approx(account_level_optimum(prof, accounts, reps, capacity, weights))
    assert (result.reps["suggested_accounts"] <= capacity).all()
    n_reps = result.reps.height
    assert result.n_unassigned == max(0, accounts.height - capacity * n_reps)


def test_fit_is_explained_and_gain_is_against_todays_owner(east):
    prof, accounts, reps = east
    pool = matching.candidates(prof.people)["employee_id"]
    load = accounts.filter(pl.col("owner_id").is_in(pool.implode())).group_by("owner_id").len()["len"].max()
    result = matching.ka_matching(accounts, prof.people, reps, load)  # today's owners all fit in
    out = result.accounts
    parts = out.select(pl.sum_horizontal([f"fit_{c}" for c in matching.COMPONENTS]))
    assert np.allclose(parts.to_series().to_numpy(), out["fit"].to_numpy())
    for c in matching.COMPONENTS:
        assert out[f"c_{c}"].is_between(0, 1).all()
    kept = out.filter(pl.col("keep"))
    assert kept.height > 0 and (kept["gain"].abs() < 1e-12).all() and (kept["c_continuity"] == 1).all()
    assert np.allclose(out["gain"].drop_nulls(), (out["fit"] - out["owner_fit"]).drop_nulls())
    # today's assignment (accounts with a candidate owner) is feasible at this capacity, so the optimum is
    # at least as good as it in total
    today = out.filter(pl.col("owner_id").is_in(pool.implode()))["owner_fit"].sum()
    assert result.total_fit >= today - 1e-9
    assert out["gain"].drop_nulls().mean() > 0


def test_default_capacity_and_aggregate_view(demo):
    full = talent_report.ka_matching(demo, full_access(), AS_OF)
    assert full.capacity >= 1 and full.n_unassigned == 0
    assert full.accounts["customer_id"].n_unique() == full.accounts.height
    agg = talent_report.ka_matching(demo, Viewer("agg", fields=frozenset()), AS_OF)
    assert agg.reps.is_empty() and "suggested_id" not in agg.accounts.columns
    assert agg.accounts["accounts"].sum() == full.accounts.height
    assert agg.accounts["kept"].sum() == full.accounts["keep"].sum()


def test_continuity_backups_have_room_and_are_not_the_owner(east):
    prof, accounts, reps = east
    owners = accounts["owner_id"].drop_nulls().unique().sort().to_list()
    risky = owners[:3]
    risk = pl.DataFrame({"employee_id": owners, "probability": [0.9 if o in risky else 0.1 for o in owners]})
    out = ka_continuity.continuity(accounts, prof.people, reps, risk, threshold=0.5, capacity=20)
    expected_high = accounts.filter(pl.col("owner_id").is_in(risky)).height
    assert out.filter(pl.col("status") == "high_risk").height == expected_high
    assert out.filter(pl.col("status") == "no_owner").height == accounts["owner_id"].null_count()
    assert (out["backup_id"] != out["owner_id"]).fill_null(True).all()
    assert not out["backup_id"].is_in(risky).any()
    used = out.group_by("backup_id", "backup_spare").len().drop_nulls()
    assert (used["len"] <= used["backup_spare"]).all()  # nobody gets more than their spare slots
    assert (out["skill_matched"] == (out["backup_ka_skill"] >= 3.5).fill_null(False)).all()
    assert out["backup_id"].null_count() == 0  # in the east there is room for every account at risk


def test_continuity_with_the_flight_risk_model(demo):
    out = talent_report.continuity(demo, full_access(), AS_OF)
    assert out.height > 0 and set(out["status"]) <= {"no_owner", "left", "leaving", "high_risk"}
    risky = out.filter(pl.col("status") == "high_risk")
    assert risky["owner_probability"].min() > 0
