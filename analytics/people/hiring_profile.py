"""The success profile for hiring: which traits known at hiring go with passing probation and with attainment in
tenure months 4–12, per role, from interpretable models validated on later hire cohorts than they were fitted on.

Inputs (:data:`FEATURES`, nothing else): the hire channel, the candidate's traits (``application_traits``: years
of experience, same industry, education, the sales aptitude test 0–100, the interview 1–5) and the job level at
hire (an open application takes the level most hires of its role came in at). Protected characteristics
(:data:`PROTECTED`: gender, birth year and age, marital status, ethnicity) are never inputs: the design matrix is
built from :data:`FEATURES` only and :func:`design` refuses a protected name. Gender and birth year are read
only by the report's bias check.

Outcomes: *passed probation* — left before the probation end (``termination_date < hire_date + probation
months``) is a failure; still in probation at the as-of date is not yet known (left out). *Attainment 4–12* —
bookings ÷ quota summed over tenure months 4–12 (month 1 = the calendar month of hire), reps with quota only,
only people employed through month 12 and whose month 12 has ended by the as-of date.

Models: logistic regression (pass) and ridge regression (attainment) on standardised numeric traits and one-hot
categoricals (reference = the level most common among the fitted hires). Validated out of time: per outcome,
fitted on the earliest 60% of the hires whose outcome is known (up to the end of a hire month, the cutoff) and
tested on the hires after the cutoff (ROC AUC and Brier against the base rate; R² against the fitted mean and
Spearman's rank correlation), then refitted on every
known outcome for the profile shown and the open applications' scores.

Fit score (0–100): the mean of the two predictions' percentiles among the role's past hires used in the fit
(predicted pass probability, predicted attainment); 50 is a typical past hire, 90 better than nine in ten. A role
without quota (no attainment model) scores on the pass prediction alone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import brier_score_loss, r2_score, roc_auc_score
from threadpoolctl import threadpool_limits

from analytics.core.periods import month_end

#: Never an input of any model here (asserted in :func:`design`); read only for the bias check.
PROTECTED = ("gender", "birth_year", "age", "age_band", "marital_status", "ethnicity")
NUMERIC = ("assessment_score", "interview_score", "years_experience", "job_level")
BINARY = ("same_industry",)
CATEGORICAL = {"education": ("secondary", "bachelor", "master"),
               "hire_source": ("referral", "job_board", "campus", "agency", "event", "internal", "other")}
FEATURES = (*NUMERIC, *BINARY, *CATEGORICAL)
assert not set(FEATURES) & set(PROTECTED)
TRAIN_SHARE = 0.6   # the earliest 60% of the hires with a known outcome are fitted, the rest tested
MIN_HIRES = 30        # a role needs this many fitted hires with a known outcome to get a profile
MIN_CLASS = 5         # and this many passes and failures (for the pass model)
MIN_LEVEL = 10        # a level or a yes/no trait held by fewer hires (or by all but fewer) gets no direction
OUTCOMES = ("passed", "attainment")


@dataclass(frozen=True)
class Design:
    """How traits become the model's columns: the fitted hires' means and SDs, reference levels, fill values."""

    names: tuple[str, ...]
    mean: dict[str, float]
    sd: dict[str, float]
    reference: dict[str, str]
    levels: dict[str, tuple[str, ...]]
    fill: dict[str, float]


def load(db, viewer: dict | object, as_of: dt.date, start: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(rows, protected)``: every hire with traits and every open application in the scope of ``viewer`` (an
    access Viewer, or bound scope parameters), with the outcomes known at ``as_of``; and, apart, each hire's
    gender and birth year (for the bias check only)."""
    from analytics.people.onboarding import history_start

    params = viewer if isinstance(viewer, dict) else viewer.sql_params()
    raw = db.query("hire_traits", start=start or history_start(db), as_of=as_of, **params)
    protected = raw.filter(pl.col("kind") == "hire").select("application_id", "hire_date", *[
        c for c in PROTECTED if c in raw.columns])
    rows = raw.drop([c for c in PROTECTED if c in raw.columns])
    return outcomes(db, rows, as_of, params), protected


