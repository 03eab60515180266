"""Probation early warning: who among the people now in probation is likely to leave before it ends.

Features are what is known by day 30 after the hire (``sql/queries/probation_features.sql``; nothing later):
the hire channel, a mentor starting in the first month, the 30-day onboarding plan's progress (tasks done ÷
total), and customer visits and bookings per day in the first 30 days relative to the hire cohort's norm
(cohort = hire quarter; norm = the cohort's mean rate over the same days of tenure). People who have been
employed fewer than 30 days are scored on the days observed so far, against the same norm.

The model (logistic regression, :func:`make_model`) is trained on past hire cohorts whose probation has ended,
validated out of time on the most recent completed cohorts against a baseline of channel-only base rates, and
then refitted on every completed cohort to rank the people in probation at the as-of date. Only quota-carrying
roles are scored (visits and bookings mean nothing for the others).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analytics.core.periods import add_months

NUMERIC = ["mentored", "onboarding_done", "visits_vs_cohort", "bookings_vs_cohort"]
FEATURE_WINDOW_DAYS = 30


def make_model(random_state: int = 0) -> Pipeline:
    """Standardised features → L2 logistic regression (balanced classes are not needed for ranking)."""
    return Pipeline([("scale", StandardScaler()),
                     ("lr", LogisticRegression(C=1.0, max_iter=1000, random_state=random_state))])


def load_features(db, viewer, as_of: dt.date, start: dt.date | None = None) -> pl.DataFrame:
    """Day-30 features and probation outcome of every quota-carrying hire in scope, hired in [start, as_of]
    (default start: the first month of the history, so survivors hired before it do not bias the rates)."""
    start = start or history_start(db)
    rows = db.query("probation_features", start=start, as_of=as_of, **viewer.sql_params())
    return derive(rows.filter(pl.col("carries_quota")).sort("employee_id"), as_of)


def history_start(db) -> dt.date:
    """First month of the facts (``data_range``): earlier hires are survivors only."""
    first = db.query("data_range").row(0)[0]
    return first or dt.date(1900, 1, 1)


def derive(rows: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Add the cohort-relative rates, the probation outcome as known at ``as_of`` and the row's status."""
    days = pl.col("days_observed").cast(pl.Float64)
    rows = rows.with_columns(
        cohort=pl.col("hire_date").dt.truncate("3mo"),
        visit_rate=pl.col("visits_30") / days, booking_rate=pl.col("bookings_30") / days,
    )
    ratio = {}
    for name, col in (("visits_vs_cohort", "visit_rate"), ("bookings_vs_cohort", "booking_rate")):
        norm = pl.col(col).mean().over("cohort")
        ratio[name] = pl.when(norm > 0).then(pl.col(col) / norm).otherwise(1.0)
    term = pl.col("termination_date")
    window_end = pl.col("hire_date") + pl.duration(days=FEATURE_WINDOW_DAYS - 1)
    return rows.with_columns(
        **ratio,
        mentored=pl.col("mentored").cast(pl.Float64),
        # progress against the pace of a 30-day plan, so someone at day 10 is judged on a third of it
        onboarding_done=(pl.col("onboarding_done") / (days / FEATURE_WINDOW_DAYS).clip(upper_bound=1.0))
        .clip(upper_bound=1.0),
        probation_exit=(term < pl.col("probation_end")).fill_null(False),
        # left before the features could be read: not someone a day-30 warning can help
        left_in_window=(term < window_end).fill_null(False),
        completed=pl.col("probation_end") <= as_of,
        in_probation=(pl.col("probation_end") > as_of) & term.is_null(),
    )


def _matrix(frame: pl.DataFrame, channels: list[str], fill: dict[str, float]) -> np.ndarray:
    num = frame.select([pl.col(c).cast(pl.Float64).fill_null(fill[c]) for c in NUMERIC]).to_numpy()
    dummies = np.column_stack([(frame["hire_source"] == c).fill_null(False).to_numpy().astype(float)
                               for c in channels]) if channels else np.zeros((frame.height, 0))
    return np.hstack([num, dummies])


@dataclass
class Fitted:
    model: Pipeline
    channels: list[str]
    fill: dict[str, float]
    base_rates: dict[str, float]
    prior: float

    @property
    def feature_names(self) -> list[str]:
        return [*NUMERIC, *(f"channel:{c}" for c in self.channels)]

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return self.model.predict_proba(_matrix(frame, self.channels, self.fill))[:, 1]

    def baseline(self, frame: pl.DataFrame) -> np.ndarray:
        return np.array([self.base_rates.get(c, self.prior) for c in frame["hire_source"].to_list()])


def fit(train: pl.DataFrame, random_state: int = 0) -> Fitted:
    """Fit the model and the channel-only baseline on completed cohorts (sorted, single-threaded)."""
    train = train.sort("hire_date", "employee_id")
    channels = sorted(c for c in train["hire_source"].drop_nulls().unique().to_list())[1:]  # first = reference
    fill = {c: float(train[c].cast(pl.Float64).median() or 0.0) for c in NUMERIC}
    y = train["probation_exit"].to_numpy().astype(int)
    if len(set(y)) < 2:
        raise ValueError("Cannot train the probation model: the past cohorts hold only one outcome.")
    model = make_model(random_state)
    with threadpool_limits(limits=1):
        model.fit(_matrix(train, channels, fill), y)
    rates = train.group_by("hire_source").agg(pl.col("probation_exit").mean())
    base = {r["hire_source"]: float(r["probation_exit"]) for r in rates.iter_rows(named=True)}
    return Fitted(model, channels, fill, base, float(y.mean()))


