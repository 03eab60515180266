"""Training effect: completion, pre/post scores, the effect on each course's target metric, and onboarding.

- ``training_completion`` (docs/metrics.md): completed enrolments ÷ enrolments, by course and talent tier.
- Pre/post: mean pre and post score (0–100) per course and the paired difference with a t interval.
- ``training_uplift`` (docs/metrics.md): a matched, stacked difference-in-differences on the course's target
  metric per rep and quarter — (trained after − before) − (comparable untrained after − before) — with a
  95% cluster (person) bootstrap interval from a fixed seed. Comparable = same role in the completion month,
  not enrolled in the course by the end of the post window, established on the metric before (like the
  trained), in the same tercile of the pre-period level.
- Onboarding: the 30-day plan (tasks done ÷ total) and a mentor in the first month against ramp
  (attainment in tenure months 2–6) and probation exits, with bootstrap intervals on the differences.
  These are comparisons, not experiments: the groups may differ in other ways.

The method and its choices are written out in docs/talent.md. Inputs: ``enrolment_facts``,
``rep_month_sales`` and ``new_hire_outcomes``; the estimators below are pure.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse, stats

from analytics.sales import quota

# What each course's target_metric is measured with, on the rep × month panel (rep_month_sales).
# ka_share → KA bookings: the KA course is meant to grow KA business; the share moves little where KA is
# already most of a rep's book, and it is the amount the sales director plans with.
TARGET_OUTCOMES: dict[str, str] = {
    "ka_share": "ka_bookings", "ka_bookings": "ka_bookings", "bookings": "bookings",
    "new_customers": "new_customer_bookings", "new_customer_bookings": "new_customer_bookings",
    "attainment": "attainment",
}


# ── completion and pre/post ────────────────────────────────────────────
def completion(enrolments: pl.DataFrame, tiers: pl.DataFrame, as_of: dt.date | None = None) -> pl.DataFrame:
    """Completed enrolments ÷ enrolments per course and tier (tier as of the period end; 'left' for people
    no longer employed then). A completion counts when flagged and dated on or before ``as_of`` (if given).
    Columns: course_id, tier, enrolments, completed, completion_rate — one row per course with tier 'all'."""
    done = pl.col("completed")
    if as_of is not None:
        done = done & (pl.col("completed_date") <= as_of).fill_null(False)
    rows = enrolments.join(tiers.select("employee_id", "tier"), on="employee_id", how="left").with_columns(
        tier=pl.col("tier").fill_null("left"), done=done)
    agg = [pl.len().alias("enrolments"), pl.col("done").sum().cast(pl.Int64).alias("completed")]
    by_tier = rows.group_by("course_id", "tier").agg(agg)
    total = rows.group_by("course_id").agg(agg).with_columns(tier=pl.lit("all"))
    return pl.concat([by_tier, total.select(by_tier.columns)]).with_columns(
        completion_rate=pl.col("completed") / pl.col("enrolments")).sort("course_id", "tier")


def pre_post(enrolments: pl.DataFrame, as_of: dt.date, level: float = 0.95) -> pl.DataFrame:
    """Per course, over completed enrolments (by ``as_of``) with both scores: n, mean pre, mean post, mean
    paired difference (post − pre) with its t interval. Columns: course_id, n, mean_pre, mean_post,
    mean_diff, ci_low, ci_high, n_missing_scores (completed but a score is missing or out of range)."""
    done = enrolments.filter(pl.col("completed") & (pl.col("completed_date") <= as_of).fill_null(False))
    paired = done.filter(pl.col("pre_score").is_not_null() & pl.col("post_score").is_not_null())
    out = paired.group_by("course_id").agg(
        n=pl.len(), mean_pre=pl.col("pre_score").mean(), mean_post=pl.col("post_score").mean(),
        mean_diff=(pl.col("post_score") - pl.col("pre_score")).mean(),
        sd_diff=(pl.col("post_score") - pl.col("pre_score")).std(),
    )
    missing = done.group_by("course_id").agg(n_done=pl.len())
    t = out.with_columns(
        half=pl.struct("n", "sd_diff").map_elements(
            lambda r: float(stats.t.ppf(0.5 + level / 2, r["n"] - 1) * r["sd_diff"] / np.sqrt(r["n"]))
            if r["n"] > 1 and r["sd_diff"] is not None else None, return_dtype=pl.Float64))
    return missing.join(t, on="course_id", how="left").select(
        "course_id", pl.col("n").fill_null(0).cast(pl.Int64), "mean_pre", "mean_post", "mean_diff",
        ci_low=pl.col("mean_diff") - pl.col("half"), ci_high=pl.col("mean_diff") + pl.col("half"),
        n_missing_scores=pl.col("n_done") - pl.col("n").fill_null(0),
    ).sort("course_id")


# ── difference-in-differences on the target metric ─────────────────────
@dataclass(frozen=True)
class DidDesign:
    """Windows in months around the completion month e: pre = e−6..e−1, post = e+1..e+6 (e itself is
    left out: the course is under way); effects are per rep per quarter (monthly mean × 3). Trained and
    comparable people alike must be established on the metric (bookings of the kind measured in at least
    ``min_active_pre_months`` of the pre months): without it, comparable people still ramping up (or just
    handed their first accounts) grow for reasons of their own and bias the difference down."""

    pre_months: int = 6
    post_months: int = 6
    min_active_pre_months: int = 5  # established on the metric: > 0 in at least 5 of the 6 months before
    strata: int = 3            # pre-period level terciles
    n_boot: int = 2000
    seed: int = 20250101
    level: float = 0.95


@dataclass(frozen=True)
class TrainingEffect:
    course_id: str
    outcome: str | None        # panel column measured (None: not estimable on the panel)
    n_treated: int             # people trained with a complete window and at least one comparable person
    n_control: int             # distinct comparable people
    n_cohorts: int             # completion months
    pre_treated: float | None  # per rep per quarter
    post_treated: float | None
    pre_control: float | None  # comparable people, weighted to the treated's strata
    post_control: float | None
    did: float | None          # (trained after − before) − (comparable after − before), per rep per quarter
    ci_low: float | None
    ci_high: float | None
    lift: float | None         # did ÷ (treated before + comparable change): relative to the counterfactual
    lift_ci_low: float | None
    lift_ci_high: float | None
    note: str = ""  # why nothing was estimated: "not_per_rep" or "no_comparison" (the page says it in words)
    units: pl.DataFrame = field(default_factory=pl.DataFrame)  # the stacked units behind it


def _months_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def did_units(panel: pl.DataFrame, enrolments: pl.DataFrame, course_id: str, outcome: str, last_month: dt.date,
              design: DidDesign) -> pl.DataFrame:
    """Stacked units, one per (completion month e, person, treated flag): pre and post means of the outcome
    (monthly; attainment = Σ bookings ÷ Σ quota) and the stratum. Treated: completed the course in month e.
    Comparable: same role in month e, not enrolled in the course by e + post_months, on the panel in every
    month of the window. Both: established on the metric (see :class:`DidDesign`). Strata: terciles of the
    pre level among the cohort × role's treated and comparable. The panel may come in any order.
    """
    course = enrolments.filter(pl.col("course_id") == course_id)
    done = course.filter(pl.col("completed") & pl.col("completed_date").is_not_null()).group_by("employee_id").agg(
        e=pl.col("completed_date").min())
    done = done.with_columns(e=pl.col("e").dt.year() * 12 + pl.col("e").dt.month() - 1)
    first_enrol = course.group_by("employee_id").agg(enrolled=pl.col("enrolled_date").min()).with_columns(
        enrolled=pl.col("enrolled").dt.year() * 12 + pl.col("enrolled").dt.month() - 1)
    last = _months_index(last_month)
    events = done.filter(pl.col("e") + design.post_months <= last)["e"].unique().sort().to_list()
    if not events:
        return pl.DataFrame()
    # the columns and months the windows use, of the people who held, in a completion month, a role a trained
    # person held then (no one else can be a unit), ordered by person and month (sums in a fixed order)
    p = panel.select("employee_id", "month", "role_id", *dict.fromkeys([_num(outcome), "quota"])).with_columns(
        mi=pl.col("month").dt.year().cast(pl.Int32) * 12 + pl.col("month").dt.month().cast(pl.Int32) - 1).filter(
        pl.col("mi").is_between(events[0] - design.pre_months, events[-1] + design.post_months))
    at_e = p.filter(pl.col("mi").is_in(events)).select("employee_id", "mi", "role_id")
    trained_roles = at_e.join(done.select("employee_id", mi=pl.col("e").cast(pl.Int32)), on=["employee_id", "mi"],
                              how="semi").select("mi", "role_id").unique()
    people = at_e.join(trained_roles, on=["mi", "role_id"], how="semi")["employee_id"].unique()
    p = p.filter(pl.col("employee_id").is_in(people.implode())).sort("employee_id", "month")
    units = []
    for e in events:
        lo, hi = e - design.pre_months, e + design.post_months
        # one pass per window: on the panel in every month of it, the role in month e, the sums before and after
        per = p.filter(pl.col("mi").is_between(lo, hi)).group_by("employee_id").agg(
            n=pl.col("mi").n_unique(),
            role_id=pl.col("role_id").filter(pl.col("mi") == e).first(),
            pre_b=pl.col(_num(outcome)).filter(pl.col("mi") < e).sum(),
            post_b=pl.col(_num(outcome)).filter(pl.col("mi") > e).sum(),
            active=(pl.col(_num(outcome)).filter(pl.col("mi") < e) > 0).sum(),
            pre_q=pl.col("quota").filter(pl.col("mi") < e).sum(),
            post_q=pl.col("quota").filter(pl.col("mi") > e).sum(),
        ).filter(pl.col("n") == hi - lo + 1).drop("n")
        treated = done.filter(pl.col("e") == e).select("employee_id")
        untouched = ~pl.col("employee_id").is_in(
            first_enrol.filter(pl.col("enrolled") <= hi)["employee_id"].implode())
        per = per.with_columns(treated=pl.col("employee_id").is_in(treated["employee_id"].implode()))
        per = per.filter((pl.col("treated") | untouched) & (pl.col("active") >= design.min_active_pre_months))
        per = per.with_columns(e=pl.lit(e))
        units.append(per)
    out = pl.concat(units)
    if outcome == "attainment":
        out = out.filter((pl.col("pre_q") > 0) & (pl.col("post_q") > 0)).with_columns(
            pre=pl.col("pre_b") / pl.col("pre_q"), post=pl.col("post_b") / pl.col("post_q"))
    else:
        out = out.with_columns(pre=pl.col("pre_b") / design.pre_months * 3,
                               post=pl.col("post_b") / design.post_months * 3)
    # the roles the trained held; strata within cohort × role
    roles = out.filter(pl.col("treated")).select("e", "role_id").unique()
    out = out.join(roles, on=["e", "role_id"])
    out = out.with_columns(
        stratum=(pl.col("pre").rank("ordinal").over("e", "role_id") - 1)
        * design.strata // pl.len().over("e", "role_id"))
    return out.select("e", "employee_id", "role_id", "treated", "stratum", "pre", "post").sort(
        "e", "role_id", "stratum", "employee_id")


def _num(outcome: str) -> str:
    return "bookings" if outcome == "attainment" else outcome


def did_estimate(units: pl.DataFrame, design: DidDesign) -> dict[str, float | int | None]:
    """ATT from stacked units: mean over the trained of (their change − the mean change of the comparable
    people in their cell), cells = cohort × role × stratum (cells without both trained and comparable people
    are dropped);
    95% interval from a person-level cluster bootstrap (trained and comparable people resampled separately)."""
    cells = _did_cells(units)
    if cells is None:
        return {}
    tr, ct, n_cells, (t_people, t_idx), (c_people, c_idx) = cells
    # per person and cell: units, Σ pre, Σ post. A bootstrap draw's weighted sums per cell are then one sparse
    # product, O(draws × (person, cell) pairs) instead of O(draws × units) scatter-adds
    t_sums = _person_cell_sums(t_idx, tr["cell"].to_numpy(), tr["pre"].to_numpy(), tr["post"].to_numpy(),
                               len(t_people), n_cells)
    c_sums = _person_cell_sums(c_idx, ct["cell"].to_numpy(), ct["pre"].to_numpy(), ct["post"].to_numpy(),
                               len(c_people), n_cells)

    def estimate(ts: np.ndarray, cs: np.ndarray) -> np.ndarray:
        """ts, cs: (B, 3 × n_cells) weighted unit counts, Σ pre and Σ post per cell of the trained and the
        comparable people → (B, 6) estimates. A trained unit counts when its cell has comparable weight."""
        tw, t_pre, t_post = np.split(ts, 3, axis=1)
        cw, c_pre, c_post = np.split(cs, 3, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            c_pre_m, c_post_m = c_pre / cw, c_post / cw          # comparable means per cell
        ok = (~np.isnan(c_pre_m)).astype(float)
        w = ok * tw
        return _did_rows(w.sum(axis=1), (ok * t_pre).sum(axis=1), (ok * t_post).sum(axis=1),
                         (w * np.nan_to_num(c_pre_m)).sum(axis=1), (w * np.nan_to_num(c_post_m)).sum(axis=1))

    point = estimate(np.ones((1, len(t_people))) @ t_sums, np.ones((1, len(c_people))) @ c_sums)[0]
    rng = np.random.default_rng(design.seed)
    # the same draws as one multinomial call of n_boot rows (rows are drawn one after another), in chunks
    ts = _multinomial_sums(rng, len(t_people), design.n_boot, t_sums)
    cs = _multinomial_sums(rng, len(c_people), design.n_boot, c_sums)
    boot = estimate(ts, cs)
    return _did_result(point, boot, design, tr, len(t_people), len(c_people))


def _did_rows(sw: np.ndarray, t_pre: np.ndarray, t_post: np.ndarray, c_pre: np.ndarray, c_post: np.ndarray
              ) -> np.ndarray:
    """From the counted trained weight ``sw`` and the weighted sums of the trained's pre and post and of their
    matched comparable means → (B, 6): pre_t, post_t, pre_c, post_c, did, lift."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pre_t, post_t, pre_c, post_c = t_pre / sw, t_post / sw, c_pre / sw, c_post / sw
        did = (post_t - pre_t) - (post_c - pre_c)
        lift = did / (pre_t + post_c - pre_c)
    return np.column_stack([pre_t, post_t, pre_c, post_c, did, lift])