def outcomes(db, rows: pl.DataFrame, as_of: dt.date, params: dict[str, object]) -> pl.DataFrame:
    """Add ``passed`` (True / False / null = not yet known) and ``attainment`` (months 4–12, null when not
    measured) to the hires of ``rows``."""
    left_in = pl.col("termination_date").is_not_null() & (pl.col("termination_date") < pl.col("probation_end"))
    known = left_in | (pl.col("probation_end") <= as_of)
    rows = rows.with_columns(passed=pl.when((pl.col("kind") == "hire") & known).then(~left_in.fill_null(False)),
                             m4=pl.col("hire_date").dt.truncate("1mo").dt.offset_by("3mo"),
                             m12=pl.col("hire_date").dt.truncate("1mo").dt.offset_by("11mo"))
    hires = rows.filter((pl.col("kind") == "hire") & pl.col("carries_quota"))
    if hires.is_empty():
        return rows.with_columns(attainment=pl.lit(None, pl.Float64)).drop("m4", "m12")
    first, last = hires["m4"].min(), min(hires["m12"].max(), as_of.replace(day=1))
    if first > last:
        return rows.with_columns(attainment=pl.lit(None, pl.Float64)).drop("m4", "m12")
    months = db.query("rep_month_sales", start=first, end=last, as_of=as_of, hired_from=hires["hire_date"].min(),
                      **params).select("employee_id", "month", "bookings", "quota")
    measured = (hires.filter((pl.col("m12").dt.month_end() <= as_of) & (
        pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("m12").dt.month_end())))
        .select("employee_id", "m4", "m12")
        .join(months, on="employee_id").filter(pl.col("month").is_between(pl.col("m4"), pl.col("m12")))
        .filter(pl.col("quota").is_not_null())
        .group_by("employee_id").agg(pl.col("bookings").sum(), pl.col("quota").sum())
        .filter(pl.col("quota") > 0).select("employee_id", attainment=pl.col("bookings") / pl.col("quota")))
    return rows.join(measured, on="employee_id", how="left", maintain_order="left").drop("m4", "m12")


def cutoff_of(hires: pl.DataFrame, outcome: str, share: float = TRAIN_SHARE) -> dt.date | None:
    """The last hire date of the fitted cohorts for ``outcome``: the end of the month in which the first ``share``
    of the hires with a known outcome (by hire date) were hired, so the later months' hires are the test."""
    dates = hires.filter(pl.col(outcome).is_not_null())["hire_date"].sort()
    if dates.len() < 2:
        return None
    return month_end(dates[min(int(share * dates.len()), dates.len() - 1)])


def fit_design(train: pl.DataFrame) -> Design:
    """Means, SDs and reference levels from the fitted hires (``train``); a trait that does not vary among them
    (every hire at one job level, say) is left out."""
    mean = {c: float(train[c].cast(pl.Float64).mean() or 0.0) for c in NUMERIC}
    sd = {c: float(train[c].cast(pl.Float64).std() or 0.0) for c in NUMERIC}
    reference, levels = {}, {}
    for col, allowed in CATEGORICAL.items():
        counts = train[col].drop_nulls().value_counts(sort=True)
        seen = [v for v in counts[col].to_list() if v in allowed]
        reference[col] = seen[0] if seen else allowed[0]
        levels[col] = tuple(v for v in allowed if v in seen and v != reference[col])
    varies = [c for c in BINARY if train[c].drop_nulls().n_unique() > 1]
    names = (*(c for c in NUMERIC if sd[c] > 0), *varies, *(f"{c}={v}" for c in CATEGORICAL for v in levels[c]))
    return Design(names, mean, sd, reference, levels, dict(mean))