def _scores(y: np.ndarray, p: np.ndarray) -> tuple[float | None, float | None]:
    if len(set(y)) < 2:
        return None, None
    return float(roc_auc_score(y, p)), float(average_precision_score(y, p))


def validate(features: pl.DataFrame, as_of: dt.date, test_months: int = 6, random_state: int = 0) -> dict:
    """Out-of-time check: test = completed hires of the last ``test_months`` hire months whose probation has
    ended by ``as_of``; train = hires whose probation ended before the first test hire date (their outcome was
    known then). Returns the sizes, periods and ROC AUC / PR AUC of the model and of the channel baseline."""
    done = features.filter(pl.col("completed") & ~pl.col("left_in_window"))
    if done.is_empty():
        raise ValueError("No hire cohort has finished probation yet: nothing to validate on.")
    last_hire = done["hire_date"].max()
    test_start = add_months(last_hire.replace(day=1), -(test_months - 1))
    test = done.filter(pl.col("hire_date") >= test_start)
    train = done.filter(pl.col("probation_end") < test_start)
    fitted = fit(train, random_state)
    y = test["probation_exit"].to_numpy().astype(int)
    auc_m, pr_m = _scores(y, fitted.predict(test))
    auc_b, pr_b = _scores(y, fitted.baseline(test))
    return {
        "n_train": train.height, "n_test": test.height, "train_exit_rate": float(train["probation_exit"].mean()),
        "test_exit_rate": float(y.mean()) if len(y) else None,
        "train_hired_to": train["hire_date"].max(), "test_hired_from": test_start, "test_hired_to": last_hire,
        "roc_auc_model": auc_m, "roc_auc_baseline": auc_b, "pr_auc_model": pr_m, "pr_auc_baseline": pr_b,
        "excluded_left_before_day_30": int(features.filter(pl.col("completed") & pl.col("left_in_window")).height),
        "excluded_in_probation": int(features.filter(~pl.col("completed")).height),
    }


def _reasons(fitted: Fitted, frame: pl.DataFrame, top: int = 3) -> tuple[list[list[str]], list[list[float]]]:
    """Per person, the features that push the log-odds up most (coefficient × standardised deviation)."""
    x = _matrix(frame, fitted.channels, fitted.fill)
    scaler, lr = fitted.model.named_steps["scale"], fitted.model.named_steps["lr"]
    contrib = (x - scaler.mean_) / np.where(scaler.scale_ > 0, scaler.scale_, 1.0) * lr.coef_[0]
    names = np.array(fitted.feature_names)
    order = np.argsort(-contrib, axis=1)[:, :top]
    reasons, effects = [], []
    for i, row in enumerate(order):
        keep = [j for j in row if contrib[i, j] > 0.05]
        reasons.append([_reason_text(str(names[j]), x[i, j]) for j in keep])
        effects.append([float(contrib[i, j]) for j in keep])
    return reasons, effects


def _reason_text(feature: str, value: float) -> str:
    if feature.startswith("channel:"):
        channel = feature.split(":", 1)[1]
        return f"hired through {channel}" if value >= 0.5 else f"not hired through {channel}"
    if feature == "mentored":
        return "no mentor in the first month" if value < 0.5 else "mentored"
    if feature == "onboarding_done":
        return f"onboarding plan at {value * 100:.0f}% of the expected pace"
    what = "visits" if feature == "visits_vs_cohort" else "bookings"
    return f"{what} {value * 100:.0f}% of the cohort norm"


def watch_list(features: pl.DataFrame, random_state: int = 0) -> pl.DataFrame:
    """People in probation at the as-of date ranked by the probability of leaving before it ends, with reasons.

    The model is fitted on every completed cohort (hires who left before day 30 excluded)."""
    done = features.filter(pl.col("completed") & ~pl.col("left_in_window"))
    current = features.filter(pl.col("in_probation")).sort("employee_id")
    if done.is_empty() or current.is_empty():
        return pl.DataFrame()
    fitted = fit(done, random_state)
    reasons, effects = _reasons(fitted, current)
    out = current.select(
        "employee_id", "hire_date", "probation_end", "org_unit_id", "region_id", "team_id", "role_id", "hire_source",
        pl.col("mentored").cast(pl.Boolean), "onboarding_done", "days_observed", "visits_vs_cohort",
        "bookings_vs_cohort",
    ).with_columns(
        probability=pl.Series(fitted.predict(current)),
        baseline=pl.Series(fitted.baseline(current)),
        reasons=pl.Series(reasons, dtype=pl.List(pl.Utf8)),
        reason_effects=pl.Series(effects, dtype=pl.List(pl.Float64)),
    )
    return out.sort("probability", descending=True).with_columns(rank=pl.int_range(1, pl.len() + 1))
