"""KA continuity: the key accounts whose owner has left, is leaving or is at high flight risk, and a backup rep for
each (docs/talent.md). The backups are one assignment problem (analytics/sales/matching.py): account groups
(region, industry, owner) × candidate reps with spare KA slots, each group restricted to its ``top_k`` best-fitting
reps. Only those pairs are ever held: the fit depends on a group only through its region and industry, so it is
computed with numpy once per (region, industry) — in blocks — and each group takes its kind's best reps, and the
solver gets the pairs (no dense groups × reps matrix), so a large company with many at-risk owners stays within
memory (at the large demo company: tens of thousands of groups × reps). Groups of one kind have the same pairs,
so the solver merges them into one row (matching.solve_pairs): at the large demo company 48 rows, not 3,400.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from analytics.sales.matching import (
    REP_COMPONENTS,
    FitWeights,
    candidates,
    default_capacity,
    distribute,
    industry_scores,
    rep_components,
    solve_pairs,
)

CELLS_PER_BLOCK = 4_000_000  # groups × reps fitted at once (a few tens of MB per matrix)


@dataclass(frozen=True)
class ContinuityRules:
    """An account is at risk when its owner has left (or there is none), is leaving (a known termination
    date), or has a flight-risk probability ≥ the high-risk threshold. Its backup is another candidate rep
    who is not at risk themself and has spare capacity (KA accounts owned < capacity), chosen for all
    at-risk accounts together (the same assignment problem, spare slots as capacity) among the ``top_k``
    best-fitting reps per account group; ``skill_matched`` = the backup's mean KA skill score ≥
    ``min_skill``."""

    min_skill: float = 3.5
    top_k: int = 50


@dataclass(frozen=True)
class _FitParts:
    """The account-independent parts of the fit, once per problem: per rep (1 × reps) or per kind of group."""

    per_rep: dict[str, np.ndarray]   # skill, track_record, load: weighted, 1 × reps
    by_industry: np.ndarray          # industries × reps, weighted
    industry_of: np.ndarray          # each group's row in by_industry
    rep_region: np.ndarray           # region code of each rep (-1: none)
    group_region: np.ndarray         # region code of each group (-2: none, never a rep's)
    region_weight: float


def _fit_parts(groups: pl.DataFrame, reps: pl.DataFrame, industry: pl.DataFrame, weights: FitWeights) -> _FitParts:
    names = groups["industry"].to_list()
    kinds = {name: i for i, name in enumerate(dict.fromkeys(names))}
    by_industry = np.zeros((max(len(kinds), 1), reps.height))
    known = pl.DataFrame({"industry": [k for k in kinds if k is not None], "kind": [i for k, i in kinds.items()
                                                                                  if k is not None]},
                         schema={"industry": industry.schema["industry"], "kind": pl.Int64})
    rep_index = pl.DataFrame({"employee_id": reps["employee_id"].cast(pl.Int64), "j": np.arange(reps.height)})
    hits = industry.with_columns(pl.col("employee_id").cast(pl.Int64)).join(
        known, on="industry", maintain_order="left").join(rep_index, on="employee_id", maintain_order="left")
    by_industry[hits["kind"].to_numpy(), hits["j"].to_numpy()] = hits["c_industry"].to_numpy()
    regions = {r: i for i, r in enumerate(dict.fromkeys(reps["region_id"].drop_nulls().to_list()))}
    return _FitParts(
        per_rep={c: (reps[f"c_{c}"].to_numpy() * getattr(weights, c))[None, :]
                 for c in ("skill", "track_record", "load")},
        by_industry=by_industry * weights.industry,
        industry_of=np.array([kinds[i] for i in names], dtype=np.int64),
        rep_region=np.array([regions.get(r, -1) if r is not None else -1 for r in reps["region_id"].to_list()]),
        group_region=np.array([regions.get(r, -2) if r is not None else -2 for r in groups["region_id"].to_list()]),
        region_weight=weights.region,
    )


def group_fit(parts: _FitParts, rows: slice | np.ndarray) -> np.ndarray:
    """fit (the groups in ``rows``, a slice or indices, × reps) as :func:`analytics.sales.matching.fit_table`
    computes it: each component times its weight, summed in REP_COMPONENTS order."""
    terms = {
        **parts.per_rep,
        "industry": parts.by_industry[parts.industry_of[rows]],
        "region": (parts.group_region[rows][:, None] == parts.rep_region[None, :]).astype(float) * parts.region_weight,
    }
    fit = terms[REP_COMPONENTS[0]]
    for name in REP_COMPONENTS[1:]:
        fit = fit + terms[name]
    return fit


def _best(fit: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` best columns as a mask, ties broken towards the lower column (what a stable sort by
    descending fit takes first), without sorting the rows."""
    if k >= fit.shape[1]:
        return np.ones(fit.shape, dtype=bool)
    kth = np.partition(fit, fit.shape[1] - k, axis=1)[:, fit.shape[1] - k][:, None]
    greater = fit > kth
    equal = fit == kth
    room = k - greater.sum(axis=1, keepdims=True)
    return greater | (equal & (np.cumsum(equal, axis=1) <= room))