def design(frame: pl.DataFrame, spec: Design) -> np.ndarray:
    """The model's matrix, one column per name of ``spec``: a numeric trait standardised (a missing value at the
    fitted mean: 0), a binary trait 0/1 (missing 0), a category level 0/1. Only :data:`FEATURES` are read."""
    assert not set(spec.names) & set(PROTECTED) and all(n.split("=")[0] in FEATURES for n in spec.names)
    cols = []
    for name in spec.names:
        col, _, level = name.partition("=")
        if level:
            cols.append((frame[col].to_numpy() == level).astype(np.float64))
        elif col in NUMERIC:
            cols.append((frame[col].cast(pl.Float64).fill_null(spec.fill[col]).to_numpy() - spec.mean[col])
                        / spec.sd[col])
        else:
            cols.append(frame[col].cast(pl.Float64).fill_null(0.0).to_numpy())
    return np.column_stack(cols) if cols else np.zeros((frame.height, 0))


def make_pass_model(random_state: int = 0) -> LogisticRegression:
    """L2 logistic regression (C = 1) on the standardised design."""
    return LogisticRegression(C=1.0, max_iter=2000, random_state=random_state)


def make_attainment_model() -> Ridge:
    """Ridge regression (alpha = 1) on the standardised design."""
    return Ridge(alpha=1.0)


def _usable(frame: pl.DataFrame, outcome: str) -> pl.DataFrame:
    rows = frame.filter(pl.col(outcome).is_not_null())
    if outcome == "passed":
        n_pass = int(rows["passed"].sum()) if rows.height else 0
        if rows.height < MIN_HIRES or n_pass < MIN_CLASS or rows.height - n_pass < MIN_CLASS:
            return rows.clear()
    elif rows.height < MIN_HIRES:
        return rows.clear()
    return rows


def fit_one(train: pl.DataFrame, outcome: str, spec: Design, random_state: int = 0):
    """One fitted model of ``outcome`` on ``train`` (None when there are too few hires)."""
    rows = _usable(train, outcome)
    if rows.is_empty():
        return None
    with threadpool_limits(1):
        return _fit_xy(design(rows, spec), _target(rows, outcome), outcome, random_state)


def _target(rows: pl.DataFrame, outcome: str) -> np.ndarray:
    return rows["passed"].cast(pl.Int8).to_numpy() if outcome == "passed" else rows["attainment"].to_numpy()


def _fit_xy(x: np.ndarray, y: np.ndarray, outcome: str, random_state: int = 0):
    """The model of ``outcome`` fitted on a design matrix and its target (callers hold the thread limit)."""
    model = make_pass_model(random_state) if outcome == "passed" else make_attainment_model()
    return model.fit(x, y)


def predict(model, frame: pl.DataFrame, spec: Design) -> np.ndarray:
    """Predicted pass probability (logistic) or attainment (ridge) for every row of ``frame``."""
    if model is None or frame.is_empty():
        return np.full(frame.height, np.nan)
    x = design(frame, spec)
    return model.predict_proba(x)[:, 1] if isinstance(model, LogisticRegression) else model.predict(x)


def prepare(rows: pl.DataFrame, role: str) -> pl.DataFrame:
    """The role's rows, an open application's job level set to the level most of the role's hires came in at."""
    part = rows.filter(pl.col("role_id") == role)
    levels = part.filter(pl.col("kind") == "hire")["job_level"].drop_nulls()
    usual = int(levels.mode().sort()[0]) if levels.len() else 1
    return part.with_columns(pl.col("job_level").fill_null(usual))


