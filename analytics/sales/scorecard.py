"""The performance scorecard, ranking, coaching list and high-potential list (docs/metrics.md, issue 5).

Weights are configuration (``data/scorecard.toml``). Each component is the person's percentile among
peers of the same role in scope (0–100); the score is the weighted sum minus a deduction for complaints.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.list_rules import list_rules
from analytics.core.periods import Period, last_completed_quarters
from analytics.core.review_values import VALUES, values_score, vetoed
from analytics.sales import quota

CONFIG = Path(__file__).resolve().parents[2] / "data" / "scorecard.toml"
COMPONENTS = {  # component → True when higher is better
    "attainment": True, "new_customers": True, "repeat_rate": True, "collection_rate": True,
    "proposal_on_time": True, "visits": True, "team_revenue_per_head": True, "team_attainment": True,
    "people_development": True,
}


class ScorecardConfigError(ValueError):
    """The scorecard configuration is wrong; the message names the key."""


@dataclass(frozen=True)
class ScorecardConfig:
    new_rep_months: int
    complaint_deduction: float
    max_deduction: float
    weights: dict[str, dict[str, float]]   # stage → component → weight (sums to 1)


def load_config(path: Path = CONFIG) -> ScorecardConfig:
    """Read and check the weights: known stages and components, non-negative, each stage summing to 1."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScorecardConfigError(f"{path.name}: {exc}") from None
    weights = raw.get("weights", {})
    for stage in ("new_rep", "mature_rep", "manager"):
        if stage not in weights:
            raise ScorecardConfigError(f"{path.name}: [weights.{stage}] is missing.")
        for comp, w in weights[stage].items():
            if comp not in COMPONENTS:
                raise ScorecardConfigError(f"{path.name}: weights.{stage}.{comp} is not a component; "
                                           f"known: {', '.join(COMPONENTS)}.")
            if not isinstance(w, int | float) or w < 0:
                raise ScorecardConfigError(f"{path.name}: weights.{stage}.{comp} must be a number ≥ 0.")
        total = sum(weights[stage].values())
        if abs(total - 1) > 1e-6:
            raise ScorecardConfigError(f"{path.name}: the weights of [weights.{stage}] add up to {total:g}, not 1.")
    return ScorecardConfig(int(raw.get("new_rep_months", 6)), float(raw.get("complaint_deduction", 5.0)),
                           float(raw.get("max_deduction", 20.0)), {k: dict(v) for k, v in weights.items()})


def person_panel(db: Database, viewer: Viewer, periods: list[Period], as_of: dt.date) -> pl.LazyFrame:
    """All of each rep's bookings and quota per period, the rep placed (and scoped) by the unit held on the
    period's last day or last day employed (docs/metrics.md, "people measured over a period")."""
    return db.query("sales_placed", **quota.placed_params(periods, as_of, person=True), **viewer.sql_params()).lazy()


def rep_components(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """Per rep with quota: attainment, collection rate, new customers, repeat rate, visits, on-time
    proposals, complaints and tenure (months) for the period — all of the rep's figures of the period, the
    rep placed where they sat on its last day."""
    panel = quota.in_period(person_panel(db, viewer, [period], as_of), period)
    reps = quota.rep_attainment(panel).join(
        quota.sales_totals(panel, ["employee_id"]).select("employee_id", "collection_rate"), on="employee_id",
        how="left").collect()
    rows = db.query("rep_period_customers", start=period.start, end=period.end, as_of=as_of, person=True,
                    customers=True, **viewer.sql_params()).lazy()
    days = max((min(period.end, as_of) - period.start).days + 1, 1)
    cust = quota.customer_metrics(rows, ["employee_id"], days).select(
        "employee_id", "new_customers", "visits", "complaints", "repeat_rate", "proposal_on_time").collect()
    hires = db.sql("select employee_id, name, hire_date from employees")
    end = min(period.end, as_of)
    return reps.join(cust, on="employee_id", how="left").join(hires, on="employee_id", how="left").with_columns(
        tenure_months=((pl.lit(end) - pl.col("hire_date")).dt.total_days() / 30.4375),
        complaints=pl.col("complaints").fill_null(0),
    )


def manager_components(db: Database, viewer: Viewer, period: Period, as_of: dt.date,
                       reps: pl.DataFrame) -> pl.DataFrame:
    """Per team lead: the team's revenue per head and attainment, and people development
    (mean of probation pass rate, mentoring coverage of those hires, and training completion)."""
    team = reps.filter(pl.col("manager_id").is_not_null()).group_by("manager_id").agg(
        team_bookings=pl.col("att_bookings").sum(), team_quota=pl.col("quota").sum(), team_size=pl.len())
    dev = db.query("team_development", start=period.start, end=period.end, as_of=as_of)

    def share(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))

    dev = dev.with_columns(
        people_development=pl.mean_horizontal(share("probation_passed", "probation_ended"),
                                              share("mentored", "probation_ended"), share("completed", "enrolments")))
    return team.join(dev.select("manager_id", "people_development"), on="manager_id", how="left").with_columns(
        team_revenue_per_head=pl.col("team_bookings") / pl.col("team_size"),
        team_attainment=share("team_bookings", "team_quota"),
    ).rename({"manager_id": "employee_id"})


PEERS = ["role_id", "stage"]


def _percentile(col: str, higher_better: bool) -> pl.Expr:
    """0–100 percentile among peers (same role and stage): the best gets 100, the worst 0; ties share the
    average; nulls (no data for that component) score the middle, 50."""
    rank = pl.col(col).rank("average", descending=not higher_better).over(PEERS)  # best has the highest rank
    n = pl.col(col).count().over(PEERS)
    return pl.when(pl.col(col).is_null()).then(50.0).when(n > 1).then((rank - 1) / (n - 1) * 100).otherwise(50.0)


