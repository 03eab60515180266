"""What the talent and training pages show, assembled from the pipelines (no Streamlit).

Every function takes the database and the viewer; scope filtering happens in the named queries. Person-level
rows (names, ids, individual scores) go only to viewers with person-level rights; other viewers get
aggregates in which groups smaller than the suppression threshold are masked (with a complementary mask where
exactly one group of a breakdown is small), or empty frames where there is nothing to aggregate.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period, add_months, month_end, month_start
from analytics.core.windows import rep_accounts_params
from analytics.metrics.suppression import mask_table
from analytics.people import skills, talent
from analytics.people import training as train
from analytics.sales import ka_continuity
from analytics.sales import matching as match


# ── helpers ────────────────────────────────────────────────────────────
def _profiles(db: Database, viewer: Viewer, as_of: dt.date) -> skills.Profiles:
    return skills.load_profiles(db, viewer, as_of)


def _catalogues(db: Database) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return db.query("role_catalogue"), db.query("skill_requirements"), db.query("course_catalogue")


def _team_names(db: Database) -> pl.DataFrame:
    return db.query("org_tree").select(team="org_unit_id", team_en="name_en", team_zh="name_zh")


def _last_month(as_of: dt.date) -> dt.date:
    """The last complete month on ``as_of`` (its first day)."""
    return month_start(as_of) if as_of == month_end(as_of) else add_months(as_of, -1)


# ── profiles ───────────────────────────────────────────────────────────
@dataclass(frozen=True)
class ProfileView:
    people: pl.DataFrame      # one row per person (person-level viewers; empty otherwise)
    tiers: pl.DataFrame       # team, tier, people (masked for aggregate viewers)
    excluded: dict[str, int]  # bad input rows left out, per table.issue
    window: skills.Window


def profiles(db: Database, viewer: Viewer, as_of: dt.date, rules: skills.TierRules | None = None) -> ProfileView:
    """Skill profiles (员工画像) of everyone in scope on ``as_of``, and the tier counts per team."""
    prof = skills.load_profiles(db, viewer, as_of, rules)
    tiers = prof.people.with_columns(team=pl.coalesce("team_id", "org_unit_id")).group_by("team", "tier").agg(
        people=pl.len()).sort("team", "tier")
    tiers = mask_table(tiers, viewer, "people", [], part=["team"])
    people = prof.people if viewer.person_level else prof.people.clear()
    return ProfileView(people, tiers, prof.excluded, prof.window)


def radar(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date) -> pl.DataFrame:
    """Per skill: the person's score vs their role's requirement vs their team's median (person-level only)."""
    if not viewer.person_level:
        return pl.DataFrame()
    return skills.radar(_profiles(db, viewer, as_of), db.query("skill_requirements"), employee_id)


@dataclass(frozen=True)
class ArchetypeView:
    centroids: pl.DataFrame   # cluster, archetype, name_en, name_zh, n, the features' means
    members: pl.DataFrame     # employee_id, name, role_id, team_id, cluster, archetype, features (person-level)
    k: int
    silhouette: float
    silhouettes: dict[int, float]
    n_excluded: int


def archetypes(db: Database, viewer: Viewer, as_of: dt.date, k: int | None = None,
               random_state: int = 0) -> ArchetypeView | None:
    """Selling archetypes of the reps in scope (None with fewer than 10 reps to cluster)."""
    prof = _profiles(db, viewer, as_of)
    fit = skills.archetypes(prof.people, k=k, random_state=random_state)
    if fit is None:
        return None
    cent = mask_table(fit.centroids, viewer, "n", list(skills.ARCHETYPE_FEATURES))
    members = fit.members.join(prof.people.select("employee_id", "name", "team_id"), on="employee_id", how="left")
    return ArchetypeView(cent, members if viewer.person_level else members.clear(), fit.k, fit.silhouette,
                         fit.silhouettes, fit.n_excluded)