def validate(rows: pl.DataFrame, cutoff: dt.date | None = None, random_state: int = 0) -> dict[str, object]:
    """Fit on hires up to a cutoff, test on the hires after it (``cutoff``, or per outcome :func:`cutoff_of`; the
    attainment model's never later than the pass model's). Per outcome: the cutoff, counts, the cohorts' hire
    dates, and ROC AUC / Brier against the base rate (pass) or R² against the fitted mean / Spearman (attainment).
    ``scored``: the hires after the pass cutoff with out-of-time predictions and fit scores (the bias check)."""
    hires = rows.filter(pl.col("kind") == "hire")
    cut = {"passed": cutoff or cutoff_of(hires, "passed")}
    cut["attainment"] = cutoff or cutoff_of(hires, "attainment")
    if cut["attainment"] and cut["passed"]:
        cut["attainment"] = min(cut["attainment"], cut["passed"])
    models, out = {}, {}
    for outcome in OUTCOMES:
        day = cut[outcome] or dt.date.min
        train, test = hires.filter(pl.col("hire_date") <= day), hires.filter(pl.col("hire_date") > day)
        spec = fit_design(train)
        models[outcome] = (fit_one(train, outcome, spec, random_state), spec, train)
        fitted, later = train.filter(pl.col(outcome).is_not_null()), test.filter(pl.col(outcome).is_not_null())
        res: dict[str, object] = {"cutoff": cut[outcome], "n_train": fitted.height, "n_test": later.height,
                                  "train_first_hire": fitted["hire_date"].min(),
                                  "train_last_hire": fitted["hire_date"].max(),
                                  "test_first_hire": later["hire_date"].min(),
                                  "test_last_hire": later["hire_date"].max()}
        model = models[outcome][0]
        if model is not None and later.height >= 10:
            res.update(_scores(outcome, later, predict(model, later, spec), fitted,
                               channel_only(train, later, outcome, spec, random_state)))
        res["strength"] = strength(outcome, res)
        out[outcome] = res
    later = hires.filter(pl.col("hire_date") > (cut["passed"] or dt.date.min))
    out["scored"] = score_with(later, models)
    return out


def channel_only(train: pl.DataFrame, later: pl.DataFrame, outcome: str, spec: Design,
                 random_state: int = 0) -> np.ndarray:
    """The baseline a recruiter has without the profile: the same model on the hiring channel alone, fitted on
    ``train`` and predicted for ``later`` (the fitted hires' mean where the channel does not vary)."""
    channel = replace(spec, names=tuple(n for n in spec.names if n.startswith("hire_source=")))
    rows = _usable(train, outcome)
    if rows.is_empty():
        return np.full(later.height, np.nan)
    if not channel.names:
        return np.full(later.height, float(_target(rows, outcome).mean()))
    with threadpool_limits(1):
        model = _fit_xy(design(rows, channel), _target(rows, outcome), outcome, random_state)
    return predict(model, later, channel)


def _scores(outcome: str, later: pl.DataFrame, p: np.ndarray, fitted: pl.DataFrame, p_channel: np.ndarray,
            boot: int = 200) -> dict[str, float | None]:
    """Out-of-time scores of predictions ``p`` on the ``later`` hires, the main one (ROC AUC, Spearman) with a
    95% interval from ``boot`` resamples of those hires; the same score of the channel-only baseline
    (``p_channel``) and the gain over it (``*_gain``) with its interval from the same resamples (paired)."""
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(p), len(p)) for _ in range(boot)]
    if outcome == "passed":
        y = later["passed"].cast(pl.Int8).to_numpy()
        base = float(fitted["passed"].mean())
        both = 0 < y.sum() < len(y)
        kept = [i for i in draws if 0 < y[i].sum() < len(i)] if both else []
        auc = [roc_auc_score(y[i], p[i]) for i in kept]
        gain = [a - roc_auc_score(y[i], p_channel[i]) for a, i in zip(auc, kept, strict=True)]
        return {"pass_rate": float(y.mean()), "base_rate": base, "brier_model": float(brier_score_loss(y, p)),
                "brier_baseline": float(brier_score_loss(y, np.full(len(y), base))),
                "roc_auc": float(roc_auc_score(y, p)) if both else None, **_interval("roc_auc", auc),
                "roc_auc_channel": float(roc_auc_score(y, p_channel)) if both else None,
                **_interval("roc_auc_gain", gain)}
    y = later["attainment"].to_numpy()

    def rho_of(a: np.ndarray, b: np.ndarray) -> float:
        value = spearmanr(a, b).statistic if np.ptp(b) > 0 else 0.0  # a constant prediction orders nobody
        return float(value) if np.isfinite(value) else float("nan")

    rho, rhos = rho_of(y, p), [rho_of(y[i], p[i]) for i in draws]
    gains = [r - rho_of(y[i], p_channel[i]) for r, i in zip(rhos, draws, strict=True)]
    return {"mean_attainment": float(y.mean()), "r2": float(r2_score(y, p)),
            "spearman": rho if np.isfinite(rho) else None,
            **_interval("spearman", [r for r in rhos if np.isfinite(r)]),
            "spearman_channel": rho_of(y, p_channel),
            **_interval("spearman_gain", [g for g in gains if np.isfinite(g)])}