def _did_cells(units: pl.DataFrame) -> tuple | None:
    """The trained and the comparable units of the cells with both (``cell``: a dense number), the number of
    cells, and per group the sorted people with each unit's index among them; None without trained units."""
    both = pl.col("treated").any().over("e", "role_id", "stratum") & (~pl.col("treated")).any().over(
        "e", "role_id", "stratum")
    cell = units.filter(both).with_columns(cell=(pl.struct("e", "role_id", "stratum").rank("dense") - 1).cast(
        pl.Int64))
    tr, ct = cell.filter(pl.col("treated")), cell.filter(~pl.col("treated"))
    if tr.is_empty():
        return None
    people = []
    for group in (tr, ct):
        ids = group["employee_id"].unique().sort()
        people.append((ids, np.searchsorted(ids.to_numpy(), group["employee_id"].to_numpy())))
    return tr, ct, int(cell["cell"].max()) + 1, people[0], people[1]


def _did_result(point: np.ndarray, boot: np.ndarray, design: DidDesign, tr: pl.DataFrame, n_treated: int,
                n_control: int) -> dict[str, float | int | None]:
    """The point estimates (pre_t, post_t, pre_c, post_c, did, lift) and the percentile intervals of did and
    lift from the bootstrap rows."""
    a = (1 - design.level) / 2
    lo, hi = np.nanquantile(boot[:, 4:], [a, 1 - a], axis=0)
    return {"pre_treated": point[0], "post_treated": point[1], "pre_control": point[2], "post_control": point[3],
            "did": point[4], "lift": point[5], "ci_low": lo[0], "ci_high": hi[0], "lift_ci_low": lo[1],
            "lift_ci_high": hi[1], "n_treated": n_treated, "n_control": n_control,
            "n_cohorts": int(tr["e"].n_unique())}


