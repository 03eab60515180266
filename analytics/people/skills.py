"""Skill profiles (员工画像), tiers, radar data, team skill gaps, course suggestions and selling archetypes.

docs/metrics.md ``skill_profile``: per person in scope on the as-of date, the latest assessed score per skill,
training completed and traits from the sales facts of the last 12 months; a tier novice / backbone / expert
by the rules of :class:`TierRules` (written out in docs/talent.md). Inputs come from the named queries
``talent_people``, ``talent_sales_traits``, ``skill_scores``, ``completed_courses``, ``skill_catalogue``,
``skill_requirements`` and ``course_catalogue``; :func:`build_profiles` and everything after it are pure
(frames in, frames out).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.windows import Window, profile_window, traits_params

DAYS_PER_MONTH = 30.4375
TIERS = ("novice", "backbone", "expert")


@dataclass(frozen=True)
class TierRules:
    """Tiering the way schools tier their teachers: experience, results and skills must all clear the bar.

    expert   = tenure ≥ 24 months AND 12-month attainment ≥ 1.0 AND mean latest skill score ≥ 4
    backbone = tenure ≥ 6 months  AND 12-month attainment ≥ 0.8 AND mean latest skill score ≥ 3
    novice   = everyone else.
    A missing measure fails its criterion (never assessed → not yet backbone), except results for people
    whose role carries no quota: there the results criterion does not apply.
    """

    expert_tenure_months: float = 24.0
    expert_attainment: float = 1.0
    expert_skill: float = 4.0
    backbone_tenure_months: float = 6.0
    backbone_attainment: float = 0.8
    backbone_skill: float = 3.0


@dataclass(frozen=True)
class Profiles:
    as_of: dt.date
    window: Window
    people: pl.DataFrame            # one row per person (columns: see docs/talent.md)
    scores: pl.DataFrame            # employee_id, skill_id, score, assessed_date, n_assessments (latest valid)
    skills: list[str]               # skill ids in catalogue order (the score_<skill> columns)
    excluded: dict[str, int] = field(default_factory=dict)  # bad input rows left out, per table.issue


# ── loading ────────────────────────────────────────────────────────────
def excluded_rows(db: Database) -> dict[str, int]:
    """Rows of the talent facts left out of these computations, per ``table.issue`` (only non-zero ones)."""
    issues = db.query("talent_data_issues")
    return {f"{t}.{i}": int(n) for t, i, n in issues.iter_rows() if n}


def load_profiles(db: Database, viewer: Viewer, as_of: dt.date, rules: TierRules | None = None) -> Profiles:
    """Everyone employed on ``as_of`` in the viewer's scope with skills, training and sales traits."""
    w = profile_window(as_of)
    scope = viewer.sql_params()
    rules = rules or TierRules()
    scores = db.query("skill_scores", as_of=as_of, **scope)
    skills = db.query("skill_catalogue")["skill_id"].to_list()

    def build() -> pl.DataFrame:
        people = db.query("talent_people", as_of=as_of, **scope)
        traits = db.query("talent_sales_traits", **traits_params(as_of), **scope).drop("scope_unit", "scope_region")
        completed = db.query("completed_courses", as_of=as_of, **scope)
        return build_profiles(people, traits, scores, completed, skills, as_of, rules)

    # the talent, training and key-account reports each start from the profiles: built once per data version
    prof = db.derived("skill_profiles", {"as_of": as_of, "rules": rules, **scope}, build)
    ordered = db.derived("skill_scores_sorted", {"as_of": as_of, **scope},
                         lambda: scores.sort("employee_id", "skill_id"))
    return Profiles(as_of, w, prof, ordered, skills, excluded_rows(db))