def top_pairs(groups: pl.DataFrame, reps: pl.DataFrame, industry: pl.DataFrame, weights: FitWeights, top_k: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's ``top_k`` best-fitting reps (ties: the lower rep index first), as pairs (group, rep, fit)
    in row-major order. The fit depends on a group only through its region and industry, so it is computed
    (a block at a time) once per kind of group — the groups' first of each kind — and each group takes its
    kind's pairs."""
    parts = _fit_parts(groups, reps, industry, weights)
    kinds, first, kind_of = np.unique(np.column_stack([parts.group_region, parts.industry_of]), axis=0,
                                      return_index=True, return_inverse=True)
    kind_of = kind_of.ravel()
    block = max(1, CELLS_PER_BLOCK // max(reps.height, 1))
    rows, cols, fits = [], [], []
    for start in range(0, len(kinds), block):
        fit = group_fit(parts, first[start: start + block])
        ii, jj = np.nonzero(_best(fit, top_k))
        rows.append(ii + start)
        cols.append(jj)
        fits.append(fit[ii, jj])
    kind_row, kind_col, kind_fit = np.concatenate(rows), np.concatenate(cols), np.concatenate(fits)
    # the pairs of kind k are kind_*[ptr[k]:ptr[k + 1]]; group g takes those of kind_of[g], in group order
    ptr = np.searchsorted(kind_row, np.arange(len(kinds) + 1))
    sizes = np.diff(ptr)[kind_of]
    at = np.repeat(ptr[kind_of] - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
    return np.repeat(np.arange(groups.height), sizes), kind_col[at], kind_fit[at]


def continuity(accounts: pl.DataFrame, people: pl.DataFrame, rep_accounts: pl.DataFrame, risk: pl.DataFrame,
               threshold: float, capacity: int | None = None, weights: FitWeights | None = None,
               rules: ContinuityRules | None = None) -> pl.DataFrame:
    """KA accounts at risk, with the reason and the backup. ``risk`` has employee_id and probability.

    Columns: customer_id, customer_name, region_id, industry, bookings, owner_id, owner_name, status
    ('no_owner' | 'left' | 'leaving' | 'high_risk'), owner_probability, backup_id, backup_name, backup_fit,
    backup_ka_skill, skill_matched, backup_spare (spare KA slots before this suggestion).
    """
    weights, rules = weights or FitWeights(), rules or ContinuityRules()
    capacity = capacity or default_capacity(people, rep_accounts)
    employed = people.select("employee_id", "termination_date")
    prob = risk.select("employee_id", owner_probability="probability") if "employee_id" in risk.columns else \
        pl.DataFrame(schema={"employee_id": pl.Int64, "owner_probability": pl.Float64})
    acc = accounts.join(employed, left_on="owner_id", right_on="employee_id", how="left").join(
        prob, left_on="owner_id", right_on="employee_id", how="left")
    present = pl.col("owner_id").is_in(people["employee_id"].implode())
    acc = acc.with_columns(status=pl.when(pl.col("owner_id").is_null()).then(pl.lit("no_owner"))
                           .when(~present).then(pl.lit("left"))
                           .when(pl.col("termination_date").is_not_null()).then(pl.lit("leaving"))
                           .when(pl.col("owner_probability") >= threshold).then(pl.lit("high_risk")))
    at_risk = acc.filter(pl.col("status").is_not_null()).drop("termination_date").sort("customer_id")
    columns = ["customer_id", "customer_name", "region_id", "industry", "bookings", "owner_id", "owner_name",
               "status", "owner_probability"]
    if at_risk.is_empty():
        return at_risk.select(columns)
    risky = set(at_risk["owner_id"].drop_nulls().to_list()) | set(
        prob.filter(pl.col("owner_probability") >= threshold)["employee_id"].to_list())
    pool = candidates(people).filter(~pl.col("employee_id").is_in(list(risky)))
    reps = rep_components(people, rep_accounts, candidates(people), weights)
    cands = reps.join(pool.select("employee_id"), on="employee_id").with_columns(
        spare=(capacity - pl.col("ka_accounts")).clip(lower_bound=0)).filter(pl.col("spare") > 0).sort("employee_id")
    if cands.is_empty():
        return at_risk.select(columns).with_columns(backup_id=pl.lit(None, pl.Int64),
                                                    backup_fit=pl.lit(None, pl.Float64))
    groups = at_risk.group_by("region_id", "industry", "owner_id").agg(n=pl.len()).sort(
        "region_id", "industry", "owner_id", nulls_last=True).with_row_index("g")
    ii, jj, fit = top_pairs(groups, cands, industry_scores(rep_accounts, weights), weights, rules.top_k)
    flows = solve_pairs(ii, jj, fit, groups["n"].to_numpy(), cands["spare"].to_numpy())
    rep_ids = cands["employee_id"].to_numpy()
    rows = at_risk.join(groups.select("g", "region_id", "industry", "owner_id"),
                        on=["region_id", "industry", "owner_id"], how="left", nulls_equal=True).sort("customer_id")
    placed = distribute(rows.with_columns(owner_id=pl.lit(None, pl.Int64)),
                        sparse.csr_array((flows, (ii, jj)), shape=(groups.height, cands.height)), rep_ids)
    pairs = pl.DataFrame({"g": ii.astype(np.uint32), "backup_id": rep_ids[jj], "backup_fit": fit})
    backup = placed.select("customer_id", backup_id="suggested_id", g="g").join(
        pairs, on=["g", "backup_id"], how="left").join(
        cands.select(backup_id="employee_id", backup_name="name", backup_ka_skill="ka_skill", backup_spare="spare"),
        on="backup_id", how="left").drop("g")
    return at_risk.select(columns).join(backup, on="customer_id", how="left").with_columns(
        skill_matched=(pl.col("backup_ka_skill") >= rules.min_skill).fill_null(False)).sort("customer_id")