_CHUNK_CELLS = 1 << 22  # bootstrap weights drawn at a time (rows × people): 32 MB of int64, as many again as floats


def _person_cell_sums(person: np.ndarray, cell: np.ndarray, pre: np.ndarray, post: np.ndarray, n_people: int,
                      n_cells: int) -> sparse.csr_array:
    """(people × 3 n_cells) sparse: per person and cell, the number of units, Σ pre and Σ post."""
    n = np.ones(len(person))
    return sparse.csr_array((np.concatenate([n, pre, post]), (
        np.tile(person, 3), np.concatenate([cell, cell + n_cells, cell + 2 * n_cells]))),
        shape=(n_people, 3 * n_cells))


def _multinomial_sums(rng: np.random.Generator, n: int, n_boot: int, sums: sparse.csr_array) -> np.ndarray:
    """Person-level bootstrap weights (n draws with replacement from n people; ``rng.multinomial`` with
    ``size=n_boot``, drawn in chunks of rows) times ``sums`` → (n_boot, columns of ``sums``)."""
    out = np.empty((n_boot, sums.shape[1]))
    p = np.full(n, 1 / n)
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for lo in range(0, n_boot, step):
        rows = min(step, n_boot - lo)
        out[lo:lo + rows] = rng.multinomial(n, p, size=rows).astype(float) @ sums
    return out