def build_profiles(people: pl.DataFrame, traits: pl.DataFrame, scores: pl.DataFrame, completed: pl.DataFrame,
                   skills: list[str], as_of: dt.date, rules: TierRules) -> pl.DataFrame:
    """One row per person: placement, tenure, review, skill scores (wide, null = never assessed),
    courses completed, 12-month traits and the tier."""
    def ratio(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))

    wide = (
        scores.filter(pl.col("skill_id").is_in(skills))
        .pivot(on="skill_id", index="employee_id", values="score")
        if scores.height else pl.DataFrame({"employee_id": []}, schema={"employee_id": pl.Int64})
    )
    for s in skills:
        if s not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(s))
    wide = wide.select("employee_id", *[pl.col(s).cast(pl.Float64).alias(f"score_{s}") for s in skills])
    stats = scores.group_by("employee_id").agg(skill_mean=pl.col("score").mean(), n_skills=pl.len())
    courses = completed.group_by("employee_id").agg(
        courses_completed=pl.col("course_id").n_unique(), courses=pl.col("course_id").unique().sort())
    out = (
        people.join(traits, on="employee_id", how="left")
        .join(wide, on="employee_id", how="left")
        .join(stats, on="employee_id", how="left")
        .join(courses, on="employee_id", how="left")
        .with_columns(
            tenure_months=(pl.lit(as_of) - pl.col("hire_date")).dt.total_days() / DAYS_PER_MONTH,
            months_in_role=(pl.lit(as_of) - pl.col("role_since")).dt.total_days() / DAYS_PER_MONTH,
            months_in_window=pl.col("days_in_window").fill_null(0) / DAYS_PER_MONTH,
            n_skills=pl.col("n_skills").fill_null(0).cast(pl.Int64),
            courses_completed=pl.col("courses_completed").fill_null(0).cast(pl.Int64),
            courses=pl.col("courses").fill_null([]),
            attainment_12m=ratio("bookings", "quota"),
            ka_share=ratio("ka_bookings", "bookings"),
            new_customer_share=ratio("new_customer_bookings", "bookings"),
            complaint_rate=ratio("complaints", "active_customers"),
            repeat_rate=ratio("repeat_customers", "base_customers"),
            attainment_q1=ratio("bookings_q1", "quota_q1"),
            attainment_q2=ratio("bookings_q2", "quota_q2"),
        )
        .with_columns(
            visits_per_month=pl.col("visits") / pl.max_horizontal(pl.col("months_in_window"), pl.lit(1.0)),
            attainment_trend=pl.col("attainment_q1") - pl.col("attainment_q2"),
        )
    )
    return out.with_columns(tier=tier_expr(rules)).sort("employee_id")


def tier_expr(rules: TierRules) -> pl.Expr:
    """The tier of each row from tenure_months, attainment_12m, carries_quota and skill_mean."""
    def meets(tenure: float, attainment: float, skill: float) -> pl.Expr:
        results = pl.when(pl.col("carries_quota")).then(pl.col("attainment_12m") >= attainment).otherwise(True)
        return ((pl.col("tenure_months") >= tenure) & results & (pl.col("skill_mean") >= skill)).fill_null(False)

    return (
        pl.when(meets(rules.expert_tenure_months, rules.expert_attainment, rules.expert_skill)).then(pl.lit("expert"))
        .when(meets(rules.backbone_tenure_months, rules.backbone_attainment, rules.backbone_skill))
        .then(pl.lit("backbone"))
        .otherwise(pl.lit("novice"))
    )


# ── radar, gaps, suggestions ───────────────────────────────────────────
def _team_key() -> pl.Expr:
    return pl.coalesce("team_id", "org_unit_id").alias("team")


