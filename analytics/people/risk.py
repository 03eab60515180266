"""Flight risk: who is likely to leave within the next N months, and why (docs/metrics.md ``flight_risk``).

Features come from ``sql/queries/risk_features.sql`` as of month-end dates, using only facts dated
on or before each date. The model is validated out of time: trained on earlier as-of dates whose
labels were fully observed before the first test date, tested on later ones. Probabilities are
calibrated (Platt scaling, cross-validated). A snapshot file (one row per person with a left/stayed label,
like IBM's attrition data) is evaluated with the same kind of pipeline by cross-validation.

A person's drivers come from one batched computation (:func:`contributions`): each feature is set to the
company's typical value for everyone it differs for, all in one prediction. Which drivers a viewer may
see is decided by :data:`FEATURE_FIELDS` (``analytics/people/risk_report.py`` applies it); the fitted model
itself, once per data version, lives in ``analytics/people/risk_store.py``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from analytics.core.access import Viewer
from analytics.core.db import Database, sql_text
from analytics.core.periods import add_months, month_end, month_start

NUMERIC = [
    "tenure_days", "in_probation", "attainment_q1", "attainment_q2", "attainment_trend", "under70_twice",
    "bookings_vs_peers", "base_vs_peers", "overtime_3m", "leave_3m", "travel_3m", "engagement", "engagement_change",
    "manager_score", "manager_changes_12m", "courses_12m", "mentored", "complaints_6m", "job_level",
]
CATEGORICAL = ["hire_source", "role_id"]
FEATURES = NUMERIC + CATEGORICAL
BASELINE_FEATURES = ["tenure_days", "in_probation"]
#: The field group a viewer needs to see a feature as a driver (``Viewer.fields``); every other feature needs
#: "person". ``base_vs_peers`` is computed from ``compensation.base_monthly``: pay.
FEATURE_FIELDS = {"base_vs_peers": "pay"}
PAY_FEATURES = [f for f in FEATURES if FEATURE_FIELDS.get(f) == "pay"]
MIN_EFFECT = 0.005  # a driver raises the probability by at least half a point


class FillAllMissing(BaseEstimator, TransformerMixin):
    """Columns with no value at all in the training rows — a fact the company does not record (travel days, say) —
    become 0 at fit and at prediction: gradient boosting cannot bin a column without values, and a constant one
    simply never splits."""

    def fit(self, x: object, y: object = None) -> FillAllMissing:
        values = np.asarray(x, dtype=float)
        self.empty_ = np.isnan(values).all(axis=0) if len(values) else np.zeros(values.shape[1], dtype=bool)
        return self

    def transform(self, x: object) -> np.ndarray:
        values = np.array(x, dtype=float, copy=True)
        values[:, self.empty_] = 0.0
        return values


def make_model(random_state: int = 0) -> Pipeline:
    """The flight-risk model: one-hot categoricals + gradient boosting, Platt-calibrated (cross-validated); a
    feature with no value at all in the history is a constant (:class:`FillAllMissing`)."""
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL)],
        remainder="passthrough", verbose_feature_names_out=False,
    )
    booster = HistGradientBoostingClassifier(max_depth=4, learning_rate=0.08, max_iter=200, min_samples_leaf=40,
                                             l2_regularization=1.0, early_stopping=True, validation_fraction=0.15,
                                             n_iter_no_change=15, random_state=random_state)
    return Pipeline([("prep", prep), ("fill", FillAllMissing()),
                     ("model", CalibratedClassifierCV(booster, method="sigmoid", cv=2))])


#: person-dates; larger histories are subsampled (seeded) to keep a fit under a minute, and the probabilities
#: are moved back from the sample's share of leavers to the history's (:class:`PriorShifted`)
MAX_TRAIN_ROWS = 60_000


def _cap(rows: pl.DataFrame, where: pl.Expr, random_state: int) -> pl.DataFrame:
    """The rows ``where`` holds, at most MAX_TRAIN_ROWS of them sampled with a fixed seed (every leaver kept),
    in the order of ``rows`` (sorted by as_of and employee_id). The sample is drawn on row numbers, and only
    the chosen rows are copied."""
    picked = rows.select(i=pl.int_range(pl.len(), dtype=pl.UInt32), left=pl.col("left_within"), keep=where
                         ).filter("keep")
    if picked.height > MAX_TRAIN_ROWS:
        stayers = picked.filter(~pl.col("left"))
        keep = max(MAX_TRAIN_ROWS - (picked.height - stayers.height), MAX_TRAIN_ROWS // 2)
        sampled = stayers.sample(min(keep, stayers.height), seed=random_state)
        picked = pl.concat([picked.filter(pl.col("left")), sampled])
    return rows[picked["i"].sort()]


def _odds_factor(rows: pl.DataFrame, where: pl.Expr, train: pl.DataFrame) -> float | None:
    """How :func:`_cap`'s sample shifted the odds of leaving (None when it kept every row): a model fitted on
    the sample predicts odds × (leavers' sampling rate ÷ stayers'), so the history's odds are the sample's ×
    this factor (stayers' rate ÷ leavers' rate). Without it the probabilities follow the sample's share of
    leavers, not the company's: at the large demo company 83% of the training rows were leavers against 9% of
    the people, and the backtest's Brier score was 0.56 (always predicting the base rate: 0.08)."""
    left = pl.col("left_within")
    leavers, stayers = rows.select(leavers=(where & left).sum(), stayers=(where & ~left).sum()).row(0)
    kept_leavers = int(train["left_within"].sum())
    kept_stayers = train.height - kept_leavers
    if (kept_leavers, kept_stayers) == (leavers, stayers) or not (kept_leavers and kept_stayers):
        return None
    return (kept_stayers / stayers) / (kept_leavers / leavers)