def training_effect(panel: pl.DataFrame, enrolments: pl.DataFrame, course_id: str, target_metric: str | None,
                    last_month: dt.date, design: DidDesign | None = None) -> TrainingEffect:
    """The course's effect on its target metric (see the module doc); ``last_month`` = the last complete
    month of the panel. Not estimable (all numbers None, ``note`` says why) without a panel measure for the
    metric or without trained people with a complete window and comparable people."""
    design = design or DidDesign()
    outcome = TARGET_OUTCOMES.get(target_metric or "")
    empty = dict.fromkeys(["pre_treated", "post_treated", "pre_control", "post_control", "did", "ci_low", "ci_high",
                           "lift", "lift_ci_low", "lift_ci_high"])
    if outcome is None:
        return TrainingEffect(course_id, None, 0, 0, 0, **empty,
                              note="not_per_rep")
    units = did_units(panel, enrolments, course_id, outcome, last_month, design)
    est = did_estimate(units, design) if not units.is_empty() else {}
    if not est:
        return TrainingEffect(course_id, outcome, 0, 0, 0, **empty,
                              note="no_comparison",
                              units=units)
    return TrainingEffect(course_id, outcome, **{k: (float(v) if isinstance(v, np.floating) else v)
                                                 for k, v in est.items()}, units=units)