def scorecard(db: Database, viewer: Viewer, period: Period, as_of: dt.date,
              config: ScorecardConfig | None = None) -> pl.DataFrame:
    """Score, rank and top-20% flag of every rep and team lead in scope for the period (to date)."""
    cfg = config or load_config()
    current = period.to_date(as_of)
    reps = rep_components(db, viewer, current, as_of)
    if reps.is_empty():
        return reps.with_columns(vetoed=pl.lit(False), top_20=pl.lit(False))
    leads = manager_components(db, viewer, current, as_of, reps)
    frame = reps.join(leads, on="employee_id", how="left").with_columns(
        stage=pl.when(pl.col("role_id") == "team_lead").then(pl.lit("manager"))
        .when(pl.col("tenure_months") < cfg.new_rep_months).then(pl.lit("new_rep"))
        .otherwise(pl.lit("mature_rep")))
    frame = frame.with_columns([_percentile(c, hb).alias(f"pct_{c}") for c, hb in COMPONENTS.items()])
    score = pl.lit(0.0)
    for stage, weights in cfg.weights.items():
        stage_score = sum((pl.col(f"pct_{c}") * w for c, w in weights.items()), pl.lit(0.0))
        score = pl.when(pl.col("stage") == stage).then(stage_score).otherwise(score)
    deduction = (pl.col("complaints") * cfg.complaint_deduction).clip(upper_bound=cfg.max_deduction)
    frame = frame.with_columns(base_score=score, deduction=deduction).with_columns(
        score=(pl.col("base_score") - pl.col("deduction")).clip(lower_bound=0))
    frame = frame.join(review_values(db, min(current.end, as_of)), on="employee_id", how="left").with_columns(
        vetoed=vetoed(pl.col("veto")))
    frame = frame.with_columns(rank=pl.col("score").rank("ordinal", descending=True))
    # the top 20% are the best-scored 20% of the people ranked, none of them vetoed: a veto's place passes on
    top = max(1, round(frame.height * 0.2))
    eligible = pl.col("rank").rank("ordinal").over("vetoed")
    return frame.with_columns(top_20=~pl.col("vetoed") & (eligible <= top)).sort("rank")


def review_values(db: Database, on: dt.date) -> pl.DataFrame:
    """Each person's latest review on or before ``on``: values score (mean of the three values, 1–5),
    collaboration (1–5), veto and its reason (analytics/core/review_values.py)."""
    traits = db.query("rep_traits", as_of=on)
    return traits.select("employee_id", values_score=values_score(*[pl.col(c) for c in VALUES]),
                         collaboration=pl.col("collaboration"), veto=pl.col("veto"), veto_reason=pl.col("veto_reason"))


def quarterly_attainment(db: Database, viewer: Viewer, quarters: list[Period], as_of: dt.date) -> pl.DataFrame:
    """Attainment of every rep with quota in each of the given quarters (one column per quarter label): all of
    the rep's bookings and quota of the quarter, the rep in scope by the unit held on the quarter's last day."""
    panel = person_panel(db, viewer, quarters, as_of)
    frames = []
    for q in quarters:
        frames.append(quota.rep_attainment(quota.in_period(panel, q)).select(
            "employee_id", pl.col("attainment").alias(q.label)).collect())
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f, on="employee_id", how="full", coalesce=True)
    return out


def coaching_list(db: Database, viewer: Viewer, as_of: dt.date, target: float | None = None,
                  fy_start: int = 1) -> pl.DataFrame:
    """Reps under ``target`` attainment (default: ``[lists]`` in data/scorecard.toml) in each of the last completed
    quarters the rule names (docs/metrics.md ``coaching_list``)."""
    rules = list_rules()
    target = rules.coaching_target if target is None else target
    quarters = last_completed_quarters(as_of, rules.coaching_quarters, fy_start)
    att = quarterly_attainment(db, viewer, quarters, as_of)
    labels = [q.label for q in quarters]
    under = pl.all_horizontal([pl.col(c).is_not_null() & (pl.col(c) < target) for c in labels])
    return _with_people(db, att.filter(under), as_of).sort(labels[-1])


def high_potential(db: Database, viewer: Viewer, as_of: dt.date, target: float | None = None,
                   fy_start: int = 1) -> pl.DataFrame:
    """Reps at or over ``target`` (default: ``[lists]`` in data/scorecard.toml) in each of the last completed
    quarters the rule names, with potential = high (3)."""
    rules = list_rules()
    target = rules.high_potential_target if target is None else target
    quarters = last_completed_quarters(as_of, rules.high_potential_quarters, fy_start)
    att = quarterly_attainment(db, viewer, quarters, as_of)
    labels = [q.label for q in quarters]
    over = pl.all_horizontal([pl.col(c).is_not_null() & (pl.col(c) >= target) for c in labels])
    people = _with_people(db, att.filter(over), as_of)
    # a veto in the latest review keeps a rep off the list (analytics/core/review_values.py)
    return people.filter((pl.col("potential") == 3) & ~vetoed(pl.col("veto"))).sort(labels[-1], descending=True)


def _with_people(db: Database, frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    traits = db.query("rep_traits", as_of=as_of).select("employee_id", "name", "hire_date", "termination_date",
                                                        "rating", "potential", "veto")
    return frame.join(traits, on="employee_id", how="left").filter(
        pl.col("termination_date").is_null() | (pl.col("termination_date") > as_of)).drop("termination_date")