class PriorShifted(ClassifierMixin, BaseEstimator):
    """A fitted binary classifier whose probabilities are moved from its training sample's share of positives
    to the population's: odds × ``factor`` (:func:`_odds_factor`). The ranking (ROC AUC) is unchanged."""

    def __init__(self, fitted: Pipeline, factor: float) -> None:
        self.fitted = fitted
        self.factor = factor

    @property
    def classes_(self) -> np.ndarray:
        """The wrapped classifier's classes (False, True)."""
        return self.fitted.classes_

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, x: object, y: np.ndarray) -> PriorShifted:
        """Fit the wrapped classifier again (on a sample with the same sampling rates: ``factor`` is kept)."""
        self.fitted.fit(x, y)
        return self

    def predict_proba(self, x: object) -> np.ndarray:
        """The fitted classifier's probabilities with the odds of the positive class × ``factor``."""
        p = self.fitted.predict_proba(x)[:, 1]
        shifted = p * self.factor / (p * self.factor + (1.0 - p))
        return np.column_stack([1.0 - shifted, shifted])

    def predict(self, x: object) -> np.ndarray:
        """The class whose shifted probability is at least one half."""
        return self.classes_[(self.predict_proba(x)[:, 1] >= 0.5).astype(int)]


def _fit(model: Pipeline, x: object, y: np.ndarray, factor: float | None) -> Pipeline | PriorShifted:
    """``model`` fitted on ``x``, ``y``; its probabilities shifted by ``factor`` when the sample was capped."""
    fitted = model.fit(x, y)
    return fitted if factor is None else PriorShifted(fitted, factor)


def make_baseline() -> Pipeline:
    """The simple baseline the model must beat: logistic regression on tenure and probation only."""
    prep = ColumnTransformer([("num", StandardScaler(), BASELINE_FEATURES)], remainder="drop")
    return Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=1000))])


def derive(frame: pl.DataFrame) -> pl.DataFrame:
    """Add derived features: trend, two quarters under 70%, bookings and base pay versus role peers."""
    b6 = pl.col("bookings_q1").fill_null(0) + pl.col("bookings_q2").fill_null(0)
    peers = ["as_of", "role_id"]
    return frame.with_columns(
        attainment_trend=pl.col("attainment_q1") - pl.col("attainment_q2"),
        under70_twice=((pl.col("attainment_q1") < 0.7) & (pl.col("attainment_q2") < 0.7)).cast(pl.Float64),
        bookings_vs_peers=pl.when(pl.col("quota_q1") > 0).then(b6 / b6.median().over(peers).clip(lower_bound=1.0)),
        base_vs_peers=pl.col("base_monthly") / pl.col("base_monthly").median().over(peers),
        in_probation=pl.col("in_probation").cast(pl.Float64),
        mentored=pl.col("mentored").cast(pl.Float64),
        tenure_days=pl.col("tenure_days").cast(pl.Float64),
        hire_source=pl.col("hire_source").fill_null("unknown"),
        role_id=pl.col("role_id").fill_null("unknown"),
    )