# ── onboarding and mentoring ───────────────────────────────────────────
@dataclass(frozen=True)
class OnboardingRules:
    """plan_done = tasks done ÷ total ≥ ``plan_done_share`` in the first 30 days; ramp = Σ bookings ÷ Σ quota
    in tenure months ``ramp_months`` (1 = the hire month), over the months the person was there, for hires
    whose month 6 has ended; probation exits only for hires whose probation has ended by the as-of date."""

    plan_done_share: float = 0.9
    ramp_months: tuple[int, int] = (2, 6)
    n_boot: int = 2000
    seed: int = 20250101


def ramp_sums(panel: pl.DataFrame, rules: OnboardingRules) -> pl.DataFrame:
    """employee_id, b, q: bookings and quota summed over the tenure months in ``rules.ramp_months``."""
    lo, hi = rules.ramp_months
    rows = quota.with_tenure_month(panel.lazy()).filter(
        pl.col("tenure_month").is_between(lo, hi) & (pl.col("quota") > 0)).collect()
    return rows.group_by("employee_id").agg(b=pl.col("bookings").sum(), q=pl.col("quota").sum())


def onboarding_effect(hires: pl.DataFrame, panel: pl.DataFrame, as_of: dt.date,
                      rules: OnboardingRules | None = None) -> pl.DataFrame:
    """Ramp and probation exits by factor (``mentored``: a mentor in the first month; ``plan_done``: the
    30-day plan done), for new reps (career step 1, carrying quota).

    One row per (factor, level): hires, probation_cohort, probation_exits, probation_exit_rate, ramp_reps,
    ramp_attainment (Σ bookings ÷ Σ quota over the group), and on the ``True`` row the difference True −
    False with a bootstrap 95% interval (diff_*, *_ci_low, *_ci_high).
    """
    rules = rules or OnboardingRules()
    reps = hires.filter((pl.col("career_step") == 1) & pl.col("carries_quota")).with_columns(
        plan_done=(pl.col("onboarding_done") >= rules.plan_done_share).fill_null(False),
        in_cohort=pl.col("probation_end") <= as_of,
        ramp_ended=pl.col("hire_date").dt.offset_by(f"{rules.ramp_months[1]}mo").dt.month_start() <= as_of,
    )
    reps = reps.join(ramp_sums(panel, rules), on="employee_id", how="left").sort("employee_id")
    out = []
    rng = np.random.default_rng(rules.seed)
    for factor in ("mentored", "plan_done"):
        groups = {}
        for level in (True, False):
            g = reps.filter(pl.col(factor) == level)
            coh = g.filter(pl.col("in_cohort"))
            ramp = g.filter(pl.col("ramp_ended") & pl.col("q").is_not_null())
            groups[level] = (coh["probation_exit"].cast(pl.Float64).to_numpy(), ramp["b"].to_numpy(),
                             ramp["q"].to_numpy())
            out.append({"factor": factor, "level": level, "hires": g.height, "probation_cohort": coh.height,
                        "probation_exits": int(coh["probation_exit"].sum()),
                        "probation_exit_rate": float(coh["probation_exit"].mean()) if coh.height else None,
                        "ramp_reps": ramp.height,
                        "ramp_attainment": float(ramp["b"].sum() / ramp["q"].sum()) if ramp.height else None})
        diffs = _diff_ci(groups[True], groups[False], rng, rules.n_boot)
        out[-2].update(diffs)
    frame = pl.DataFrame(out)
    for col in ("diff_exit_rate", "exit_ci_low", "exit_ci_high", "diff_ramp", "ramp_ci_low", "ramp_ci_high"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(col))
    return frame


