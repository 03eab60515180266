"""Talent review: the 9-box, promotion readiness along the sales ladder, and candidates for internal moves.

All functions are pure: they take the one-row-per-person frame of :func:`analytics.people.skills.build_profiles`
(placement, tenure, time in role, latest review, skill scores, courses, 12-month traits) plus the role and
course catalogues and the skill requirements. The rules are dataclasses with defaults, written out in
docs/talent.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analytics.core.review_values import effective_rating, vetoed

# ── 9-box (docs/metrics.md ``nine_box``) ─────────────────────────────────────
PERFORMANCE_BANDS = ("low", "mid", "high")   # rating 1–2, 3, 4–5
POTENTIAL_BANDS = ("low", "mid", "high")     # potential 1, 2, 3
BOX_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("high", "high"): ("Star", "明星"),
    ("mid", "high"): ("Growth talent", "成长之星"),
    ("low", "high"): ("Rough diamond", "待发掘潜力"),
    ("high", "mid"): ("High performer", "高绩效骨干"),
    ("mid", "mid"): ("Core player", "中坚力量"),
    ("low", "mid"): ("Inconsistent player", "待观察"),
    ("high", "low"): ("Trusted professional", "专业骨干"),
    ("mid", "low"): ("Effective contributor", "稳定贡献者"),
    ("low", "low"): ("Under-performer", "待改进"),
}


def performance_band(rating: pl.Expr) -> pl.Expr:
    return pl.when(rating <= 2).then(pl.lit("low")).when(rating == 3).then(pl.lit("mid")).when(
        rating >= 4).then(pl.lit("high"))


def potential_band(potential: pl.Expr) -> pl.Expr:
    return pl.when(potential == 1).then(pl.lit("low")).when(potential == 2).then(pl.lit("mid")).when(
        potential == 3).then(pl.lit("high"))


def boxes() -> pl.DataFrame:
    """The nine boxes in reading order (potential high → low, performance low → high)."""
    rows = [(p, q, *BOX_NAMES[(p, q)]) for q in reversed(POTENTIAL_BANDS) for p in PERFORMANCE_BANDS]
    return pl.DataFrame(rows, schema=["performance", "potential_band", "name_en", "name_zh"], orient="row")


def with_veto(people: pl.DataFrame) -> pl.DataFrame:
    """``vetoed`` (the latest review carries a veto) and ``rating_effective`` (the rating that counts: capped under
    a veto, analytics/core/review_values.py) — a frame without a ``veto`` column has no vetoes."""
    veto = pl.col("veto") if "veto" in people.columns else pl.lit(None, pl.Boolean)
    return people.with_columns(vetoed=vetoed(veto), rating_effective=effective_rating(pl.col("rating"), veto))


def nine_box_people(people: pl.DataFrame) -> pl.DataFrame:
    """Everyone with a review on or before the as-of date, with their box (performance from the rating that counts:
    a veto puts it at low). People without one are left out."""
    return (
        with_veto(people).filter(pl.col("rating").is_not_null() & pl.col("potential").is_not_null())
        .with_columns(performance=performance_band(pl.col("rating_effective")),
                      potential_band=potential_band(pl.col("potential")))
        .join(boxes(), on=["performance", "potential_band"], how="left")
        .select("employee_id", "name", "role_id", "team_id", "region_id", "rating", "rating_effective", "vetoed",
                "potential", "review_quarter", "performance", "potential_band", "name_en", "name_zh")
        .sort("employee_id")
    )


def nine_box_counts(people: pl.DataFrame) -> pl.DataFrame:
    """People per box, all nine boxes listed (0 where empty). Columns: performance, potential_band, name_en,
    name_zh, people."""
    counts = nine_box_people(people).group_by("performance", "potential_band").agg(people=pl.len())
    return boxes().join(counts, on=["performance", "potential_band"], how="left").with_columns(
        pl.col("people").fill_null(0).cast(pl.Int64))


# ── promotion readiness ─────────────────────────────────────────────────
@dataclass(frozen=True)
class ReadinessRules:
    """Readiness for the next step of the ladder (career_step 1 rep → 2 supervisor → 3 regional manager).

    Criteria (each 1 point, potential 2 = half a point; a criterion that cannot apply is left out):
    time in the current role ≥ 18 months (step 1) / 24 months (step 2); results = 12-month attainment ≥ 1.0
    (not applicable to roles without quota); potential = 3; latest rating ≥ 4; a completed course of the
    ``course_category`` category (e.g. coaching for sales supervisors); skills = the mean shortfall against
    the next role's requirements ≤ 0.5 (assessed skills only; fails when none of them was assessed).
    score = points ÷ applicable criteria; ready_now = score ≥ 0.8 with potential 3, time in role met and
    results met (or not applicable); ready_later = score ≥ 0.5; otherwise not_yet.
    """

    months_in_role_step1: float = 18.0
    months_in_role_step2: float = 24.0
    min_attainment: float = 1.0
    min_rating: int = 4
    course_category: str = "management"
    max_skill_shortfall: float = 0.5
    ready_score: float = 0.8
    later_score: float = 0.5


CRITERIA = ("time_in_role", "results", "potential", "rating", "course", "skills")


def next_roles(roles: pl.DataFrame) -> pl.DataFrame:
    """career_step → the role one step up (the first role id at that step). Columns: career_step, next_role."""
    ladder = roles.filter(pl.col("career_step").is_not_null()).sort("career_step", "role_id")
    up = ladder.group_by("career_step").agg(next_role=pl.col("role_id").first())
    return up.with_columns(career_step=pl.col("career_step") - 1)


def next_role_shortfall(people: pl.DataFrame, scores: pl.DataFrame, requirements: pl.DataFrame,
                        target: str = "next_role") -> pl.DataFrame:
    """Per person: mean shortfall max(0, required − score) over the target role's required skills that were
    assessed, and how many of them were. Columns: employee_id, <target>, skill_shortfall, n_target_assessed."""
    req = requirements.select(pl.col("role_id").alias(target), "skill_id", "required_score")
    pairs = people.select("employee_id", target).join(req, on=target).join(
        scores.select("employee_id", "skill_id", "score"), on=["employee_id", "skill_id"], how="left")
    return pairs.group_by("employee_id", target).agg(
        skill_shortfall=(pl.col("required_score") - pl.col("score")).clip(lower_bound=0).mean(),
        n_target_assessed=pl.col("score").is_not_null().sum(),
    )


def readiness(people: pl.DataFrame, scores: pl.DataFrame, roles: pl.DataFrame, requirements: pl.DataFrame,
              catalogue: pl.DataFrame, rules: ReadinessRules | None = None) -> pl.DataFrame:
    """Readiness of everyone on the ladder below its top for the next role, with the criteria met and missed.

    Columns: employee_id, name, role_id, next_role, team_id, region_id, months_in_role, attainment_12m,
    potential, rating, prep_courses (completed courses of the category), skill_shortfall, score, flag,
    met (list of criteria), missing (list of criteria).
    """
    rules = rules or ReadinessRules()
    prep = set(catalogue.filter(pl.col("category") == rules.course_category)["course_id"].to_list())
    base = with_veto(people).filter(pl.col("career_step").is_not_null()).join(next_roles(roles), on="career_step")
    if base.is_empty():
        return base
    base = base.join(next_role_shortfall(base, scores, requirements), on=["employee_id", "next_role"], how="left")
    min_months = pl.when(pl.col("career_step") <= 1).then(rules.months_in_role_step1).otherwise(
        rules.months_in_role_step2)
    no_quota = ~pl.col("carries_quota")
    points = {
        "time_in_role": (pl.col("months_in_role") >= min_months).cast(pl.Float64),
        "results": pl.when(no_quota).then(None).otherwise(
            (pl.col("attainment_12m") >= rules.min_attainment).fill_null(False).cast(pl.Float64)),
        "potential": pl.when(pl.col("potential") >= 3).then(1.0).when(pl.col("potential") == 2).then(0.5)
        .otherwise(0.0),
        "rating": (pl.col("rating_effective") >= rules.min_rating).fill_null(False).cast(pl.Float64),
        "course": pl.col("courses").list.eval(pl.element().is_in(list(prep))).list.any().fill_null(False)
        .cast(pl.Float64),
        "skills": ((pl.col("skill_shortfall") <= rules.max_skill_shortfall) & (pl.col("n_target_assessed") > 0))
        .fill_null(False).cast(pl.Float64),
    }
    out = base.with_columns(**{f"c_{k}": v for k, v in points.items()}).with_columns(
        prep_courses=pl.col("courses").list.eval(pl.element().filter(pl.element().is_in(list(prep)))),
        score=pl.sum_horizontal([pl.col(f"c_{k}") for k in CRITERIA])
        / pl.sum_horizontal([pl.col(f"c_{k}").is_not_null().cast(pl.Float64) for k in CRITERIA]),
        met=pl.concat_list([pl.when(pl.col(f"c_{k}") >= 1).then(pl.lit(k)) for k in CRITERIA]).list.drop_nulls(),
        missing=pl.concat_list([pl.when(pl.col(f"c_{k}") < 1).then(pl.lit(k)) for k in CRITERIA]).list.drop_nulls(),
    ).with_columns(
        flag=pl.when((pl.col("score") >= rules.ready_score) & (pl.col("potential") >= 3)
                     & (pl.col("c_results").is_null() | (pl.col("c_results") >= 1)) & (pl.col("c_time_in_role") >= 1))
        .then(pl.lit("ready_now"))
        .when(pl.col("score") >= rules.later_score).then(pl.lit("ready_later"))
        .otherwise(pl.lit("not_yet"))
    )
    return out.select(
        "employee_id", "name", "role_id", "next_role", "team_id", "region_id", "months_in_role", "attainment_12m",
        "potential", "rating", "prep_courses", "skill_shortfall", "score", "flag", "met", "missing",
    ).sort(["score", "employee_id"], descending=[True, False])


# ── internal moves ─────────────────────────────────────────────────────
@dataclass(frozen=True)
class MoveRules:
    """Who might do better in another role (peers = people of the same role in scope).

    to ``customer_success``: a sales_rep strong in retention (repeat rate ≥ the peers' 75th percentile, or
    customer_retention score ≥ 4) AND weak in hunting (new-customer share ≤ the peers' 25th percentile, or
    prospecting score ≤ 2.5) AND under target (12-month attainment < 1.0).
    to ``ka_rep``: a sales_rep with KA share ≥ the peers' 75th percentile AND mean of the ka_management and
    negotiation scores ≥ 3.5 AND 12-month attainment ≥ 0.9.
    """

    from_role: str = "sales_rep"
    retention_quantile: float = 0.75
    retention_score: float = 4.0
    hunting_quantile: float = 0.25
    hunting_score: float = 2.5
    cs_max_attainment: float = 1.0
    ka_quantile: float = 0.75
    ka_skill: float = 3.5
    ka_min_attainment: float = 0.9


def _score(people: pl.DataFrame, skill: str) -> pl.Expr:
    col = f"score_{skill}"
    return pl.col(col) if col in people.columns else pl.lit(None, pl.Float64)


def internal_moves(people: pl.DataFrame, scores: pl.DataFrame, roles: pl.DataFrame, requirements: pl.DataFrame,
                   rules: MoveRules | None = None) -> pl.DataFrame:
    """Candidates for a move by :class:`MoveRules`, with the evidence and the shortfall against the target
    role's requirements. Columns: employee_id, name, role_id, to_role, team_id, reasons (list), repeat_rate,
    new_customer_share, ka_share, attainment_12m, skill_shortfall."""
    rules = rules or MoveRules()
    known = set(roles["role_id"].to_list())
    peers = people.filter(pl.col("role_id") == rules.from_role)
    if peers.is_empty():
        return pl.DataFrame()
    q_repeat = peers["repeat_rate"].quantile(rules.retention_quantile)
    q_new = peers["new_customer_share"].quantile(rules.hunting_quantile)
    q_ka = peers["ka_share"].quantile(rules.ka_quantile)
    retention = _score(peers, "customer_retention")
    prospecting = _score(peers, "prospecting")
    ka_skill = pl.mean_horizontal(_score(peers, "ka_management"), _score(peers, "negotiation"))
    flags = peers.with_columns(
        r_repeat=(pl.col("repeat_rate") >= q_repeat).fill_null(False) if q_repeat is not None else pl.lit(False),
        r_retention_skill=(retention >= rules.retention_score).fill_null(False),
        h_new=(pl.col("new_customer_share") <= q_new).fill_null(False) if q_new is not None else pl.lit(False),
        h_prospecting_skill=(prospecting <= rules.hunting_score).fill_null(False),
        cs_results=(pl.col("attainment_12m") < rules.cs_max_attainment).fill_null(False),
        k_share=(pl.col("ka_share") >= q_ka).fill_null(False) if q_ka is not None else pl.lit(False),
        k_skill=(ka_skill >= rules.ka_skill).fill_null(False),
        k_results=(pl.col("attainment_12m") >= rules.ka_min_attainment).fill_null(False),
    )

    def reasons(cols: list[str]) -> pl.Expr:
        return pl.concat_list([pl.when(pl.col(c)).then(pl.lit(c)) for c in cols]).list.drop_nulls()

    parts = []
    if "customer_success" in known:
        cs = flags.filter((pl.col("r_repeat") | pl.col("r_retention_skill"))
                          & (pl.col("h_new") | pl.col("h_prospecting_skill")) & pl.col("cs_results"))
        parts.append(cs.with_columns(to_role=pl.lit("customer_success"), reasons=reasons(
            ["r_repeat", "r_retention_skill", "h_new", "h_prospecting_skill", "cs_results"])))
    if "ka_rep" in known and rules.from_role != "ka_rep":
        ka = flags.filter(pl.col("k_share") & pl.col("k_skill") & pl.col("k_results"))
        parts.append(ka.with_columns(to_role=pl.lit("ka_rep"), reasons=reasons(["k_share", "k_skill", "k_results"])))
    if not parts:
        return pl.DataFrame()
    moves = pl.concat(parts)
    short = next_role_shortfall(moves, scores, requirements, target="to_role")
    return moves.join(short, on=["employee_id", "to_role"], how="left").select(
        "employee_id", "name", "role_id", "to_role", "team_id", "reasons", "repeat_rate", "new_customer_share",
        "ka_share", "attainment_12m", "skill_shortfall",
    ).sort("to_role", "employee_id")