def gap_heatmap(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """Skills × teams: team median of (latest score − role requirement), long format with names; cells with
    fewer assessed people than the threshold masked for aggregate viewers."""
    prof = _profiles(db, viewer, as_of)
    req = db.query("skill_requirements")
    heat = skills.gap_heatmap(prof, req)
    names = req.select("skill_id", skill_en="name_en", skill_zh="name_zh").unique("skill_id")
    heat = heat.join(_team_names(db), on="team", how="left").join(names, on="skill_id", how="left")
    return mask_table(heat, viewer, "n_assessed", ["median_gap", "median_score"], part=["skill_id"]).sort(
        "team", "skill_id")


def suggestions(db: Database, viewer: Viewer, employee_id: int | None, as_of: dt.date,
                top_skills: int = 3) -> pl.DataFrame:
    """Courses for a person's largest skill gaps (everyone in scope when ``employee_id`` is None)."""
    if not viewer.person_level:
        return pl.DataFrame()
    prof = _profiles(db, viewer, as_of)
    completed = db.query("completed_courses", as_of=as_of, **viewer.sql_params())
    return skills.suggestions(prof, db.query("skill_requirements"), db.query("course_catalogue"), completed,
                              employee_id, top_skills)


# ── talent review ──────────────────────────────────────────────────────
@dataclass(frozen=True)
class NineBoxView:
    counts: pl.DataFrame      # performance, potential_band, name_en, name_zh, people (masked for aggregates)
    people: pl.DataFrame      # person-level rows with their box (empty for aggregate viewers)
    not_reviewed: int         # people in scope with no review on or before the as-of date


def nine_box(db: Database, viewer: Viewer, as_of: dt.date) -> NineBoxView:
    prof = _profiles(db, viewer, as_of)
    counts = mask_table(talent.nine_box_counts(prof.people), viewer, "people", [])
    people = talent.nine_box_people(prof.people)
    return NineBoxView(counts, people if viewer.person_level else people.clear(),
                       prof.people.height - people.height)


def readiness(db: Database, viewer: Viewer, as_of: dt.date,
              rules: talent.ReadinessRules | None = None) -> pl.DataFrame:
    """Promotion readiness per person (person-level), or people per role × flag for aggregate viewers."""
    prof = _profiles(db, viewer, as_of)
    roles, req, cat = _catalogues(db)
    ready = talent.readiness(prof.people, prof.scores, roles, req, cat, rules)
    if viewer.person_level:
        return ready
    counts = ready.group_by("role_id", "next_role", "flag").agg(people=pl.len()).sort("role_id", "flag")
    return mask_table(counts, viewer, "people", [], part=["role_id"])


def internal_moves(db: Database, viewer: Viewer, as_of: dt.date, rules: talent.MoveRules | None = None
                   ) -> pl.DataFrame:
    """Candidates for internal moves (person-level), or their number per target role for aggregate viewers."""
    prof = _profiles(db, viewer, as_of)
    roles, req, _ = _catalogues(db)
    moves = talent.internal_moves(prof.people, prof.scores, roles, req, rules)
    if viewer.person_level or moves.is_empty():
        return moves
    return mask_table(moves.group_by("to_role").agg(people=pl.len()).sort("to_role"), viewer, "people", [])


# ── KA matching and continuity ─────────────────────────────────────────
def _matching_inputs(db: Database, viewer: Viewer, as_of: dt.date):
    prof = _profiles(db, viewer, as_of)
    accounts = db.query("ka_accounts", start=prof.window.start, as_of=as_of, **viewer.sql_params())
    reps = db.query("rep_accounts", **rep_accounts_params(as_of), **viewer.sql_params()).drop(
        "scope_unit", "scope_region")
    return prof, accounts, reps


def ka_matching(db: Database, viewer: Viewer, as_of: dt.date, capacity: int | None = None,
                weights: match.FitWeights | None = None) -> match.Matching:
    """The suggested KA owners (person-level), or for aggregate viewers the same solution summarised per
    region (accounts, kept with today's owner, moved, mean fit and gain) with ``reps`` emptied."""
    prof, accounts, reps = _matching_inputs(db, viewer, as_of)
    result = match.ka_matching(accounts, prof.people, reps, capacity, weights)
    if viewer.person_level:
        return result
    by_region = result.accounts.group_by("region_id").agg(
        accounts=pl.len(), kept=pl.col("keep").sum(), unassigned=pl.col("suggested_id").is_null().sum(),
        mean_fit=pl.col("fit").mean(), mean_owner_fit=pl.col("owner_fit").mean(), mean_gain=pl.col("gain").mean(),
    ).sort("region_id")
    return replace(result, accounts=by_region, reps=result.reps.clear())


def continuity(db: Database, viewer: Viewer, as_of: dt.date, capacity: int | None = None, horizon: int = 6,
               rules: ka_continuity.ContinuityRules | None = None) -> pl.DataFrame:
    """KA accounts whose owner has left, is leaving or is at high flight risk (``risk_report.scores`` and
    ``high_risk_threshold``, ``horizon`` months), with a skill-matched backup where one has spare capacity.
    Aggregate viewers get accounts per region × status with how many have a (skill-matched) backup."""
    from analytics.people import risk_report
    prof, accounts, reps = _matching_inputs(db, viewer, as_of)
    # the one model's probabilities for the people in scope; only aggregates leave here for aggregate viewers
    ranked = risk_report.scores(db, viewer, as_of, horizon).select("employee_id", "probability")
    if ranked.is_empty():
        ranked, threshold = pl.DataFrame(schema={"employee_id": pl.Int64, "probability": pl.Float64}), 1.0
    else:
        threshold = risk_report.high_risk_threshold(ranked["probability"])
    out = ka_continuity.continuity(accounts, prof.people, reps, ranked, threshold, capacity, rules=rules)
    if viewer.person_level or out.is_empty():
        return out
    counts = out.group_by("region_id", "status").agg(
        accounts=pl.len(), with_backup=pl.col("backup_id").is_not_null().sum(),
        skill_matched=pl.col("skill_matched").sum()).sort("region_id", "status")
    return mask_table(counts, viewer, "accounts", ["with_backup", "skill_matched"], part=["region_id"])


# ── training ───────────────────────────────────────────────────────────
@dataclass(frozen=True)
class CompletionView:
    completion: pl.DataFrame  # course_id, course names, tier, enrolments, completed, completion_rate
    excluded: dict[str, int]


def training_completion(db: Database, viewer: Viewer, period: Period, as_of: dt.date | None = None
                        ) -> CompletionView:
    """METRICS ``training_completion`` for enrolments started in the period, per course and tier (tier as of
    the period end, or ``as_of`` when earlier). Enrolments of unknown people or courses are left out and
    counted in ``excluded``."""
    day = min(period.end, as_of) if as_of else period.end
    enrol = db.query("enrolment_facts", start=period.start, end=period.end, **viewer.sql_params())
    prof = _profiles(db, viewer, day)
    out = train.completion(enrol, prof.people.select("employee_id", "tier"), as_of)
    names = db.query("course_catalogue").select("course_id", course_en="name_en", course_zh="name_zh")
    out = out.join(names, on="course_id", how="left")
    out = mask_table(out, viewer, "enrolments", ["completed", "completion_rate"], part=["course_id"])
    return CompletionView(out, {k: v for k, v in prof.excluded.items() if k.startswith("enrollments")})


def pre_post(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """Mean pre and post assessment score per course with the paired difference and its 95% interval."""
    enrol = db.query("enrolment_facts", start=dt.date(1900, 1, 1), end=as_of, **viewer.sql_params())
    out = train.pre_post(enrol, as_of).join(
        db.query("course_catalogue").select("course_id", course_en="name_en", course_zh="name_zh"),
        on="course_id", how="left")
    return mask_table(out, viewer, "n", ["mean_pre", "mean_post", "mean_diff", "ci_low", "ci_high"])


def training_effect(db: Database, viewer: Viewer, course_id: str, as_of: dt.date,
                    design: train.DidDesign | None = None) -> train.TrainingEffect:
    """Difference-in-differences of the course's target metric (see analytics.people.training); the stacked units
    are person-level and go to person-level viewers only; fewer trained people than the threshold → masked."""
    course = db.query("course_catalogue").filter(pl.col("course_id") == course_id)
    target = course["target_metric"][0] if course.height else None
    first = db.query("data_range").row(0)[0] or month_start(as_of)
    last = _last_month(as_of)
    panel = db.query("rep_month_sales", start=first, end=last, as_of=as_of, hired_from=None, **viewer.sql_params())
    enrol = db.query("enrolment_facts", start=dt.date(1900, 1, 1), end=as_of, **viewer.sql_params())
    effect = train.training_effect(panel, enrol, course_id, target, last, design)
    if viewer.person_level:
        return effect
    if effect.n_treated < viewer.suppression_threshold:
        nums = dict.fromkeys(["pre_treated", "post_treated", "pre_control", "post_control", "did", "ci_low",
                              "ci_high", "lift", "lift_ci_low", "lift_ci_high"])
        return replace(effect, **nums, units=pl.DataFrame(), note=effect.note or "masked: too few people")
    return replace(effect, units=pl.DataFrame())


def onboarding_effect(db: Database, viewer: Viewer, as_of: dt.date, years: int = 3,
                      rules: train.OnboardingRules | None = None) -> pl.DataFrame:
    """Mentoring in the first month and the 30-day plan against probation exits and ramp (months 2–6), for
    reps hired in the last ``years`` years; groups under the threshold masked for aggregate viewers."""
    start = dt.date(as_of.year - years, as_of.month, 1)
    hires = db.query("new_hire_outcomes", start=start, as_of=as_of, **viewer.sql_params())
    panel = db.query("rep_month_sales", start=start, end=month_start(as_of), as_of=as_of, hired_from=start,
                     **viewer.sql_params())
    out = train.onboarding_effect(hires, panel, as_of, rules)
    if viewer.person_level:
        return out
    # a factor has two groups and a difference between them: one small group masks the whole factor
    small = pl.min_horizontal(pl.col("probation_cohort").fill_null(0), pl.col("ramp_reps").fill_null(0)) \
        < viewer.suppression_threshold
    hide = small.any().over("factor")
    values = [c for c in out.columns if c not in {"factor", "level", "hires"}]
    return out.with_columns(masked=hide).with_columns(
        [pl.when(pl.col("masked")).then(None).otherwise(pl.col(c)).alias(c) for c in [*values, "hires"]])


def course_names(db: Database, viewer: Viewer, lang: str = "en") -> dict[str, str]:
    """Course id → name in ``lang``, for pickers."""
    rows = db.sql(f"select course_id, {'name_zh' if lang == 'zh' else 'name_en'} as name from courses order by 1")
    return dict(zip(rows["course_id"].to_list(), rows["name"].to_list(), strict=True))
