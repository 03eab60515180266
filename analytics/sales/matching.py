"""Key-account matching: the best-fitting rep for every KA customer, with a capacity per rep, and the
continuity view (KA accounts whose owner has left, is leaving or is at high flight risk, and their backup).

The match is an assignment problem solved exactly as a transportation problem: each account goes to at most
one rep, each rep takes at most ``capacity`` accounts, as many accounts as capacity allows are covered (a max
flow, scipy.sparse.csgraph) and among those total fit is maximised (an LP, HiGHS's dual simplex through
scipy.optimize.linprog; its vertices are integral). The fit of a rep for an account depends on the account
only through its region and industry (and, for the continuity component, whether the rep owns it today),
so accounts are grouped by (region, industry) and the problem stays small (groups × reps) however many
accounts there are; the continuity bonus rides on parallel arcs for the units a rep already owns. Only each
group's best ⌊accounts ÷ capacity⌋ + 1 reps (and today's owners) can be in an optimal solution, so only those
pairs are priced, and the LP is solved on the few of them an optimum uses, found by column generation (see
:func:`_top_columns` and :func:`_lp_by_columns`). Inputs: profiles (analytics.people.skills),
``ka_accounts.sql`` and ``rep_accounts.sql``. The rules are written out in docs/talent.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import maximum_flow

REP_COMPONENTS = ("skill", "track_record", "industry", "region", "load")  # the same for every account of a group
COMPONENTS = (*REP_COMPONENTS, "continuity")


@dataclass(frozen=True)
class FitWeights:
    """fit = Σ weight × component, each component in 0–1 (the default weights sum to 1, so fit is 0–1).

    skill: mean latest score of ``ka_skills`` mapped 1–5 → 0–1 (never assessed: the candidates' median);
    track_record: where the rep's KA bookings of the last 12 months fall among the candidates (0–1 rank);
    industry: customers of the account's industry the rep sold to in 24 months ÷ ``industry_full`` (max 1);
    region: 1 when the rep works in the account's region; load: 1 − regular (non-KA) accounts owned ÷
    (2 × the candidates' median) — KA accounts are what is being shared out, their number is the capacity;
    continuity: 1 for the account's current owner (the cost of a hand-over; 0 switches it off).
    """

    skill: float = 0.30
    track_record: float = 0.25
    industry: float = 0.15
    region: float = 0.15
    load: float = 0.10
    continuity: float = 0.05
    industry_full: int = 3
    ka_skills: tuple[str, ...] = ("ka_management", "negotiation")


# ── the solver ─────────────────────────────────────────────────────────
_TOLERANCE = 1e-9  # a left-out arc that would earn more than this per unit is added (see _lp_by_columns)
_FIRST_PER_ROW = 5  # column generation starts from each row's 5 × (its supply ÷ a column's capacity) best pairs
_ROWS_PER_COLUMN = 4  # ... and of those, each column's 4 best rows


def _relaxed(value: np.ndarray, row: np.ndarray, col: np.ndarray, upper: np.ndarray, supply: np.ndarray,
             capacity: np.ndarray):
    """The LP max Σ value·x over arcs (row → col), 0 ≤ x ≤ upper, row sums = supply, col sums ≤ capacity, by
    HiGHS's dual simplex (scipy.optimize.linprog), with its duals."""
    n = len(value)
    arcs = np.arange(n)
    res = linprog(-value, A_ub=sparse.csr_array((np.ones(n), (col, arcs)), shape=(len(capacity), n)), b_ub=capacity,
                  A_eq=sparse.csr_array((np.ones(n), (row, arcs)), shape=(len(supply), n)), b_eq=supply,
                  bounds=np.column_stack([np.zeros(n), upper]), method="highs-ds")
    if not res.success:  # pragma: no cover - the problem is always feasible
        raise RuntimeError(f"The assignment could not be solved: {res.message}")
    return res


def _integral(x: np.ndarray, value: np.ndarray, row: np.ndarray, col: np.ndarray, upper: np.ndarray,
              supply: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """A transportation problem's LP optimum is integral, so the simplex vertex is exact; should one ever come
    back fractional the integer program is solved instead (scipy.optimize.milp)."""
    if len(x) and np.abs(x - np.round(x)).max() > 1e-6:  # pragma: no cover - integral in theory
        n = len(value)
        arcs = np.arange(n)
        cons = [LinearConstraint(sparse.csr_array((np.ones(n), (row, arcs)), shape=(len(supply), n)), supply, supply),
                LinearConstraint(sparse.csr_array((np.ones(n), (col, arcs)), shape=(len(capacity), n)), 0, capacity)]
        res = milp(-value, constraints=cons, bounds=Bounds(0, upper), integrality=np.ones(n))
        if not res.success:
            raise RuntimeError(f"The assignment could not be solved: {res.message}")
        x = res.x
    return np.round(x).astype(np.int64)


def _lp(value: np.ndarray, row: np.ndarray, col: np.ndarray, upper: np.ndarray, supply: np.ndarray,
        capacity: np.ndarray) -> np.ndarray:
    """Integer x maximising Σ value·x over arcs (row → col) with 0 ≤ x ≤ upper, row sums = supply, col sums ≤
    capacity: a transportation problem, solved exactly as an LP (see :func:`_integral`)."""
    x = _relaxed(value, row, col, upper, supply, capacity).x
    return _integral(x, value, row, col, upper, supply, capacity)


def _max_flow(row: np.ndarray, col: np.ndarray, upper: np.ndarray, supply: np.ndarray, capacity: np.ndarray) -> int:
    """The most units the arcs (row → col, at most ``upper`` each) can carry from the rows' supply into the
    columns' capacity: a max flow (scipy.sparse.csgraph.maximum_flow, integer and exact)."""
    n_rows, n_cols = len(supply), len(capacity)
    source, sink = n_rows + n_cols, n_rows + n_cols + 1
    heads = np.concatenate([np.full(n_rows, source), row, n_rows + np.arange(n_cols)])
    tails = np.concatenate([np.arange(n_rows), n_rows + col, np.full(n_cols, sink)])
    caps = np.concatenate([supply, upper, capacity]).astype(np.int64)
    graph = sparse.csr_array((caps.astype(np.int32), (heads, tails)), shape=(sink + 1, sink + 1))
    graph.sum_duplicates()
    return int(maximum_flow(graph, source, sink).flow_value)


def _lp_by_columns(value: np.ndarray, row: np.ndarray, col: np.ndarray, upper: np.ndarray, supply: np.ndarray,
                   capacity: np.ndarray, first: int, ranked: np.ndarray, always: np.ndarray) -> np.ndarray:
    """:func:`_lp` over many arcs, of which few are used, by column generation. The LP is first solved on the
    arcs ``always`` and, of the arcs worth at least a row's ``first``-th most valuable ``ranked`` arc, those
    among their column's ``_ROWS_PER_COLUMN`` most valuable ranked arcs or not ranked themselves (the first
    limit, then the second, widens while the arcs cannot carry the supply: a max flow). Then every arc left
    out is priced with the LP's duals; while some would earn more than ``_TOLERANCE`` per unit, each row's
    ``first`` best such arcs are added and the LP is solved again. When none would, the duals are feasible
    for every arc, so the restricted optimum is the whole problem's (LP duality): the same objective value.
    (Rows compete for the same best columns, so the rows' limit alone needs many arcs to carry the supply; a
    column's few best rows are where an optimum mostly sends it.)"""
    n_rows, total = len(supply), int(supply.sum())
    order = np.flatnonzero(ranked)
    by_col = order[np.lexsort((-value[order], col[order]))]
    col_rank = np.full(len(value), -1)  # arcs not ranked pass the column limit
    col_rank[by_col] = np.arange(len(by_col)) - np.searchsorted(col[by_col], col[by_col], side="left")
    order = order[np.lexsort((-value[order], row[order]))]
    counts = np.bincount(row[order], minlength=n_rows)
    starts = np.cumsum(counts) - counts
    per_column = _ROWS_PER_COLUMN
    while True:
        floor = np.full(n_rows, -np.inf)
        cut = counts > first
        floor[cut] = value[order[starts[cut] + first - 1]]
        inc = ((value >= floor[row]) & (col_rank < per_column)) | always
        if (not cut.any() and per_column > col_rank.max()) or _max_flow(row[inc], col[inc], upper[inc], supply,
                                                                  capacity) == total:
            break
        if cut.any():  # widen the rows' share first, then the columns'
            first += first // 2 + 1
        else:
            per_column *= 2
    while True:
        a = np.flatnonzero(inc)
        cols, at = np.unique(col[a], return_inverse=True)
        res = _relaxed(value[a], row[a], at, upper[a], supply, capacity[cols])
        dual_col = np.zeros(len(capacity))
        dual_col[cols] = -res.ineqlin.marginals
        gain = value + res.eqlin.marginals[row] - dual_col[col]
        better = np.flatnonzero((gain > _TOLERANCE) & ~inc)
        if len(better) == 0:
            break
        better = better[np.lexsort((-gain[better], row[better]))]
        runs = np.searchsorted(row[better], row[better], side="left")
        inc[better[np.arange(len(better)) - runs < first]] = True
    x = np.zeros(len(value), dtype=np.int64)
    x[a] = _integral(res.x, value[a], row[a], at, upper[a], supply, capacity[cols])
    return x


def solve_transport(fit: np.ndarray, supply: np.ndarray, capacity: np.ndarray, allowed: np.ndarray | None = None,
                    keep: np.ndarray | None = None, keep_bonus: float = 0.0) -> np.ndarray:
    """Integer flows x (rows × cols): Σ_j x_ij ≤ supply_i, Σ_i x_ij ≤ capacity_j, as many units placed as
    possible, and among those the maximum of Σ fit·x + keep_bonus × (units placed where ``keep`` says they
    already are: up to keep_ij units of x_ij earn the bonus). ``allowed`` masks pairs out.

    Modelled as a transportation problem (an extra "unplaced" column takes what cannot be placed; each pair
    with units to keep gets a parallel arc carrying the bonus) and solved exactly: the units placed by a max
    flow, the best placement by HiGHS's simplex (scipy.optimize.linprog) — on every pair, or without a mask
    by column generation from each row's best pairs (:func:`_lp_by_columns`).
    """
    fit = np.asarray(fit, dtype=float)
    n_rows, n_cols = fit.shape
    supply = np.asarray(supply, dtype=float)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (n_cols,)).copy()
    out = np.zeros((n_rows, n_cols), dtype=np.int64)
    if allowed is not None:
        ii, jj = np.nonzero(np.asarray(allowed, dtype=bool))
    if (len(ii) if allowed is not None else fit.size) == 0 or supply.sum() == 0 or capacity.sum() == 0:
        return out
    if allowed is None:
        placed = min(supply.sum(), capacity.sum())  # every row can reach every column
        ii, jj = _top_columns(fit, capacity, placed, keep)
        upper = np.minimum(supply[ii], capacity[jj])
    elif keep is None:
        np.add.at(out, (ii, jj), solve_pairs(ii, jj, fit[ii, jj], supply, capacity))
        return out
    else:  # the largest placement the mask allows
        upper = np.minimum(supply[ii], capacity[jj])
        placed = _max_flow(ii, jj, upper, supply, capacity)
    kept = np.zeros(len(ii)) if keep is None else np.asarray(keep, dtype=float)[ii, jj]
    k = np.flatnonzero(kept > 0)
    value = np.concatenate([fit[ii, jj], fit[ii[k], jj[k]] + keep_bonus, np.zeros(n_rows)])
    row = np.concatenate([ii, ii[k], np.arange(n_rows)])
    col = np.concatenate([jj, jj[k], np.full(n_rows, n_cols)])
    up = np.concatenate([upper, np.minimum(kept[k], upper[k]), supply])
    if allowed is None:  # column generation from the unplaced arcs and each row's most valuable pairs
        first = max(1, int(np.ceil(_FIRST_PER_ROW * supply.max() / capacity[capacity > 0].min())))
        x = _lp_by_columns(value, row, col, up, supply, np.append(capacity, supply.sum() - placed), first,
                           ranked=np.arange(len(value)) < len(ii), always=col == n_cols)
    else:
        x = _lp(value, row, col, up, supply, np.append(capacity, supply.sum() - placed))
    np.add.at(out, (row[: len(ii) + len(k)], col[: len(ii) + len(k)]), x[: len(ii) + len(k)])
    return out




def solve_pairs(ii: np.ndarray, jj: np.ndarray, value: np.ndarray, supply: np.ndarray, capacity: np.ndarray
                ) -> np.ndarray:
    """:func:`solve_transport` on the given pairs only (row ii → column jj, worth ``value``): the integer flow
    of each pair. As many units placed as the pairs allow (a max flow), and among those the maximum value;
    no dense rows × columns matrix is made, so a large sparse problem stays small in memory. Rows with the
    same pairs and values are interchangeable: they are solved as one row with their summed supply, whose
    flows are then shared out among them in row order (:func:`_twins`)."""
    ii, jj, value = np.asarray(ii), np.asarray(jj), np.asarray(value, dtype=float)
    supply = np.asarray(supply, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    n_rows, n_cols = len(supply), len(capacity)
    if len(ii) == 0 or supply.sum() == 0 or capacity.sum() == 0:
        return np.zeros(len(ii), dtype=np.int64)
    cls, arcs = _twins(ii, jj, value, n_rows)
    firsts = np.unique(cls, return_index=True)[1]  # each class's first row (classes are numbered in row order)
    n = len(firsts)
    one = np.concatenate([arcs[r] for r in firsts])
    m_row = np.repeat(np.arange(n), [len(arcs[r]) for r in firsts])
    m_supply = np.bincount(cls, weights=supply, minlength=n)
    upper = np.minimum(m_supply[m_row], capacity[jj[one]])
    placed = _max_flow(m_row, jj[one], upper, m_supply, capacity)
    x = _lp(np.concatenate([value[one], np.zeros(n)]), np.concatenate([m_row, np.arange(n)]),
            np.concatenate([jj[one], np.full(n, n_cols)]), np.concatenate([upper, m_supply]), m_supply,
            np.append(capacity, supply.sum() - placed))
    out = np.zeros(len(ii), dtype=np.int64)
    members = np.split(np.argsort(cls, kind="stable"), np.cumsum(np.bincount(cls, minlength=n))[:-1])
    done = 0
    for rows, first in zip(members, firsts, strict=True):
        flows = x[done: done + len(arcs[first])]
        done += len(flows)
        if flows.sum() == 0:
            continue
        # the class's units laid end to end, [ends − flows, ends) per pair; row t takes [S_t − s_t, S_t)
        ends, taken = np.cumsum(flows), np.cumsum(supply[rows])
        share = np.minimum(taken[:, None], ends[None, :]) - np.maximum((taken - supply[rows])[:, None],
                                                                       (ends - flows)[None, :])
        out[np.stack([arcs[r] for r in rows])] = np.maximum(share, 0).astype(np.int64)
    return out


def _twins(ii: np.ndarray, jj: np.ndarray, value: np.ndarray, n_rows: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows with the same pairs (columns and values): the class of each row, numbered in order of first row,
    and each row's arcs (indices into ii) by column."""
    order = np.lexsort((jj, ii))
    bounds = np.searchsorted(ii[order], np.arange(n_rows + 1))
    arcs = [order[bounds[r]: bounds[r + 1]] for r in range(n_rows)]
    seen: dict[tuple[bytes, bytes], int] = {}
    cls = np.array([seen.setdefault((jj[a].tobytes(), value[a].tobytes()), len(seen)) for a in arcs], dtype=np.int64)
    return cls, arcs


def _top_columns(fit: np.ndarray, capacity: np.ndarray, placed: float, keep: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The pairs worth considering, without losing optimality: per row, its K best columns (K = ⌊placed ÷
    smallest capacity⌋ + 1) and any pair with units to keep.

    Why: if a row used a column outside its K best while one of those had room, moving the unit there
    would not lower the total; so some optimal solution uses a column outside the K best only when all K are
    full — K × smallest capacity > placed units, impossible. (A unit on a keep arc may lose its bonus when
    moved, hence those pairs are always kept in.)"""
    open_cols = capacity > 0
    k = int(placed // capacity[open_cols].min()) + 1 if open_cols.any() else 0
    mask = np.zeros_like(fit, dtype=bool)
    if k >= open_cols.sum():
        mask[:, open_cols] = True
    elif k > 0:
        scored = np.where(open_cols, fit, -np.inf)
        top = np.argpartition(-scored, k - 1, axis=1)[:, :k]
        np.put_along_axis(mask, top, True, axis=1)
    if keep is not None:
        mask |= (np.asarray(keep) > 0) & open_cols
    return np.nonzero(mask)


def assign(fit: np.ndarray, capacity: int | np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Column index given to each row (−1 when none): one column per row, at most ``capacity`` rows per
    column, as many rows placed as possible, maximum total fit."""
    flows = solve_transport(fit, np.ones(fit.shape[0]), capacity, allowed)
    placed = flows.sum(axis=1) > 0
    return np.where(placed, flows.argmax(axis=1), -1)


# ── fit components ─────────────────────────────────────────────────────
def candidates(people: pl.DataFrame) -> pl.DataFrame:
    """Reps who can take KA accounts: career step 1, carrying quota, with no known leaving date."""
    return people.filter((pl.col("career_step") == 1) & pl.col("carries_quota")
                         & pl.col("termination_date").is_null()).sort("employee_id")


def rep_components(people: pl.DataFrame, rep_accounts: pl.DataFrame, pool: pl.DataFrame,
                   weights: FitWeights) -> pl.DataFrame:
    """Account-independent components for every person in ``people`` (candidates or owners), scaled against
    the candidate ``pool``. Columns: employee_id, name, role_id, region_id, team_id, ka_skill, c_skill,
    ka_bookings, c_track_record, accounts (regular accounts owned), ka_accounts, c_load."""
    load = rep_accounts.group_by("employee_id").agg(pl.col("ka_accounts").first(), pl.col("regular_accounts").first())
    skill_cols = [f"score_{s}" for s in weights.ka_skills if f"score_{s}" in people.columns]
    frame = people.join(load, on="employee_id", how="left").with_columns(
        ka_skill=pl.mean_horizontal(skill_cols) if skill_cols else pl.lit(None, pl.Float64),
        ka_bookings=pl.col("ka_bookings").fill_null(0.0),
        ka_accounts=pl.col("ka_accounts").fill_null(0),
        accounts=pl.col("regular_accounts").fill_null(0),
    )
    ref = frame.join(pool.select("employee_id"), on="employee_id")
    skill_c = (pl.col("ka_skill") - 1) / 4
    median_skill = ref.select(skill_c.median()).item()
    track = np.sort(ref["ka_bookings"].to_numpy())
    median_accounts = ref["accounts"].median() or 0

    def ecdf(x: np.ndarray) -> np.ndarray:
        if len(track) == 0:
            return np.zeros(len(x))
        return (np.searchsorted(track, x, "left") + np.searchsorted(track, x, "right")) / (2 * len(track))

    return frame.with_columns(
        c_skill=skill_c.fill_null(median_skill if median_skill is not None else 0.5).clip(0, 1),
        skill_imputed=pl.col("ka_skill").is_null(),
        c_track_record=pl.Series(ecdf(frame["ka_bookings"].to_numpy())),
        c_load=(1 - pl.col("accounts") / max(2.0 * median_accounts, 1.0)).clip(0, 1),
    ).select("employee_id", "name", "role_id", "region_id", "team_id", "ka_skill", "c_skill", "skill_imputed",
             "ka_bookings", "c_track_record", "accounts", "ka_accounts", "c_load")


def industry_scores(rep_accounts: pl.DataFrame, weights: FitWeights) -> pl.DataFrame:
    """employee_id, industry, c_industry = min(1, customers of that industry served ÷ industry_full)."""
    return rep_accounts.filter(pl.col("industry").is_not_null()).select(
        "employee_id", "industry", c_industry=(pl.col("industry_customers") / weights.industry_full).clip(0, 1))


def fit_table(keys: pl.DataFrame, reps: pl.DataFrame, industry: pl.DataFrame, weights: FitWeights) -> pl.DataFrame:
    """Every (key row × rep) with the rep components and their fit (continuity not included). ``keys`` has
    region_id and industry (plus any key columns); adds employee_id, c_*, fit_* (weighted contributions), fit."""
    table = keys.join(reps.select("employee_id", "c_skill", "c_track_record", "c_load",
                                  rep_region=pl.col("region_id")), how="cross")
    table = table.join(industry, on=["employee_id", "industry"], how="left").with_columns(
        c_industry=pl.col("c_industry").fill_null(0.0),
        c_region=(pl.col("rep_region") == pl.col("region_id")).fill_null(False).cast(pl.Float64),
    )
    return table.with_columns(**{f"fit_{c}": pl.col(f"c_{c}") * getattr(weights, c) for c in REP_COMPONENTS}
                              ).with_columns(fit=pl.sum_horizontal([pl.col(f"fit_{c}") for c in REP_COMPONENTS]))


# ── KA matching ────────────────────────────────────────────────────────
def default_capacity(people: pl.DataFrame, rep_accounts: pl.DataFrame) -> int:
    """Capacity when none is given: the 90th percentile of the KA accounts held today by candidates who
    hold any (at least 1)."""
    held = rep_accounts.group_by("employee_id").agg(pl.col("ka_accounts").first()).join(
        candidates(people).select("employee_id"), on="employee_id").filter(pl.col("ka_accounts") > 0)
    if held.is_empty():
        return 1
    return max(1, int(np.ceil(held["ka_accounts"].quantile(0.9))))


@dataclass(frozen=True)
class Matching:
    accounts: pl.DataFrame     # one row per KA account: owner, suggestion, fit explained, gain
    reps: pl.DataFrame         # one row per candidate: accounts suggested, capacity, current KA accounts
    capacity: int
    n_unassigned: int          # accounts left without a suggestion (capacity × reps < accounts)
    total_fit: float           # Σ fit of the suggestion, all accounts
    current_fit: float         # Σ fit of today's owners, over the accounts whose owner is a person in scope today
    suggested_fit_same: float  # Σ fit of the suggestion over those same accounts (compare with current_fit)


def ka_matching(accounts: pl.DataFrame, people: pl.DataFrame, rep_accounts: pl.DataFrame,
                capacity: int | None = None, weights: FitWeights | None = None) -> Matching:
    """Suggest a rep for every KA account (see the module doc) and compare with today's owner.
    ``capacity`` None → :func:`default_capacity`. Fit includes continuity for the owner, so ``gain`` =
    fit(suggested) − fit(owner) is net of the hand-over; ``gain`` is null when the owner is not a person
    in scope employed today (left, or none)."""
    weights = weights or FitWeights()
    capacity = capacity or default_capacity(people, rep_accounts)
    pool = candidates(people)
    reps = rep_components(people, rep_accounts, pool, weights)
    cands = reps.join(pool.select("employee_id"), on="employee_id").sort("employee_id")
    industry = industry_scores(rep_accounts, weights)
    accounts = accounts.sort("customer_id")
    groups = accounts.group_by("region_id", "industry").agg(n=pl.len()).sort(
        "region_id", "industry", nulls_last=True).with_row_index("g")
    accounts = accounts.join(groups.select("g", "region_id", "industry"), on=["region_id", "industry"], how="left",
                             nulls_equal=True).sort("customer_id")
    table = fit_table(groups, cands, industry, weights).sort("g", "employee_id")
    n_groups, n_reps = groups.height, cands.height
    rep_ids = cands["employee_id"].to_numpy()
    if n_reps == 0 or accounts.is_empty():
        flows = np.zeros((n_groups, n_reps), dtype=np.int64)
    else:
        fit = table["fit"].to_numpy().reshape(n_groups, n_reps)
        owned = accounts.filter(pl.col("owner_id").is_in(rep_ids.tolist())).group_by("g", "owner_id").len()
        keep = np.zeros_like(fit)  # rep_ids are sorted (cands is), and every owner here is one of them
        keep[owned["g"].to_numpy(), np.searchsorted(rep_ids, owned["owner_id"].to_numpy())] = owned["len"].to_numpy()
        flows = solve_transport(fit, groups["n"].to_numpy(), np.full(n_reps, capacity), keep=keep,
                                keep_bonus=weights.continuity)
    suggested = distribute(accounts, sparse.csr_array(flows), rep_ids)
    used_g, used_rep = np.nonzero(flows)  # table is groups × reps in order: the used pairs' rows, not all
    explain = table.select("g", pl.col("employee_id").alias("suggested_id"), *[f"c_{c}" for c in REP_COMPONENTS],
                           *[f"fit_{c}" for c in REP_COMPONENTS], rep_fit="fit")[used_g * n_reps + used_rep]
    owners = reps.filter(pl.col("employee_id").is_in(accounts["owner_id"].drop_nulls().implode()))
    owner_fit = fit_table(groups, owners, industry, weights).select(
        "g", owner_id="employee_id", owner_fit=pl.col("fit") + weights.continuity)
    names = reps.select(suggested_id="employee_id", suggested_name="name", suggested_region="region_id",
                        suggested_team="team_id", skill_imputed="skill_imputed")
    out = (
        suggested.join(explain, on=["g", "suggested_id"], how="left")
        .join(owner_fit, on=["g", "owner_id"], how="left")
        .join(names, on="suggested_id", how="left")
        .with_columns(keep=(pl.col("suggested_id") == pl.col("owner_id")).fill_null(False))
        .with_columns(c_continuity=pl.when(pl.col("suggested_id").is_not_null()).then(pl.col("keep").cast(pl.Float64)))
        .with_columns(fit_continuity=pl.col("c_continuity") * weights.continuity)
        .with_columns(fit=pl.col("rep_fit") + pl.col("fit_continuity"))
        .with_columns(gain=pl.col("fit") - pl.col("owner_fit"))
        .select("customer_id", "customer_name", "region_id", "industry", "bookings", "owner_id", "owner_name",
                "owner_fit", "suggested_id", "suggested_name", "suggested_team", "suggested_region", "keep",
                "fit", "gain", *[f"c_{c}" for c in COMPONENTS], *[f"fit_{c}" for c in COMPONENTS], "skill_imputed")
        .sort("customer_id")
    )
    load = out.group_by("suggested_id").agg(suggested_accounts=pl.len())
    rep_view = cands.join(load, left_on="employee_id", right_on="suggested_id", how="left").with_columns(
        suggested_accounts=pl.col("suggested_accounts").fill_null(0).cast(pl.Int64), capacity=pl.lit(capacity))
    scored = out.filter(pl.col("owner_fit").is_not_null())
    return Matching(out, rep_view.select("employee_id", "name", "team_id", "region_id", "ka_skill", "ka_bookings",
                                         "ka_accounts", "suggested_accounts", "capacity"),
                    capacity, int(out["suggested_id"].null_count()), float(out["fit"].fill_null(0).sum()),
                    float(scored["owner_fit"].sum()), float(scored["fit"].fill_null(0).sum()))


def distribute(accounts: pl.DataFrame, flows: sparse.csr_array, rep_ids: np.ndarray) -> pl.DataFrame:
    """Hand each group's accounts to the reps its flows (groups × reps, sparse) name: a rep's own current
    accounts first, then the rest by customer id. Adds suggested_id (null when unplaced).

    In account order within a group: an account whose owner still has units of the group's flow keeps its
    owner; the others take the group's remaining units in rep order (numpy, no loop over accounts)."""
    rep_ids = np.asarray(rep_ids)
    n_reps = len(rep_ids)
    flows = sparse.csr_array(flows)  # a copy: duplicates summed and zeros dropped below
    flows.sum_duplicates()
    flows.eliminate_zeros()
    e_group = np.repeat(np.arange(flows.shape[0]), np.diff(flows.indptr))
    e_rep, e_units = flows.indices.astype(np.int64), flows.data.astype(np.int64)
    e_key = e_group * n_reps + e_rep  # sorted: rows, then columns
    group = accounts["g"].to_numpy().astype(np.int64)
    owner = accounts["owner_id"].replace_strict(rep_ids.tolist(), np.arange(n_reps).tolist(), default=-1,
                                                return_dtype=pl.Int64).fill_null(-1).to_numpy()
    key = np.where(owner >= 0, group * n_reps + owner, -1)
    at = np.searchsorted(e_key, key)  # the account's (group, owner) entry; len(e_key): none (a padded entry)
    hit = (owner >= 0) & (np.append(e_key, -2)[at] == key)
    # the n-th account (in order) of a group and owner keeps its owner while that pair has more than n units
    by_key = np.argsort(key, kind="stable")
    rank = np.empty(len(key), dtype=np.int64)
    rank[by_key] = np.arange(len(key)) - np.searchsorted(key[by_key], key[by_key], side="left")
    kept = hit & (rank < np.append(e_units, 0)[at])
    result = np.where(kept, owner, -1)
    # the rest, in order, take each group's remaining units laid out by rep
    left = e_units - np.bincount(at[kept], minlength=len(e_units))
    slot_group, slot_rep = np.repeat(e_group, left), np.repeat(e_rep, left)
    rest = np.flatnonzero(~kept)
    rest = rest[np.argsort(group[rest], kind="stable")]
    place = np.arange(len(rest)) - np.searchsorted(group[rest], group[rest], side="left")
    slot = np.searchsorted(slot_group, group[rest]) + place
    fits = slot < np.searchsorted(slot_group, group[rest], side="right")
    result[rest[fits]] = slot_rep[slot[fits]]
    ids = pl.Series(np.where(result >= 0, rep_ids[np.maximum(result, 0)], -1) if n_reps else result)
    return accounts.with_columns(suggested_id=pl.when(ids >= 0).then(ids))
