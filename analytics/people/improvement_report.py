"""Improvement plans for reps under target: the store (opened, reviewed and closed in the app) and their outcomes.

A plan is opened for a person on the coaching list (under ``list_rules().coaching_target`` in each of the last
``coaching_quarters`` completed quarters) with the cause found and the actions taken, and followed to a review date.
Its outcome is never typed: it is computed from the facts (``outcomes``). A plan is not a fact: a write keeps the
data version (no stored figure is retired, no panel rebuilt) and moves ``plans_version``, which the requests of the
figures that read plans carry.

Who may write: anyone who may open the person's page (person-level rights with the person in scope on the as-of
date, ``sql/queries/person_card.sql``). Who sees a plan: person-level viewers whose scope holds the person where they
sat on the day it was opened or where they sit now (``sql/queries/improvement_plans.sql``). Aggregate-only viewers
(analyst, admin) get no plan rows: ``plans`` and ``outcomes`` raise :class:`PlanError` (code ``person_level``);
they get ``summary`` (counts by cause or action, groups of fewer people than their threshold masked with
``mask_table``) and ``matched_comparison`` (rates masked when fewer treated people than the threshold).

Audit actions: ``improvement_plan_open``, ``improvement_plan_close``, ``improvement_plan_review`` (no text of the
note in the entry: it may be personal).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.list_rules import list_rules
from analytics.core.periods import Period, add_months, last_completed_quarters, quarter_of
from analytics.metrics.suppression import mask_table
from analytics.sales.scorecard import quarterly_attainment

CAUSES = ("skills", "attitude", "territory", "other")
ACTIONS = ("training", "mentor", "post")  # post: another post (role or team)
OUTCOMES = ("recovered", "not_recovered", "moved", "left", "pending")
MAX_NOTE = 500
ERRORS = ("person_level", "not_allowed", "left", "cause", "action", "review_date", "already_open", "too_long",
          "unknown", "closed", "by")  # PlanError codes
MAX_REVIEW_DAYS = 365
TREATED_DAYS = 120     # matched_comparison: a plan opened within this many days after the quarter's end
CONTROL_DAYS = 365     # ... and a control has no plan opened within this many days of it, either side
BOOTSTRAP = 2000


def _bump_plans(cur) -> None:
    cur.execute("insert or replace into meta select 'plans_version', cast(coalesce(max(cast(value as bigint)), 0) "
                "+ 1 as varchar) from meta where key = 'plans_version'")


def plans_version(db: Database) -> int:
    """A counter every plan write moves: plans are not facts, so the data version (and every stored figure) stays;
    the figures that read plans take this counter in their request instead (as a live review takes its
    meetings' counter)."""
    return int(db.meta("plans_version") or 0)


class PlanError(ValueError):
    """A refused read or edit; ``code`` names the reason (the page says it in the viewer's language)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# ── the store ──────────────────────────────────────────────────────────
def _may_edit(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date) -> pl.DataFrame:
    if not viewer.person_level:
        raise PlanError(f"{viewer.user} sees aggregates only.", "person_level")
    card = db.query("person_card", employee_id=int(employee_id), as_of=as_of, **viewer.sql_params())
    if card.is_empty():
        raise PlanError(f"{viewer.user} may not edit the plans of person {employee_id}.", "not_allowed")
    return card


def _note(note: str | None) -> str | None:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise PlanError(f"A note is at most {MAX_NOTE} characters.", "too_long")
    return note or None


def _check_review(review_date: dt.date, as_of: dt.date) -> None:
    if not as_of <= review_date <= as_of + dt.timedelta(days=MAX_REVIEW_DAYS):
        raise PlanError(f"A review date from {as_of} to {as_of + dt.timedelta(days=MAX_REVIEW_DAYS)}.", "review_date")


def open_plan(db: Database, viewer: Viewer, employee_id: int, cause: str, actions: set[str], review_date: dt.date,
              as_of: dt.date, note: str | None = None) -> int:
    """Open a plan for a person on ``as_of``; returns its id. Refused (:class:`PlanError` code): aggregate-only
    viewer (person_level); person not in scope (not_allowed); person left by ``as_of`` (left); cause not in
    ``CAUSES`` (cause); no action, or one not in ``ACTIONS`` (action); review date before ``as_of`` or more than a
    year on (review_date); a plan of the person still open (already_open); a note over 500 characters
    (too_long)."""
    card = _may_edit(db, viewer, employee_id, as_of)
    left = card["termination_date"][0]
    if left is not None and left <= as_of:
        raise PlanError(f"Person {employee_id} left on {left}.", "left")
    if cause not in CAUSES:
        raise PlanError(f"Unknown cause {cause!r}; one of {', '.join(CAUSES)}.", "cause")
    actions = set(actions)
    if not actions or actions - set(ACTIONS):
        raise PlanError(f"One or more actions of {', '.join(ACTIONS)}; got {sorted(actions)}.", "action")
    _check_review(review_date, as_of)
    note = _note(note)
    if db.scalar("select count(*) from improvement_plans where employee_id = $e and closed_on is null",
                 e=int(employee_id)):
        raise PlanError(f"Person {employee_id} has an open plan already.", "already_open")
    with db.transaction(bump=False) as cur:  # not a fact: plans_version moves instead
        _bump_plans(cur)
        plan_id = int(cur.execute("select coalesce(max(plan_id), 0) + 1 from improvement_plans").fetchone()[0])
        cur.execute(
            "insert into improvement_plans values ($i, $e, $on, $c, $t, $m, $p, $r, null, $n, $by, $at)",
            {"i": plan_id, "e": int(employee_id), "on": as_of, "c": cause, "t": "training" in actions,
             "m": "mentor" in actions, "p": "post" in actions, "r": review_date, "n": note, "by": viewer.user,
             "at": dt.datetime.now()})
        db.audit(cur, viewer.user, "improvement_plan_open", target=str(employee_id),
                 detail={"plan": plan_id, "cause": cause, "actions": sorted(actions)})
    return plan_id


def _plan_row(db: Database, viewer: Viewer, plan_id: int, as_of: dt.date) -> dict[str, object]:
    row = db.sql("select employee_id, closed_on from improvement_plans where plan_id = $i", i=int(plan_id))
    if row.is_empty():
        raise PlanError(f"No improvement plan {plan_id}.", "unknown")
    _may_edit(db, viewer, row["employee_id"][0], as_of)
    return row.row(0, named=True)


def close_plan(db: Database, viewer: Viewer, plan_id: int, as_of: dt.date, note: str | None = None) -> None:
    """Close an open plan on ``as_of`` (a note given replaces the plan's note). Refused: unknown plan (unknown),
    the rules of :func:`open_plan` on the person (person_level, not_allowed), closed already (closed)."""
    row = _plan_row(db, viewer, plan_id, as_of)
    if row["closed_on"] is not None:
        raise PlanError(f"Plan {plan_id} was closed on {row['closed_on']}.", "closed")
    note = _note(note)
    with db.transaction(bump=False) as cur:  # not a fact: plans_version moves instead
        _bump_plans(cur)
        cur.execute("update improvement_plans set closed_on = $d, note = coalesce($n, note) where plan_id = $i",
                    {"d": as_of, "n": note, "i": int(plan_id)})
        db.audit(cur, viewer.user, "improvement_plan_close", target=str(row["employee_id"]),
                 detail={"plan": int(plan_id)})


def set_review_date(db: Database, viewer: Viewer, plan_id: int, review_date: dt.date, as_of: dt.date) -> None:
    """Move an open plan's next review (at a review that keeps the plan open). Refused as :func:`close_plan`, and a
    date outside ``as_of`` … a year on (review_date)."""
    row = _plan_row(db, viewer, plan_id, as_of)
    if row["closed_on"] is not None:
        raise PlanError(f"Plan {plan_id} was closed on {row['closed_on']}.", "closed")
    _check_review(review_date, as_of)
    with db.transaction(bump=False) as cur:  # not a fact: plans_version moves instead
        _bump_plans(cur)
        cur.execute("update improvement_plans set review_date = $r where plan_id = $i",
                    {"r": review_date, "i": int(plan_id)})
        db.audit(cur, viewer.user, "improvement_plan_review", target=str(row["employee_id"]),
                 detail={"plan": int(plan_id)})


def _plans(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    # plans_version is not bound (the SQL does not read it): it keys the query's memo, which lives as long as the
    # data version does, and a plan write keeps that
    rows = db.query("improvement_plans", as_of=as_of, plan_id=None, plans_version=plans_version(db),
                    **viewer.sql_params())
    return rows.with_columns(
        actions=pl.concat_list([pl.when(pl.col(f"action_{a}")).then(pl.lit(a)) for a in ACTIONS]).list.drop_nulls(),
        is_open=pl.col("closed_on").is_null() | (pl.col("closed_on") > as_of),
    ).with_columns(overdue=pl.col("is_open") & (pl.col("review_date") < as_of))


def plans(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """The plans opened by ``as_of`` of the people in scope (see the module doc), oldest first: plan_id, employee_id,
    name, hire_date, termination_date, org_unit_id, team_id, region_id, role_id (now), unit_opened, role_opened,
    opened_on, cause, action_training, action_mentor, action_post, actions (list of ``ACTIONS``), review_date,
    closed_on, note, opened_by, created_at, is_open, overdue (open and the review date before ``as_of``).
    Aggregate-only viewers: :class:`PlanError` (person_level)."""
    if not viewer.person_level:
        raise PlanError(f"{viewer.user} sees aggregates only.", "person_level")
    return _plans(db, viewer, as_of)


# ── outcomes ───────────────────────────────────────────────────────────
def _quarters(db: Database, as_of: dt.date, fy_start: int) -> list[Period]:
    """Every quarter complete at ``as_of`` since the first month with quota, oldest first."""
    first = db.scalar("select min(month) from quotas")
    last = last_completed_quarters(as_of, 1, fy_start)[0]
    if first is None or first > last.end:
        return []
    start = quarter_of(first, fy_start).start
    n = (last.start.year - start.year) * 12 + last.start.month - start.month
    return last_completed_quarters(as_of, n // 3 + 1, fy_start)


def _attainment(db: Database, viewer: Viewer, quarters: list[Period], as_of: dt.date) -> pl.DataFrame:
    """Long: employee_id, idx (position in ``quarters``), quarter, end, attainment (the scorecard's, the rep in the
    viewer's scope at the quarter's end; no row without quota there)."""
    schema = {"employee_id": pl.Int64, "idx": pl.Int64, "quarter": pl.Utf8, "end": pl.Date, "attainment": pl.Float64}
    if not quarters:
        return pl.DataFrame(schema=schema)
    # the outcomes, both summaries and the comparison each start from it: derived once per data version and scope
    wide = db.derived("plan_attainment", {"quarters": tuple((q.start, q.end) for q in quarters), "as_of": as_of,
                                          **viewer.sql_params()},
                      lambda: quarterly_attainment(db, viewer, quarters, as_of))
    index = pl.DataFrame({"quarter": [q.label for q in quarters], "idx": list(range(len(quarters))),
                          "end": [q.end for q in quarters]}, schema_overrides={"idx": pl.Int64})
    return (wide.unpivot(index="employee_id", variable_name="quarter", value_name="attainment")
            .drop_nulls("attainment").join(index, on="quarter").select(list(schema)).cast(schema))


def _runs(att: pl.DataFrame, target: float, n: int) -> pl.DataFrame:
    """employee_id, idx, end of every quarter that ends a coaching run: under ``target`` in it and the n−1 before."""
    under = att.filter(pl.col("attainment") < target).select("employee_id", "idx", "end")
    runs = under
    for k in range(1, n):
        runs = runs.join(under.select("employee_id", pl.col("idx") + k), on=["employee_id", "idx"], how="semi")
    return runs


def _outcomes(db: Database, viewer: Viewer, as_of: dt.date, fy_start: int) -> pl.DataFrame:
    rules = list_rules()
    frame = _plans(db, viewer, as_of)
    quarters = _quarters(db, as_of, fy_start)
    att = _attainment(db, viewer, quarters, as_of).filter(
        pl.col("employee_id").is_in(frame["employee_id"].unique().to_list()))
    cal = []
    for day in frame["opened_on"].unique().to_list():
        q0 = quarter_of(day, fy_start)
        q1, q2 = quarter_of(add_months(q0.start, 3), fy_start), quarter_of(add_months(q0.start, 6), fy_start)
        cal.append({"opened_on": day, "quarter": q0.label, "quarter_1": q1.label, "quarter_2": q2.label,
                    "end_2": q2.end})
    cal = pl.DataFrame(cal, schema={"opened_on": pl.Date, "quarter": pl.Utf8, "quarter_1": pl.Utf8,
                                    "quarter_2": pl.Utf8, "end_2": pl.Date})
    frame = frame.join(cal, on="opened_on", how="left")
    for k in (1, 2):
        frame = frame.join(att.select("employee_id", pl.col("quarter").alias(f"quarter_{k}"),
                                      pl.col("attainment").alias(f"attainment_{k}")),
                           on=["employee_id", f"quarter_{k}"], how="left")
    # moved: a role or unit other than the one held on the opening day, on a day up to end_2 (and as_of)
    moves = db.sql("select employee_id, org_unit_id, role_id, valid_from from assignments "
                   "where list_contains($ids::bigint[], employee_id)", ids=frame["employee_id"].unique().to_list())
    other = (pl.col("org_unit_id") != pl.col("unit_opened")) | (pl.col("role_id") != pl.col("role_opened"))
    moved = (frame.select("plan_id", "employee_id", "opened_on", "end_2", "unit_opened", "role_opened")
             .join(moves, on="employee_id")
             .filter((pl.col("valid_from") > pl.col("opened_on"))
                     & (pl.col("valid_from") <= pl.min_horizontal("end_2", pl.lit(as_of)))
                     & other)
             .select("plan_id").unique())
    left = (pl.col("termination_date") <= pl.min_horizontal("end_2", pl.lit(as_of))).fill_null(False)
    at = [(pl.col(f"attainment_{k}") >= rules.coaching_target).fill_null(False) for k in (1, 2)]
    outcome = (pl.when(left).then(pl.lit("left"))
               .when(pl.col("plan_id").is_in(moved["plan_id"].to_list())).then(pl.lit("moved"))
               .when(pl.col("end_2") > as_of).then(pl.lit("pending"))
               .when(at[0] & at[1]).then(pl.lit("recovered"))
               .otherwise(pl.lit("not_recovered")))
    runs = _runs(att, rules.coaching_target, rules.coaching_quarters)
    signal = (frame.select("plan_id", "employee_id", "opened_on").join(runs, on="employee_id")
              .filter(pl.col("end") < pl.col("opened_on")).group_by("plan_id").agg(signal_end=pl.col("end").max()))
    return (frame.join(signal, on="plan_id", how="left")
            .with_columns(outcome=outcome,
                          days_to_plan=(pl.col("opened_on") - pl.col("signal_end")).dt.total_days())
            .sort("opened_on", "plan_id"))


def outcomes(db: Database, viewer: Viewer, as_of: dt.date, fy_start: int = 1, plans_version: int = 0) -> pl.DataFrame:
    """Per plan of :func:`plans` (all its columns), the outcome computed from the facts:

    - quarter (the fiscal quarter the plan was opened in), quarter_1 and quarter_2 (the two after it), end_2 (the
      last day of quarter_2), attainment_1 and attainment_2 (the scorecard's attainment there, the rep placed in the
      viewer's scope at the quarter's end; null without quota, out of scope, or not complete yet);
    - outcome, the first that holds: ``left`` — terminated on or before end_2 (and by ``as_of``); ``moved`` — a role
      or org unit other than the one held on opened_on, taken after it, up to end_2 (and ``as_of``; from
      ``assignments``; a plan whose action is another post so ends as moved); ``pending`` — quarter_2 not complete
      at ``as_of``; ``recovered`` — attainment ≥ ``list_rules().coaching_target`` in both quarter_1 and quarter_2;
      else ``not_recovered`` (no quota in one of them counts as not at target). Leaving and moving are decided as
      soon as they happen, before quarter_2 is over;
    - signal_end and days_to_plan: the end of the latest completed quarter before opened_on that closes a coaching
      run (attainment under the target in it and in the ``coaching_quarters`` − 1 before: the second quarter under
      target), and the days from it to opened_on; null when there is none;
    - overdue: still open and its review date before ``as_of`` (from :func:`plans`).

    Aggregate-only viewers: :class:`PlanError` (person_level) — they read :func:`summary`.
    """
    if not viewer.person_level:
        raise PlanError(f"{viewer.user} sees aggregates only.", "person_level")
    return _outcomes(db, viewer, as_of, fy_start)


def headline(outcomes: pl.DataFrame) -> dict[str, float | int | None]:
    """The page's cards from :func:`outcomes`: open plans, overdue reviews (open, review date passed),
    recovery_rate (``plan_recovery_rate`` over every cause: recovered ÷ decided) and the median days to a plan
    (``time_to_plan``)."""
    decided = outcomes.filter(pl.col("outcome") != "pending")
    return {"open": int(outcomes["is_open"].sum()), "overdue": int(outcomes["overdue"].sum()),
            "recovery_rate": float((decided["outcome"] == "recovered").mean()) if decided.height else None,
            "days_to_plan": outcomes["days_to_plan"].median()}


def summary_by(outcomes: pl.DataFrame, by: str, viewer: Viewer | None = None) -> pl.DataFrame:
    """Plans by ``by`` = "cause" (one row per ``CAUSES``) or "action" (one per ``ACTIONS``; a plan with two actions
    counts in both): plans, people (distinct), decided (outcome not pending), recovered, not_recovered, moved,
    left, pending, and recovery_rate = recovered ÷ decided (null when nothing is decided; moved and left count in
    the denominator: they did not recover under the plan). With an aggregate-only ``viewer``, rows of fewer people
    than its threshold are masked (``mask_table``, with a complement; adds ``masked``)."""
    if by == "cause":
        rows, keys = outcomes.select("cause", "employee_id", "outcome"), CAUSES
    elif by == "action":
        rows = pl.concat([outcomes.filter(pl.col(f"action_{a}")).select(
            pl.lit(a).alias("action"), "employee_id", "outcome") for a in ACTIONS])
        keys = ACTIONS
    else:
        raise PlanError(f"Summaries by cause or action, not {by!r}.", "by")
    counts = rows.group_by(by).agg(
        plans=pl.len(), people=pl.col("employee_id").n_unique(),
        decided=(pl.col("outcome") != "pending").sum(),
        **{o: (pl.col("outcome") == o).sum() for o in OUTCOMES})
    out = pl.DataFrame({by: list(keys)}).join(counts, on=by, how="left").with_columns(
        pl.exclude(by).fill_null(0).cast(pl.Int64)).with_columns(
        recovery_rate=pl.when(pl.col("decided") > 0).then(pl.col("recovered") / pl.col("decided")))
    if viewer is None:
        return out
    values = ["plans", "decided", *OUTCOMES, "recovery_rate"]
    return mask_table(out, viewer, "people", values, key=by)


def summary(db: Database, viewer: Viewer, as_of: dt.date, by: str, fy_start: int = 1,
            plans_version: int = 0) -> pl.DataFrame:
    """:func:`summary_by` over the plans in the viewer's scope, for any viewer (masked for aggregate-only ones).
    ``plans_version`` (here and in :func:`outcomes`, :func:`matched_comparison`): the :func:`plans_version` the
    request is for — part of a stored result's key, not read."""
    return summary_by(_outcomes(db, viewer, as_of, fy_start), by, viewer)


# ── plans against comparable reps without one ─────────────────────────
def _nearest(pool: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per point, the index in ``pool`` of the nearest row (Euclidean), the lowest index among equal distances."""
    from scipy.spatial import cKDTree

    k = min(32, len(pool))
    dist, found = cKDTree(pool).query(points, k=k)
    dist, found = dist.reshape(len(points), k), found.reshape(len(points), k)
    tied = dist <= dist[:, :1] + 1e-12
    return np.where(tied, found, np.iinfo(np.int64).max).min(axis=1)


def _chunks(total: int, size: int) -> list[int]:
    """``total`` split into chunks of at most ``size`` (bootstrap resamples drawn a chunk at a time: memory)."""
    return [min(size, total - start) for start in range(0, total, size)]


def matched_comparison(db: Database, viewer: Viewer, as_of: dt.date, fy_start: int = 1, seed: int = 0,
                       plans_version: int = 0) -> dict:
    """Recovery of reps with a plan against comparable reps without one, matched on attainment history.

    - Events: a rep × completed quarter Q, the rep in the viewer's scope, under ``list_rules().coaching_target`` in Q
      and in the quarter before (for ``coaching_quarters`` = N: in Q and the N−1 before: the coaching condition),
      with the two quarters after Q complete at ``as_of``.
    - Treated: events followed by a plan of the rep opened within 120 days after Q's last day — each plan treats
      one event only, the latest before it (120 days reach back over two quarter ends: the plan answers the newer
      one, and counting it twice would weigh it double). Controls: events with no plan of the rep opened within 365
      days of Q's last day, either side. Events in neither are left out.
    - Matching: each treated event to the nearest control by (attainment in Q−1, attainment in Q), Euclidean, with
      replacement, among the controls of the same Q when there is one (else among all); ties to the lowest rep id.
    - Outcome: recovered = attainment ≥ the target in both quarters after Q (no quota = not at target) and still
      employed at the end of the second (a move does not stop it).
    - Difference = treated rate − matched control rate (the mean over treated events of their own outcome minus
      their control's); 95% interval: percentiles 2.5 and 97.5 of 2000 bootstrap resamples of the treated events with
      their matched controls, drawn with ``numpy.random.default_rng(seed)``.

    Returns a dict: treated_rate, control_rate, difference, ci_low, ci_high (None when there is no treated event or
    no control), n_treated (treated events), n_treated_people, n_controls (control events in the pool),
    n_matched_controls (distinct control events used), target, masked. For aggregate-only viewers every value but
    the target is None and masked True when the treated or the control events hold fewer people than their
    threshold (rule 1 of analytics/metrics/suppression.py: value, counts and size).
    """
    rules = list_rules()
    quarters = _quarters(db, as_of, fy_start)
    att = _attainment(db, viewer, quarters, as_of)
    value = att.select("employee_id", "idx", "attainment")
    events = _runs(att, rules.coaching_target, rules.coaching_quarters).filter(
        pl.col("idx") + 2 <= len(quarters) - 1)
    events = events.join(value.select("employee_id", pl.col("idx") + 1, prev="attainment"),
                         on=["employee_id", "idx"], how="left").join(
        value.rename({"attainment": "now"}), on=["employee_id", "idx"], how="left")
    for k in (1, 2):
        events = events.join(value.select("employee_id", pl.col("idx") - k, pl.col("attainment").alias(f"after_{k}")),
                             on=["employee_id", "idx"], how="left")
    ends = pl.DataFrame({"idx": list(range(len(quarters))), "end_after": [q.end for q in quarters]},
                        schema_overrides={"idx": pl.Int64})
    people = db.sql("select employee_id, termination_date from employees")
    events = events.join(ends.with_columns(pl.col("idx") - 2), on="idx", how="left").join(
        people, on="employee_id", how="left").with_columns(
        recovered=((pl.col("after_1") >= rules.coaching_target) & (pl.col("after_2") >= rules.coaching_target)
                   & (pl.col("termination_date").is_null() | (pl.col("termination_date") > pl.col("end_after"))))
        .fill_null(False))
    opened = db.sql("select employee_id, opened_on from improvement_plans where opened_on <= $d", d=as_of)
    gap = (pl.col("opened_on") - pl.col("end")).dt.total_days()
    pairs = events.select("employee_id", "idx", "end").join(opened, on="employee_id").with_columns(gap=gap)
    first = (pairs.filter((pl.col("gap") > 0) & (pl.col("gap") <= TREATED_DAYS))
             .group_by("employee_id", "opened_on").agg(pl.col("idx").max()).select("employee_id", "idx").unique()
             .with_columns(treated=pl.lit(True)))
    close = pairs.filter(pl.col("gap").abs() <= CONTROL_DAYS).select("employee_id", "idx").unique().with_columns(
        close=pl.lit(True))
    events = events.join(first, on=["employee_id", "idx"], how="left").join(
        close, on=["employee_id", "idx"], how="left").with_columns(
        pl.col("treated", "close").fill_null(False)).sort("idx", "employee_id")
    treated = events.filter(pl.col("treated"))
    controls = events.filter(~pl.col("close"))
    out = {"treated_rate": None, "control_rate": None, "difference": None, "ci_low": None, "ci_high": None,
           "n_treated": treated.height, "n_treated_people": treated["employee_id"].n_unique(),
           "n_controls": controls.height, "n_matched_controls": 0, "target": rules.coaching_target, "masked": False}
    if not viewer.person_level and min(out["n_treated_people"], controls["employee_id"].n_unique()) \
            < viewer.suppression_threshold:
        return {**dict.fromkeys(out), "target": rules.coaching_target, "masked": True}
    if treated.is_empty() or controls.is_empty():
        return out
    c_xy = controls.select("prev", "now").to_numpy().astype(float)
    c_idx, c_out = controls["idx"].to_numpy(), controls["recovered"].to_numpy().astype(float)
    t_xy, t_idx = treated.select("prev", "now").to_numpy().astype(float), treated["idx"].to_numpy()
    picks = np.empty(treated.height, dtype=np.int64)
    for idx in np.unique(t_idx):  # one tree per quarter: nearest control, the first of ties (sorted by rep id)
        rows = np.flatnonzero(t_idx == idx)
        pool = np.flatnonzero(c_idx == idx)
        pool = pool if pool.size else np.arange(controls.height)
        picks[rows] = pool[_nearest(c_xy[pool], t_xy[rows])]
    t_out = treated["recovered"].to_numpy().astype(float)
    m_out = c_out[picks]
    diffs = t_out - m_out
    rng = np.random.default_rng(seed)
    boot = np.concatenate([diffs[rng.integers(0, diffs.size, size=(chunk, diffs.size))].mean(axis=1)
                           for chunk in _chunks(BOOTSTRAP, max(1, 20_000_000 // diffs.size))])
    out.update(treated_rate=float(t_out.mean()), control_rate=float(m_out.mean()), difference=float(diffs.mean()),
               ci_low=float(np.percentile(boot, 2.5)), ci_high=float(np.percentile(boot, 97.5)),
               n_matched_controls=int(np.unique(picks).size))
    return out