#: What the model needs of a feature row (``features(columns=MODEL_COLUMNS)``): the features, the label, who
#: and where (risk_store's scored people and backtest predictions).
MODEL_COLUMNS = ["as_of", "employee_id", "org_unit_id", "region_id", "team_id", "manager_id", "left_within",
                 *FEATURES]
#: As-of dates per feature query: bounds DuckDB's working memory on the large company (one query for four
#: years of month-ends took it to its memory limit); the rows are the same.
DATES_PER_QUERY = 6


def features(db: Database, viewer: Viewer, dates: list[dt.date], horizon: int = 6,
             columns: list[str] | None = None) -> pl.DataFrame:
    """Feature rows for everyone in scope employed on each date, with the label ``left_within``, sorted by
    as_of and employee_id. Queried a few dates at a time (each date's rows and peer medians depend on that
    date only); ``columns`` keeps only those of each part (all when None)."""
    parts = [_features_part(db, viewer, group, horizon, columns) for group in _date_groups(dates)]
    return pl.concat(parts) if parts else _features_part(db, viewer, [], horizon, columns)


def _date_groups(dates: list[dt.date], size: int = DATES_PER_QUERY) -> list[list[dt.date]]:
    """The dates in ascending order, ``size`` distinct dates per group (a repeated date stays in one group)."""
    distinct = sorted(set(dates))
    groups = [set(distinct[i:i + size]) for i in range(0, len(distinct), size)]
    return [[d for d in sorted(dates) if d in group] for group in groups]


def _features_part(db: Database, viewer: Viewer, dates: list[dt.date], horizon: int,
                   columns: list[str] | None) -> pl.DataFrame:
    # db.sql rather than db.query: the parts are not memoised (they would crowd the query memo)
    raw = db.sql(sql_text("risk_features"), as_of_dates=dates, horizon_months=horizon, **viewer.sql_params())
    # DuckDB returns rows in no fixed order; the model's validation split depends on it → sort
    rows = derive(raw.sort("as_of", "employee_id"))
    return rows if columns is None else rows.select(columns)


def _x(frame: pl.DataFrame, columns: list[str] = FEATURES):
    """The model's input frame, column by column. Not DataFrame.to_pandas: that converts holding the GIL while
    it waits for polars' thread pool, and the fit runs in a background thread beside pages whose polars
    expressions call Python (map_elements) from that pool and wait for the GIL — a deadlock (seen in CI: the
    Attrition page and a fit, both waiting for ever). The values and dtypes are the same."""
    return pd.DataFrame({c: frame.get_column(c).to_numpy() for c in columns})


@dataclass(frozen=True)
class Backtest:
    train_dates: list[dt.date]
    test_dates: list[dt.date]
    n_train: int
    n_test: int
    base_rate: float
    scores: dict[str, dict[str, float]]   # 'model' / 'baseline' → roc_auc, pr_auc, brier
    calibration: pl.DataFrame             # predicted (mean) vs observed per bin
    drivers: pl.DataFrame                 # feature, importance (drop in ROC AUC when shuffled)
    #: per person-date on the test dates: as_of, employee_id, org_unit_id, region_id, left_within, p_model, p_base
    predictions: pl.DataFrame = field(default_factory=pl.DataFrame)
    scope: dict | None = None             # the same numbers on a viewer's scope (risk_report.evaluation)


def as_of_dates(first: dt.date, last: dt.date, step: int = 1) -> list[dt.date]:
    """Month-end dates from ``first`` to ``last`` every ``step`` months."""
    out, cur = [], month_start(first)
    while month_end(cur) <= last:
        out.append(month_end(cur))
        cur = add_months(cur, step)
    return out