def _interval(name: str, draws: list[float]) -> dict[str, float | None]:
    """``<name>_low`` and ``<name>_high``: the 2.5th and 97.5th percentiles of ``draws`` (None without any)."""
    if not draws:
        return {f"{name}_low": None, f"{name}_high": None}
    low, high = np.percentile(draws, [2.5, 97.5])
    return {f"{name}_low": float(low), f"{name}_high": float(high)}


def strength(outcome: str, res: dict[str, object]) -> str:
    """``too_few`` (fewer than 20 later hires, or no score), ``useful`` (pass ROC AUC ≥ 0.65, attainment Spearman
    ≥ 0.3, and the 95% interval clear of chance: above 0.5 / 0), ``weak`` (otherwise at least 0.55 / 0.15) or
    ``none``, all out of time."""
    key = "roc_auc" if outcome == "passed" else "spearman"
    value, low = res.get(key), res.get(f"{key}_low")
    if value is None or int(res.get("n_test", 0)) < 20:
        return "too_few"
    strong, weak, chance = (0.65, 0.55, 0.5) if outcome == "passed" else (0.30, 0.15, 0.0)
    if value >= strong and low is not None and low > chance:
        return "useful"
    return "weak" if value >= weak else "none"


def score_with(frame: pl.DataFrame, models: dict[str, tuple]) -> pl.DataFrame:
    """``frame`` with ``p_pass``, ``pred_attainment`` and ``fit_score`` from per-outcome ``(model, design,
    reference hires)``: the fit score is the mean of the two predictions' percentiles among the reference hires'
    own predictions, times 100 (one alone when the other model is missing)."""
    parts, out = [], {}
    for outcome, name in (("passed", "p_pass"), ("attainment", "pred_attainment")):
        model, spec, reference = models[outcome]
        out[name] = predict(model, frame, spec)
        if model is not None:
            ref = np.sort(predict(model, reference.filter(pl.col(outcome).is_not_null()), spec))
            parts.append(np.searchsorted(ref, out[name], side="right") / max(len(ref), 1))
    fit = 100.0 * np.mean(parts, axis=0) if parts else np.full(frame.height, np.nan)
    return frame.with_columns(p_pass=pl.Series(out["p_pass"], dtype=pl.Float64),
                              pred_attainment=pl.Series(out["pred_attainment"], dtype=pl.Float64),
                              fit_score=pl.Series(fit, dtype=pl.Float64).round(1)).with_columns(
        pl.col("p_pass", "pred_attainment", "fit_score").fill_nan(None))