def _diff_ci(a: tuple, b: tuple, rng: np.random.Generator, n_boot: int) -> dict[str, float | None]:
    """True − False differences of the exit rate and of the ramp ratio, with percentile bootstrap intervals
    (people resampled within each group)."""
    out: dict[str, float | None] = {}
    (ea, ba, qa), (eb, bb, qb) = a, b
    if len(ea) and len(eb):
        d = _boot_means(ea, rng, n_boot) - _boot_means(eb, rng, n_boot)
        out |= {"diff_exit_rate": float(ea.mean() - eb.mean()), "exit_ci_low": float(np.quantile(d, 0.025)),
                "exit_ci_high": float(np.quantile(d, 0.975))}
    if len(ba) and len(bb) and qa.sum() > 0 and qb.sum() > 0:
        sa, sb = _boot_sums(ba + 1j * qa, rng, n_boot), _boot_sums(bb + 1j * qb, rng, n_boot)
        d = sa.real / sa.imag - sb.real / sb.imag
        out |= {"diff_ramp": float(ba.sum() / qa.sum() - bb.sum() / qb.sum()),
                "ramp_ci_low": float(np.quantile(d, 0.025)), "ramp_ci_high": float(np.quantile(d, 0.975))}
    return out


_CHUNK_DRAWS = 1 << 20  # resampling indices drawn at a time (8 MB): larger blocks only cost page faults


def _boot_means(x: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement, the size of ``x``). For 0/1 values (exit flags) the
    number of ones in a resample is Binomial(n, share of ones): drawn directly, O(n_boot)."""
    if np.isin(x, (0.0, 1.0)).all():
        return rng.binomial(len(x), x.mean(), n_boot) / len(x)
    return _boot_sums(x, rng, n_boot) / len(x)


def _boot_sums(x: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Sums of ``n_boot`` resamples of ``x`` (with replacement, its size), drawn in chunks of rows. A complex
    ``x`` resamples two columns (real, imaginary) with the same people."""
    out = np.empty(n_boot, dtype=x.dtype)
    step = max(1, _CHUNK_DRAWS // len(x))
    for lo in range(0, n_boot, step):
        rows = min(step, n_boot - lo)
        out[lo:lo + rows] = np.take(x, rng.integers(0, len(x), (rows, len(x)))).sum(axis=1)
    return out
