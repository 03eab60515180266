"""How the fitted flight-risk model responds to a change in pay (the joint what-if, ``analytics/sales/joint_whatif``).

A person's feature ``base_vs_peers`` is pay ÷ the median pay of their role on the model's date
(``risk.derive``). A pay change by factor f moves it to ``base_vs_peers × f`` with the peer median held
(``"fixed"``), or to (pay × f) ÷ the role's median of everyone's new pay (``"recomputed"``, people not in the
scenario keeping f = 1). Every other feature is held; the fitted model (``risk_store.RiskModel.model``) scores
both, so the change follows the model's own dependence on pay against peers.

Uncertainty: :func:`bootstrap` resamples the people (paired: the same people in both columns) and, per resample,
scores with one of the calibrated model's cross-fitted halves (``CalibratedClassifierCV`` averages its members;
a model of another shape is used whole). Probabilities are within the model's horizon (6 months by default).
"""
from __future__ import annotations

import numpy as np
import polars as pl

from analytics.people import risk

N_BOOT = 1000
LEVEL = 0.95


def moved_features(rows: pl.DataFrame, factor: pl.DataFrame, peer_reference: str = "fixed") -> pl.DataFrame:
    """``rows`` (feature rows of one date: employee_id, role_id, base_vs_peers, …) with ``base_vs_peers`` moved
    by each person's ``factor`` (employee_id, factor; missing = 1)."""
    f = rows.select("employee_id").join(factor.select(pl.col("employee_id").cast(pl.Int64), "factor"),
                                        on="employee_id", how="left")["factor"].fill_null(1.0)
    moved = rows.with_columns(_f=f)
    if peer_reference == "fixed":
        return moved.with_columns(base_vs_peers=pl.col("base_vs_peers") * pl.col("_f")).drop("_f")
    pay = pl.col("base_vs_peers") * pl.col("_f")  # pay in units of today's median: the median's scale cancels
    return moved.with_columns(base_vs_peers=pay / pay.median().over("role_id")).drop("_f")


def members(model: object, x: object) -> np.ndarray:
    """Probabilities (members × people) of each cross-fitted half of the calibrated model, with the prior shift
    of a capped sample (``risk.PriorShifted``) applied; one row (the model) when it has no such halves. Their mean
    is the model's probability."""
    inner, factor = (model.fitted, model.factor) if isinstance(model, risk.PriorShifted) else (model, None)
    try:
        calibrated = inner.named_steps["model"].calibrated_classifiers_
        xt = inner[:-1].transform(x)
        ps = np.vstack([c.predict_proba(xt)[:, 1] for c in calibrated])
    except (AttributeError, KeyError, TypeError):
        return model.predict_proba(x)[:, 1][None, :]
    if factor is not None:
        ps = ps * factor / (ps * factor + (1.0 - ps))
    return ps


@risk.single_threaded  # as every fit and score of the model: OpenMP's spinning threads stall a busy server
def score(model: object, rows: pl.DataFrame, moved: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Members' probabilities (members × people) before and after the move, for the rows of ``rows``."""
    return members(model, risk._x(rows)), members(model, risk._x(moved))


def bootstrap(before: np.ndarray, after: np.ndarray, weights: np.ndarray | None = None, n_boot: int = N_BOOT,
              seed: int = 0, level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """Percentile intervals of Σ w·p before, after and of the change, over ``n_boot`` paired resamples of the
    people, each scored by one member drawn at random. ``before``/``after``: members × people; ``weights``: per
    person (1 for expected leavers; bookings at risk for revenue at risk)."""
    m, n = before.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if n == 0:
        return {k: (0.0, 0.0) for k in ("baseline", "scenario", "change")}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    pick = rng.integers(0, m, size=n_boot)
    b = np.einsum("bn,bn->b", before[pick[:, None], idx], w[idx])
    a = np.einsum("bn,bn->b", after[pick[:, None], idx], w[idx])
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100

    def span(v: np.ndarray) -> tuple[float, float]:
        return float(np.percentile(v, lo)), float(np.percentile(v, hi))

    return {"baseline": span(b), "scenario": span(a), "change": span(a - b)}


def response(model: object, rows: pl.DataFrame, factor: pl.DataFrame, people: pl.Series, peer_reference: str,
             weights: pl.DataFrame | None = None, n_boot: int = N_BOOT, seed: int = 0) -> dict:
    """Per person in ``people`` (employee ids, those of ``rows``): base_vs_peers before/after, probability before
    and after (the model's, mean of its members); the sums (expected leavers; revenue at risk when ``weights``
    gives employee_id, bookings_at_risk) with their bootstrap intervals."""
    moved = moved_features(rows, factor, peer_reference)
    keep = rows["employee_id"].is_in(people.implode()).to_numpy()
    before, after = score(model, rows.filter(keep), moved.filter(keep))
    out = rows.filter(keep).select("employee_id", bvp_baseline="base_vs_peers").with_columns(
        bvp_scenario=moved.filter(keep)["base_vs_peers"], p_baseline=pl.Series(before.mean(axis=0)),
        p_scenario=pl.Series(after.mean(axis=0)))
    leavers = bootstrap(before, after, n_boot=n_boot, seed=seed)
    result = {"people": out, "leavers": {"baseline": float(out["p_baseline"].sum()),
                                         "scenario": float(out["p_scenario"].sum()), "interval": leavers}}
    if weights is not None:
        w = out.select("employee_id").join(weights, on="employee_id", how="left")["bookings_at_risk"].fill_null(0.0)
        out = out.with_columns(bookings_at_risk=w)
        result["people"] = out
        result["revenue"] = {"baseline": float((out["p_baseline"] * w).sum()),
                             "scenario": float((out["p_scenario"] * w).sum()),
                             "interval": bootstrap(before, after, w.to_numpy(), n_boot=n_boot, seed=seed)}
    return result