def coefficients(rows: pl.DataFrame, outcome: str, spec: Design, boot: int = 200,
                 random_state: int = 0) -> pl.DataFrame:
    """Each input's weight for ``outcome`` fitted on ``rows`` (log-odds per SD / per level for the pass model,
    attainment points per SD / per level for the attainment model), with a 95% interval from ``boot`` bootstrap
    resamples of the hires (percentiles; a resample without anyone at a level or with the trait says nothing
    about it and is left out of that input's interval), and ``with_trait``: the fitted hires at the level or with
    the trait (all of them for a numeric trait). Empty when there are too few hires."""
    use = _usable(rows, outcome)
    model = fit_one(use, outcome, spec, random_state)
    if model is None:
        return pl.DataFrame(schema={"feature": pl.Utf8, "weight": pl.Float64, "low": pl.Float64,
                                    "high": pl.Float64, "n": pl.Int64, "with_trait": pl.Int64})
    weight = np.ravel(model.coef_)
    x, y = design(use, spec), _target(use, outcome)
    present = x != 0
    numeric = np.array([n in NUMERIC for n in spec.names])
    rng = np.random.default_rng(random_state)
    draws = []
    with threadpool_limits(1):  # once for the loop: setting it per fit costs more than the fit
        for _ in range(boot):
            index = rng.integers(0, use.height, use.height)
            passes = int(y[index].sum()) if outcome == "passed" else MIN_CLASS
            if min(passes, len(index) - passes) < MIN_CLASS:
                continue
            coef = np.ravel(_fit_xy(x[index], y[index], outcome, random_state).coef_)
            draws.append(np.where(present[index].any(axis=0) | numeric, coef, np.nan))
    with np.errstate(all="ignore"):
        low, high = (np.nanpercentile(draws, [2.5, 97.5], axis=0) if draws else
                     (np.full(len(weight), np.nan), np.full(len(weight), np.nan)))
    return pl.DataFrame({"feature": list(spec.names), "weight": weight, "low": low, "high": high,
                         "n": [use.height] * len(weight),
                         "with_trait": np.where(numeric, use.height, present.sum(axis=0)).astype(np.int64)})


def weights_of(rows: pl.DataFrame, role: str, boot: int = 200, random_state: int = 0) -> pl.DataFrame:
    """Both outcomes' :func:`coefficients` for ``role``, fitted on every hire of it whose outcome is known."""
    hires = prepare(rows, role).filter(pl.col("kind") == "hire")
    spec = fit_design(hires)
    return pl.concat([coefficients(hires, o, spec, boot, random_state).with_columns(outcome=pl.lit(o))
                      for o in OUTCOMES], how="vertical_relaxed")


def profile(rows: pl.DataFrame, role: str, cutoff: dt.date | None = None, boot: int = 200,
            random_state: int = 0, weights: pl.DataFrame | None = None) -> dict[str, object]:
    """The role's profile: ``weights`` (both outcomes, refitted on every known outcome; :func:`weights_of` unless
    given), ``validation`` (fitted up to ``cutoff``, tested after it), ``open`` (open applications with their fit
    scores, best first) and ``spec`` (the design: reference levels)."""
    part = prepare(rows, role)
    hires = part.filter(pl.col("kind") == "hire")
    validation = validate(part, cutoff, random_state)
    spec = fit_design(hires)
    models = {o: (fit_one(hires, o, spec, random_state), spec, hires) for o in OUTCOMES}
    weights = weights_of(rows, role, boot, random_state) if weights is None else weights
    open_apps = score_with(part.filter(pl.col("kind") == "open"), models).sort(
        "fit_score", "application_id", descending=[True, False], nulls_last=True)
    return {"weights": weights, "validation": validation, "open": open_apps, "spec": spec,
            "models": {o: m[0] is not None for o, m in models.items()}}


def roles_with_profile(rows: pl.DataFrame) -> list[str]:
    """Roles with at least :data:`MIN_HIRES` hires whose probation outcome is known, most hires first."""
    counts = (rows.filter((pl.col("kind") == "hire") & pl.col("passed").is_not_null())
              .group_by("role_id").len().filter(pl.col("len") >= MIN_HIRES).sort("len", "role_id",
                                                                                  descending=[True, False]))
    return counts["role_id"].to_list()


AGE_BANDS = ((0, 24, "lt25"), (25, 34, "25_34"), (35, 44, "35_44"), (45, 200, "45plus"))


def age_band(hire_date: pl.Expr, birth_year: pl.Expr) -> pl.Expr:
    """Age at hire (hire year − birth year) in bands <25, 25–34, 35–44, 45+ (null when unknown)."""
    age = hire_date.dt.year() - birth_year
    expr = pl.when(age.is_null()).then(None)
    for low, high, name in AGE_BANDS:
        expr = expr.when(age.is_between(low, high)).then(pl.lit(name))
    return expr.otherwise(None)