def radar(profiles: Profiles, requirements: pl.DataFrame, employee_id: int) -> pl.DataFrame:
    """Per skill: the person's latest score, the requirement of their role and their team's median.

    Skills shown: those the role requires plus any the person was assessed on. Columns: skill_id, name_en,
    name_zh, score, required, team_median, n_team_assessed (people of the team with a score).
    """
    person = profiles.people.filter(pl.col("employee_id") == employee_id)
    if person.is_empty():
        return pl.DataFrame(schema={"skill_id": pl.Utf8, "name_en": pl.Utf8, "name_zh": pl.Utf8, "score": pl.Float64,
                                    "required": pl.Float64, "team_median": pl.Float64, "n_team_assessed": pl.UInt32})
    role, team = person.select("role_id", _team_key()).row(0)
    mates = profiles.people.filter(_team_key() == team).select("employee_id")
    team_med = profiles.scores.join(mates, on="employee_id").group_by("skill_id").agg(
        team_median=pl.col("score").median(), n_team_assessed=pl.len())
    own = profiles.scores.filter(pl.col("employee_id") == employee_id).select("skill_id", "score")
    req = requirements.filter(pl.col("role_id") == role).select("skill_id", required="required_score")
    names = requirements.select("skill_id", "name_en", "name_zh").unique("skill_id")
    keys = pl.concat([req.select("skill_id"), own.select("skill_id")]).unique()
    return (
        keys.join(names, on="skill_id", how="left").join(own, on="skill_id", how="left")
        .join(req, on="skill_id", how="left").join(team_med, on="skill_id", how="left")
        .with_columns(pl.col("n_team_assessed").fill_null(0))
        .select("skill_id", "name_en", "name_zh", "score", "required", "team_median", "n_team_assessed")
        .sort("skill_id")
    )


def person_gaps(profiles: Profiles, requirements: pl.DataFrame) -> pl.DataFrame:
    """Every (person, required skill): latest score, requirement, gap = score − required (null if never
    assessed). Columns: employee_id, team, role_id, skill_id, score, required, gap."""
    people = profiles.people.select("employee_id", "role_id", _team_key())
    req = requirements.select("role_id", "skill_id", required="required_score")
    return (
        people.join(req, on="role_id")
        .join(profiles.scores.select("employee_id", "skill_id", "score"), on=["employee_id", "skill_id"], how="left")
        .with_columns(gap=pl.col("score") - pl.col("required"))
        .sort("employee_id", "skill_id")
    )


def gap_heatmap(profiles: Profiles, requirements: pl.DataFrame) -> pl.DataFrame:
    """Skills × teams: median over the team's assessed people of (latest score − their role's requirement).

    With one role in the team this equals the team median score minus the requirement. Long format:
    team, skill_id, median_gap, median_score, n_assessed, n_required (people whose role requires the skill).
    """
    gaps = person_gaps(profiles, requirements)
    return (
        gaps.group_by("team", "skill_id")
        .agg(median_gap=pl.col("gap").median(), median_score=pl.col("score").median(),
             n_assessed=pl.col("score").is_not_null().sum(), n_required=pl.len())
        .sort("team", "skill_id")
    )


def largest_gap_teams(heat: pl.DataFrame, n_teams: int) -> pl.DataFrame:
    """The rows of the ``n_teams`` teams whose gaps add up to the most (Σ of their negative median gaps; masked
    cells count as none), in the heatmap's order; all rows when there are no more teams than that."""
    if heat.select(pl.col("team").n_unique()).item() <= n_teams:
        return heat
    shortfall = heat.group_by("team").agg(pl.col("median_gap").clip(upper_bound=0).fill_null(0).sum().alias("_s"))
    keep = shortfall.sort("_s", "team").head(n_teams)["team"]
    return heat.filter(pl.col("team").is_in(keep.implode()))