def labelled_dates(first_month: dt.date, as_of: dt.date, horizon: int, warmup: int = 6) -> list[dt.date]:
    """Month-ends after a warm-up whose label (left within ``horizon`` months) is complete at ``as_of``."""
    return [d for d in as_of_dates(add_months(first_month, warmup), as_of)
            if month_end(add_months(d, horizon)) <= as_of]


def split_dates(first_month: dt.date, as_of: dt.date, horizon: int, n_test: int = 6,
                warmup: int = 6) -> tuple[list[dt.date], list[dt.date]]:
    """Training and test as-of dates with no leakage.

    Test dates: the last ``n_test`` month-ends whose labels are complete at ``as_of`` (date +
    horizon ≤ as_of). Training dates: month-ends after a warm-up whose labels were complete before
    the first test date (date + horizon ≤ first test date).
    """
    labelled = labelled_dates(first_month, as_of, horizon, warmup)
    test = labelled[-n_test:]
    if not test:
        return [], []
    train = [d for d in labelled if month_end(add_months(d, horizon)) <= test[0]]
    return train, test


def _scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {"roc_auc": float(roc_auc_score(y, p)), "pr_auc": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p))}


def single_threaded(func):
    """Run model fitting with one OpenMP thread: on a busy 2-core server (several sessions, other work)
    OpenMP's spinning threads made a 9 s fit take minutes; one thread is steady and fast enough."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


@single_threaded
def backtest(db: Database, viewer: Viewer, first_month: dt.date, as_of: dt.date, horizon: int = 6,
             random_state: int = 0) -> Backtest | None:
    """Fit on earlier dates, score later ones; compare with the baseline. None when too little history."""
    train_dates, test_dates = split_dates(first_month, as_of, horizon)
    if len(train_dates) < 3:
        return None
    return backtest_on(features(db, viewer, train_dates + test_dates, horizon), train_dates, test_dates,
                       random_state)


def backtest_on(rows: pl.DataFrame, train_dates: list[dt.date], test_dates: list[dt.date],
                random_state: int = 0) -> Backtest | None:
    """The backtest on feature rows that cover ``train_dates`` and ``test_dates`` (other dates are ignored)."""
    in_train = pl.col("as_of").is_in(train_dates)
    train = _cap(rows, in_train, random_state)
    test = rows.filter(pl.col("as_of").is_in(test_dates))
    y_train, y_test = train["left_within"].to_numpy(), test["left_within"].to_numpy()
    if y_train.sum() < 10 or y_test.sum() < 5 or y_test.all():
        return None
    factor = _odds_factor(rows, in_train, train)
    model = _fit(make_model(random_state), _x(train), y_train, factor)
    baseline = _fit(make_baseline(), _x(train, BASELINE_FEATURES), y_train, factor)
    p_model = model.predict_proba(_x(test))[:, 1]
    p_base = baseline.predict_proba(_x(test, BASELINE_FEATURES))[:, 1]
    observed, predicted = calibration_curve(y_test, p_model, n_bins=10, strategy="quantile")
    predictions = test.select("as_of", "employee_id", "org_unit_id", "region_id", "left_within").with_columns(
        p_model=pl.Series(p_model), p_base=pl.Series(p_base))
    return Backtest(
        train_dates, test_dates, train.height, test.height, float(y_test.mean()),
        {"model": _scores(y_test, p_model), "baseline": _scores(y_test, p_base)},
        pl.DataFrame({"predicted": predicted, "observed": observed}),
        global_drivers(model, test, y_test, random_state), predictions,
    )


def scores_on(predictions: pl.DataFrame) -> dict | None:
    """Backtest numbers on some of the test rows (a viewer's scope): people, person-dates, share who left and
    the model's and baseline's scores; ``scores`` None when there are too few leavers (or stayers) to score."""
    y = predictions["left_within"].to_numpy()
    out = {"n_people": predictions["employee_id"].n_unique(), "n_test": predictions.height,
           "base_rate": float(y.mean()) if y.size else None, "scores": None}
    if y.sum() >= 5 and (~y).sum() >= 5:
        out["scores"] = {"model": _scores(y, predictions["p_model"].to_numpy()),
                         "baseline": _scores(y, predictions["p_base"].to_numpy())}
    return out


def global_drivers(model: Pipeline | PriorShifted, test: pl.DataFrame, y: np.ndarray,
                   random_state: int = 0) -> pl.DataFrame:
    """Permutation importance on the test dates: the drop in ROC AUC when a feature is shuffled."""
    from sklearn.inspection import permutation_importance

    sample = test.sample(min(test.height, 6000), seed=random_state) if test.height > 6000 else test
    ys = sample["left_within"].to_numpy() if sample is not test else y
    result = permutation_importance(model, _x(sample), ys, scoring="roc_auc", n_repeats=3,
                                    random_state=random_state)
    return pl.DataFrame({"feature": FEATURES, "importance": result.importances_mean}).sort(
        "importance", descending=True)


def fit_on(rows: pl.DataFrame, as_of: dt.date, random_state: int = 0) -> Pipeline | PriorShifted | None:
    """The model fitted on every row dated before ``as_of`` (None with fewer than 10 leavers); on a capped
    sample, wrapped in :class:`PriorShifted`."""
    before = pl.col("as_of") < as_of
    train = _cap(rows, before, random_state)
    if train["left_within"].sum() < 10:
        return None
    return _fit(make_model(random_state), _x(train), train["left_within"].to_numpy(),
                _odds_factor(rows, before, train))


@single_threaded
def fit_current(db: Database, viewer: Viewer, first_month: dt.date, as_of: dt.date, horizon: int = 6,
                random_state: int = 0) -> tuple[Pipeline, pl.DataFrame] | None:
    """Fit on every labelled date up to ``as_of``; return the model and today's feature rows."""
    labelled = labelled_dates(first_month, as_of, horizon)
    if len(labelled) < 3:
        return None
    rows = features(db, viewer, [*labelled, as_of], horizon)
    model = fit_on(rows, as_of, random_state)
    return None if model is None else (model, rows.filter(pl.col("as_of") == as_of))


# ── Drivers: one batched computation for everyone ─────────────────────────
def reference_values(current: pl.DataFrame) -> dict[str, object]:
    """The typical colleague: each feature's median (most common value for a category) over ``current``."""
    x = _x(current)
    return {c: (x[c].mode().iloc[0] if c in CATEGORICAL else float(x[c].median())) for c in FEATURES}


CHUNK_ROWS = 50_000  # rows per prediction call, to bound memory on the large company


@single_threaded
def contributions(model: Pipeline | PriorShifted, current: pl.DataFrame, reference: dict[str, object]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Each person's probability and each feature's contribution to it (N × F, in FEATURES order).

    A feature's contribution = probability now − probability with that feature set to ``reference`` (the
    company's typical value), so a driver reads "this raises the risk by x points compared with a typical
    colleague". Only the rows whose value differs from the reference are predicted again (the others
    contribute 0), feature by feature in batches of at most CHUNK_ROWS rows (a prediction is row by row, so
    the batching changes no number).
    """
    x = _x(current)
    base = model.predict_proba(x)[:, 1]
    effect = np.zeros((len(x), len(FEATURES)))
    for j, col in enumerate(FEATURES):
        rows = np.flatnonzero(_differs(x[col], reference[col]))
        for at in range(0, rows.size, CHUNK_ROWS):
            part = rows[at:at + CHUNK_ROWS]
            alt = x.iloc[part].copy()
            alt[col] = reference[col]
            effect[part, j] = base[part] - model.predict_proba(alt)[:, 1]
    return base, effect


def _differs(values: object, ref: object) -> np.ndarray:
    """Which of a pandas column's values differ from ``ref`` (a missing ``ref``: which are present)."""
    return values.notna().to_numpy() if _missing(ref) else ~(values == ref).to_numpy()


def pick_drivers(effect: np.ndarray, hidden: np.ndarray | None = None, top: int = 3) -> list[list[int]]:
    """Per person, the column indices of the ``top`` features that raise the probability most (by at least
    MIN_EFFECT), skipping the features ``hidden`` for that person (N × F booleans): the next visible one
    takes a hidden one's place, so a viewer's drivers never hint at a field they may not see."""
    masked = effect if hidden is None else np.where(hidden, -np.inf, effect)
    order = np.argsort(-masked, axis=1, kind="stable")[:, :top]
    values = np.take_along_axis(masked, order, axis=1)
    return [[int(j) for j, v in zip(row_j, row_v, strict=True) if v > MIN_EFFECT]
            for row_j, row_v in zip(order, values, strict=True)]


def driver_cells(effect: np.ndarray, hidden: np.ndarray | None = None, top: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pick_drivers` as two flat arrays (person row, feature column) in person then rank order, without a
    Python loop per person (the large company's risk list has 50,000 people)."""
    masked = effect if hidden is None else np.where(hidden, -np.inf, effect)
    order = np.argsort(-masked, axis=1, kind="stable")[:, :top]
    keep = np.take_along_axis(masked, order, axis=1) > MIN_EFFECT
    rows = np.broadcast_to(np.arange(len(order))[:, None], order.shape)
    return rows[keep].astype(np.int64), order[keep].astype(np.int64)


def display_values(current: pl.DataFrame) -> pl.DataFrame:
    """Each feature's value as text (None when missing), one column per feature, as drivers show them."""
    raw = _x(current)[FEATURES].astype(object).to_numpy()
    return pl.DataFrame({c: [None if _missing(v) else str(v) for v in raw[:, j]] for j, c in enumerate(FEATURES)},
                        schema={c: pl.Utf8 for c in FEATURES})


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# ── Snapshot files (one row per person, a left/stayed label, no dates) ─────
TRUE_LABELS = {"yes", "y", "true", "1", "left", "是", "离职", "terminated"}


@dataclass(frozen=True)
class SnapshotResult:
    n_rows: int
    positive_rate: float
    dropped: list[str]
    scores: dict[str, float]        # cross-validated roc_auc, pr_auc, brier (means)
    drivers: pl.DataFrame            # feature, weight (standardised logistic coefficient)


def make_snapshot_model(categorical: list[str], numeric: list[str], random_state: int = 0) -> Pipeline:
    """Standardised numerics + one-hot categoricals + regularised logistic regression (calibrated by design)."""
    prep = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ("num", StandardScaler(), numeric),
    ], verbose_feature_names_out=False)
    return Pipeline([("prep", prep), ("model", LogisticRegression(C=0.3, max_iter=5000, random_state=random_state))])


@single_threaded
def evaluate_snapshot(frame: pl.DataFrame, target: str, folds: int = 5, random_state: int = 0) -> SnapshotResult:
    """Cross-validate the snapshot model on a one-row-per-person file with a left/stayed column."""
    from sklearn.model_selection import StratifiedKFold, cross_validate

    if target not in frame.columns:
        raise ValueError(f"Column {target!r} is not in the file; its columns are {', '.join(frame.columns)}.")
    y = frame[target].cast(pl.Utf8).str.strip_chars().str.to_lowercase().is_in(list(TRUE_LABELS)).to_numpy()
    if y.sum() < folds or (~y).sum() < folds:
        raise ValueError(f"Column {target!r} needs at least {folds} people who left and {folds} who stayed.")
    x = frame.drop(target)
    dropped = [c for c in x.columns if x[c].n_unique() <= 1]
    dropped += [c for c in x.columns if c not in dropped and x[c].dtype.is_integer() and x[c].n_unique() == x.height]
    x = x.drop(dropped)
    categorical = [c for c in x.columns if not x[c].dtype.is_numeric()]
    numeric = [c for c in x.columns if c not in categorical]
    x = x.with_columns([pl.col(c).cast(pl.Utf8).fill_null("∅") for c in categorical]).to_pandas()
    model = make_snapshot_model(categorical, numeric, random_state)
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    res = cross_validate(model, x, y, cv=cv, scoring={"roc_auc": "roc_auc", "pr_auc": "average_precision",
                                                       "brier": "neg_brier_score"})
    model.fit(x, y)
    names = model.named_steps["prep"].get_feature_names_out()
    coef = model.named_steps["model"].coef_[0]
    drivers = pl.DataFrame({"feature": list(names), "weight": coef}).sort(pl.col("weight").abs(), descending=True)
    return SnapshotResult(frame.height, float(y.mean()), dropped,
                          {"roc_auc": float(res["test_roc_auc"].mean()), "pr_auc": float(res["test_pr_auc"].mean()),
                           "brier": float(-res["test_brier"].mean())}, drivers)