def suggestions(profiles: Profiles, requirements: pl.DataFrame, catalogue: pl.DataFrame, completed: pl.DataFrame,
                employee_id: int | None = None, top_skills: int = 3) -> pl.DataFrame:
    """Development suggestions: for each person's largest shortfalls (required − score > 0, up to
    ``top_skills`` skills), the catalogue courses developing that skill that they have not completed.

    One row per (person, skill, course); course_id null when no open course develops the skill.
    Columns: employee_id, rank, skill_id, score, required, shortfall, course_id, course_en, course_zh, hours.
    """
    gaps = person_gaps(profiles, requirements)
    if employee_id is not None:
        gaps = gaps.filter(pl.col("employee_id") == employee_id)
    short = (
        gaps.with_columns(shortfall=pl.col("required") - pl.col("score"))
        .filter(pl.col("shortfall") > 0)
        .sort(["employee_id", "shortfall", "skill_id"], descending=[False, True, False])
        .with_columns(rank=pl.col("shortfall").cum_count().over("employee_id").cast(pl.Int64))
        .filter(pl.col("rank") <= top_skills)
    )
    courses = catalogue.filter(pl.col("skill_id").is_not_null()).select(
        "skill_id", "course_id", course_en="name_en", course_zh="name_zh", hours="hours")
    pairs = short.join(courses, on="skill_id", how="left").join(
        completed.select("employee_id", "course_id", done=pl.lit(True)), on=["employee_id", "course_id"], how="left")
    open_ = pairs.filter(pl.col("done").is_null()).drop("done")
    # skills whose every course is done (or that have none) still show, with no course
    missing = short.join(open_.select("employee_id", "skill_id").unique(), on=["employee_id", "skill_id"],
                         how="anti").with_columns(course_id=pl.lit(None, pl.Utf8), course_en=pl.lit(None, pl.Utf8),
                                                  course_zh=pl.lit(None, pl.Utf8), hours=pl.lit(None, pl.Float64))
    cols = ["employee_id", "rank", "skill_id", "score", "required", "shortfall", "course_id", "course_en",
            "course_zh", "hours"]
    return pl.concat([open_.select(cols), missing.select(cols)]).sort("employee_id", "rank", "course_id",
                                                                      nulls_last=True)


# ── archetypes ─────────────────────────────────────────────────────────
ARCHETYPE_FEATURES = ("ka_share", "new_customer_share", "repeat_rate", "visits_per_month")
ARCHETYPES = {"ka_specialist": ("KA specialist", "大客户专家"), "hunter": ("Hunter", "开拓型"),
              "farmer": ("Farmer", "维护型"), "all_rounder": ("All-rounder", "全能型")}


@dataclass(frozen=True)
class ArchetypeRules:
    """How clusters are named from their centroids (raw units), in this order, each name used once:

    1. ``ka_specialist``: the cluster with the highest mean KA share, if it is ≥ ``ka_share_min``;
    2. ``hunter``: of the rest, the highest mean new-customer share, if it is ≥ ``new_share_min``;
    3. ``farmer``: of the rest, the highest (z visits per month + z repeat rate), if it is > 0;
    4. every other cluster: ``all_rounder``.
    """

    ka_share_min: float = 0.4
    new_share_min: float = 0.35
    k_range: tuple[int, ...] = (3, 4, 5)
    min_months: float = 3.0  # months employed in the window to be clustered
    silhouette_sample: int = 3000  # above this many reps the silhouette is computed on a fixed-seed sample


@dataclass(frozen=True)
class Archetypes:
    members: pl.DataFrame      # employee_id, cluster, archetype, the features
    centroids: pl.DataFrame    # cluster, archetype, n, the features' means (raw units)
    k: int
    silhouette: float          # of the chosen k (standardised features, euclidean; sampled above 3000 reps)
    silhouettes: dict[int, float]
    n_excluded: int            # reps left out (too few months, or no bookings)


def make_clusterer(n_clusters: int, random_state: int = 0) -> Pipeline:
    """Standardise the features, then k-means (10 starts)."""
    return Pipeline([("scale", StandardScaler()),
                     ("kmeans", KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state))])


def cluster_population(people: pl.DataFrame, rules: ArchetypeRules) -> tuple[pl.DataFrame, int]:
    """Reps (career step 1, carrying quota) with bookings and enough months; repeat rate imputed with the
    median where a rep had no repeat base."""
    reps = people.filter((pl.col("career_step") == 1) & pl.col("carries_quota"))
    ok = reps.filter((pl.col("months_in_window") >= rules.min_months) & (pl.col("bookings") > 0))
    ok = ok.with_columns(repeat_rate=pl.col("repeat_rate").fill_null(pl.col("repeat_rate").median()).fill_null(0.0))
    return ok.select("employee_id", "role_id", *ARCHETYPE_FEATURES).sort("employee_id"), reps.height - ok.height


def name_clusters(centroids: pl.DataFrame, rules: ArchetypeRules) -> dict[int, str]:
    """Archetype id per cluster from the centroid rules (deterministic: the same data gives the same names)."""
    c = centroids.with_columns(
        farm=((pl.col("visits_per_month") - pl.col("visits_per_month").mean()) / pl.col("visits_per_month").std()
              + (pl.col("repeat_rate") - pl.col("repeat_rate").mean()) / pl.col("repeat_rate").std()).fill_nan(0.0)
    )
    names: dict[int, str] = {}

    def pick(col: str, floor: float, name: str) -> None:
        rest = c.filter(~pl.col("cluster").is_in(list(names)))
        if rest.is_empty():
            return
        best = rest.sort([col, "cluster"], descending=[True, False]).row(0, named=True)
        if best[col] is not None and best[col] >= floor:
            names[best["cluster"]] = name

    pick("ka_share", rules.ka_share_min, "ka_specialist")
    pick("new_customer_share", rules.new_share_min, "hunter")
    pick("farm", 1e-9, "farmer")
    for k in c["cluster"].to_list():
        names.setdefault(k, "all_rounder")
    return names


def archetypes(people: pl.DataFrame, rules: ArchetypeRules | None = None, k: int | None = None,
               random_state: int = 0) -> Archetypes | None:
    """Cluster reps on standardised selling-style features; k by best silhouette in ``rules.k_range``
    unless given. Cluster numbers follow the archetype order (KA specialist, hunter, farmer, all-rounders by
    size), so refits on the same data give the same numbers and names. None with fewer than 10 reps."""
    rules = rules or ArchetypeRules()
    pop, n_excluded = cluster_population(people, rules)
    x = pop.select(ARCHETYPE_FEATURES).to_numpy().astype(float)
    if len(x) < 10:
        return None
    candidates = [k] if k else [c for c in rules.k_range if c < len(x)]
    fits: dict[int, np.ndarray] = {}
    sil: dict[int, float] = {}
    with threadpool_limits(limits=1):
        scaled = StandardScaler().fit_transform(x)
        for c in candidates:
            labels = make_clusterer(c, random_state).fit_predict(x)
            fits[c] = labels
            sample = rules.silhouette_sample if len(x) > rules.silhouette_sample else None
            sil[c] = float(silhouette_score(scaled, labels, sample_size=sample, random_state=random_state)
                           ) if len(set(labels)) > 1 else float("nan")
    best = k or max(sil, key=lambda c: (sil[c], -c))
    raw = pop.with_columns(cluster=pl.Series(fits[best], dtype=pl.Int64))
    cent = raw.group_by("cluster").agg(pl.len().alias("n"), *[pl.col(f).mean() for f in ARCHETYPE_FEATURES])
    names = name_clusters(cent, rules)
    order = list(ARCHETYPES)
    cent = cent.with_columns(archetype=pl.col("cluster").replace_strict(names)).with_columns(
        _o=pl.col("archetype").replace_strict({a: i for i, a in enumerate(order)}, return_dtype=pl.Int64)
    ).sort(["_o", "n", "ka_share"], descending=[False, True, True])
    renumber = {old: new for new, old in enumerate(cent["cluster"].to_list())}
    cent = cent.with_columns(cluster=pl.col("cluster").replace_strict(renumber)).drop("_o")
    members = raw.with_columns(cluster=pl.col("cluster").replace_strict(renumber)).join(
        cent.select("cluster", "archetype"), on="cluster")
    cent = cent.with_columns(name_en=pl.col("archetype").replace_strict({a: v[0] for a, v in ARCHETYPES.items()}),
                             name_zh=pl.col("archetype").replace_strict({a: v[1] for a, v in ARCHETYPES.items()}))
    return Archetypes(members.sort("employee_id"), cent.select("cluster", "archetype", "name_en", "name_zh", "n",
                                                               *ARCHETYPE_FEATURES),
                      best, sil[best], sil, n_excluded)
