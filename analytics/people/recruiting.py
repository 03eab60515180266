"""Recruiting pipelines (docs/metrics.md ``time_to_fill``, ``key_position_fill_rate``, ``funnel_conversion``,
``quality_of_hire``): requisitions, the application funnel, channels, recruiters and the referral programme.

Inputs are the frames of ``sql/queries/requisition_facts.sql``, ``application_facts.sql`` and
``hire_quality.sql`` (already limited to the viewer's scope). Rows that cannot be used (missing or
impossible dates, applications for unknown requisitions) are excluded and counted by reason, never dropped
silently; cohorts whose outcome cannot be known yet at the as-of date are excluded and counted too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise

import polars as pl

#: Funnel stages in order, with the column holding the date each was reached.
STAGES: list[tuple[str, str]] = [
    ("applied", "applied_date"), ("screened", "screened_date"), ("interviewed", "interviewed_date"),
    ("offered", "offered_date"), ("accepted", "accepted_date"),
]
#: Referral bonus (CNY) paid once per referral hire who passes probation (assumption: the data hold no
#: bonus payments; change it here or pass ``bonus=`` to :func:`referral_programme`).
REFERRAL_BONUS_CNY = 3000.0
#: Applications younger than this at the as-of date are still moving through the funnel: excluded and counted.
FUNNEL_SETTLE_DAYS = 60


@dataclass
class Cleaned:
    """Usable rows and the number of rows excluded per reason (reason → count)."""

    rows: pl.DataFrame
    excluded: dict[str, int] = field(default_factory=dict)


def _drop(frame: pl.DataFrame, rules: list[tuple[str, pl.Expr]]) -> Cleaned:
    excluded: dict[str, int] = {}
    for reason, bad in rules:
        n = frame.filter(bad).height
        if n:
            excluded[reason] = n
            frame = frame.filter(~bad)
    return Cleaned(frame, excluded)


def clean_requisitions(reqs: pl.DataFrame) -> Cleaned:
    """Requisitions with usable dates: an opening date, a target date, no fill or cancellation before opening."""
    opened = pl.col("opened_date")
    return _drop(reqs, [
        ("requisition without an opened date", opened.is_null()),
        ("requisition without a target date", pl.col("target_date").is_null()),
        ("requisition filled before it was opened", pl.col("filled_date") < opened),
        ("requisition cancelled before it was opened", pl.col("cancelled_date") < opened),
    ])


def clean_applications(apps: pl.DataFrame) -> Cleaned:
    """Applications for known requisitions with an application date and stage dates in order."""
    rules = [
        ("application for an unknown requisition", ~pl.col("known_requisition").fill_null(False)),
        ("application without an applied date", pl.col("applied_date").is_null()),
    ]
    for (_, prev), (name, col) in pairwise(STAGES):
        rules.append((f"application {name} before {prev.removesuffix('_date')}", pl.col(col) < pl.col(prev)))
    return _drop(apps, rules)


def _merge(*dicts: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _group(frame: pl.DataFrame, by: list[str], agg: list[pl.Expr]) -> pl.DataFrame:
    out = frame.group_by(by).agg(agg) if by else frame.select(agg)
    return out.sort(by, nulls_last=True) if by else out


# ── Requisitions ─────────────────────────────────────────────────────────
def open_requisitions(reqs: pl.DataFrame, day: dt.date, by: list[str] | tuple[str, ...] = ("region_id", "role_id"),
                      plan: pl.DataFrame | None = None) -> pl.DataFrame:
    """Requisitions open on ``day`` (opened ≤ day and not filled or cancelled by day), overdue ones (target date
    before day) and key positions, per group; ``plan`` (the group columns + ``planned``) is joined alongside."""
    by = list(by)
    is_open = (pl.col("opened_date") <= day) & ~(pl.col("filled_date") <= day).fill_null(False) \
        & ~(pl.col("cancelled_date") <= day).fill_null(False)
    rows = reqs.filter(is_open)
    out = _group(rows, by, [
        pl.len().alias("open"),
        (pl.col("target_date") < day).sum().alias("overdue"),
        pl.col("key_position").sum().alias("key_open"),
        (pl.lit(day) - pl.col("opened_date")).dt.total_days().median().alias("median_days_open"),
    ])
    if plan is not None and by:
        out = plan.join(out, on=by, how="full", coalesce=True).with_columns(
            pl.col("open", "overdue", "key_open").fill_null(0))
        out = out.with_columns(gap_to_plan=pl.col("planned").fill_null(0) - pl.col("open")).sort(by)
    return out


def time_to_fill(reqs: pl.DataFrame, start: dt.date, end: dt.date, by: list[str] | tuple[str, ...] = ()) \
        -> pl.DataFrame:
    """Calendar days from opening to offer accepted (``filled_date``, SHRM) of requisitions filled in [start, end]."""
    rows = reqs.filter(pl.col("filled_date").is_between(start, end)).with_columns(
        days=(pl.col("filled_date") - pl.col("opened_date")).dt.total_days())
    return _group(rows, list(by), [
        pl.len().alias("filled"), pl.col("days").median().alias("median_days"),
        pl.col("days").mean().alias("mean_days"), pl.col("days").quantile(0.9).alias("p90_days"),
    ])


def time_to_hire(apps: pl.DataFrame, start: dt.date, end: dt.date, by: list[str] | tuple[str, ...] = ("channel",)) \
        -> pl.DataFrame:
    """Days from application to offer accepted, for applications accepted in [start, end]."""
    rows = apps.filter(pl.col("accepted_date").is_between(start, end)).with_columns(
        days=(pl.col("accepted_date") - pl.col("applied_date")).dt.total_days())
    return _group(rows, list(by), [
        pl.len().alias("hires"), pl.col("days").median().alias("median_days"), pl.col("days").mean().alias("mean_days"),
    ])


def key_position_fill_rate(reqs: pl.DataFrame, start: dt.date, end: dt.date, as_of: dt.date,
                           by: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """Key-position requisitions filled by their target date ÷ key-position requisitions due in [start, end].

    Due = target date in the period and not after ``as_of`` (later targets are not yet due: counted in
    ``not_yet_due``); requisitions cancelled by their target date are excluded (``cancelled``)."""
    key = reqs.filter(pl.col("key_position") & pl.col("target_date").is_between(start, end))
    cancelled = (pl.col("cancelled_date") <= pl.col("target_date")).fill_null(False) & pl.col("filled_date").is_null()
    due = pl.col("target_date") <= as_of
    out = _group(key, list(by), [
        (due & ~cancelled).sum().alias("due"),
        (due & ~cancelled & (pl.col("filled_date") <= pl.col("target_date")).fill_null(False)).sum()
        .alias("filled_on_time"),
        (due & cancelled).sum().alias("cancelled"),
        (~due).sum().alias("not_yet_due"),
    ])
    return out.with_columns(fill_rate=pl.when(pl.col("due") > 0).then(pl.col("filled_on_time") / pl.col("due")))


# ── Funnel ───────────────────────────────────────────────────────────────
def observable_applications(apps: pl.DataFrame, start: dt.date, end: dt.date, as_of: dt.date,
                            settle_days: int = FUNNEL_SETTLE_DAYS) -> tuple[pl.DataFrame, int]:
    """Applications made in [start, end] whose funnel has had ``settle_days`` to play out by ``as_of``, and the
    number of applications in the period excluded because they are too recent.

    A recent application is left out even when it already ended in an accepted offer: keeping the recent
    successes while leaving out the recent ones still under way would show every stage near 100%."""
    rows = apps.filter(pl.col("applied_date").is_between(start, end))
    settled = pl.col("applied_date") <= as_of - dt.timedelta(days=settle_days)
    keep = rows.filter(settled)
    # stage dates after the as-of date are not known yet
    keep = keep.with_columns([pl.when(pl.col(c) <= as_of).then(pl.col(c)).alias(c) for _, c in STAGES])
    return keep, rows.height - keep.height


def funnel(apps: pl.DataFrame, by: list[str] | tuple[str, ...] = ("channel",), min_base: int | None = None
           ) -> pl.DataFrame:
    """Per group and stage: applications reaching the stage, conversion from the previous stage, share of those
    who applied, and the median days from the previous stage (docs/metrics.md ``funnel_conversion``).

    ``applied`` is the group's applications (the base of its shares); with ``min_base``, a group with fewer is
    flagged ``small_base`` and its conversion and share are left empty: its counts are shown, not its rates."""
    by = list(by)
    parts = []
    for i, (stage, col) in enumerate(STAGES):
        prev_col = STAGES[i - 1][1] if i else col
        agg = [
            pl.col(col).is_not_null().sum().alias("reached"),
            (pl.col(col) - pl.col(prev_col)).dt.total_days().median().alias("median_days_from_previous"),
        ]
        part = _group(apps, by, agg).with_columns(stage=pl.lit(stage), stage_index=pl.lit(i))
        parts.append(part)
    out = pl.concat(parts).sort([*by, "stage_index"])
    prev = pl.col("reached").shift(1).over(by) if by else pl.col("reached").shift(1)
    first = pl.col("reached").first().over(by) if by else pl.col("reached").first()
    out = out.with_columns(
        conversion=pl.when(pl.col("stage_index") == 0).then(1.0).when(prev > 0).then(pl.col("reached") / prev),
        share_of_applied=pl.when(first > 0).then(pl.col("reached") / first),
        applied=first,
        small_base=pl.lit(False) if min_base is None else first < min_base,
    )
    out = out.with_columns([pl.when(pl.col("small_base")).then(None).otherwise(pl.col(c)).alias(c)
                            for c in ("conversion", "share_of_applied")])
    return out.select(*by, "stage", "stage_index", "reached", "applied", "conversion", "share_of_applied",
                      "small_base", "median_days_from_previous")


def offer_acceptance(apps: pl.DataFrame, by: list[str] | tuple[str, ...] = ("channel",)) -> pl.DataFrame:
    """Accepted offers ÷ offers made, per group."""
    out = _group(apps, list(by), [pl.col("offered_date").is_not_null().sum().alias("offered"),
                                  pl.col("accepted_date").is_not_null().sum().alias("accepted")])
    return out.with_columns(acceptance_rate=pl.when(pl.col("offered") > 0).then(pl.col("accepted") / pl.col("offered")))


# ── Quality of hire ──────────────────────────────────────────────────────
def quality_of_hire(hires: pl.DataFrame, as_of: dt.date, by: list[str] | tuple[str, ...] = ("hire_source",)) \
        -> pl.DataFrame:
    """Quality of hire as its parts (no composite), each over the hires whose outcome is observable at ``as_of``:

    - probation pass rate: not left before the probation end, over hires whose probation ended by ``as_of``;
    - 12-month retention: still employed 365 days after hire, over hires at least 365 days before ``as_of``;
    - attainment in tenure months 4–12: mean over quota-carrying hires of Σ bookings ÷ Σ quota in those months,
      over hires whose month 12 ended by ``as_of`` and who had quota then.
    ``*_not_observable`` count the hires excluded from each part because it is too early to know."""
    term = pl.col("termination_date")
    prob_obs = pl.col("probation_end") <= as_of
    passed = term.is_null() | (term >= pl.col("probation_end"))
    ret_obs = pl.col("year_end") <= as_of
    retained = term.is_null() | (term >= pl.col("year_end"))
    att_obs = (pl.col("m12_end") <= as_of) & (pl.col("quota_m4_12") > 0)
    att = pl.col("bookings_m4_12") / pl.col("quota_m4_12")
    out = _group(hires, list(by), [
        pl.len().alias("hires"),
        prob_obs.sum().alias("probation_observed"),
        (prob_obs & passed).sum().alias("probation_passed"),
        (~prob_obs).sum().alias("probation_not_observable"),
        ret_obs.sum().alias("retention_observed"),
        (ret_obs & retained).sum().alias("retained_12m"),
        (~ret_obs).sum().alias("retention_not_observable"),
        att_obs.sum().alias("attainment_observed"),
        att.filter(att_obs).mean().alias("attainment_m4_12"),
    ])
    return out.with_columns(
        probation_pass_rate=pl.when(pl.col("probation_observed") > 0)
        .then(pl.col("probation_passed") / pl.col("probation_observed")),
        retention_12m=pl.when(pl.col("retention_observed") > 0)
        .then(pl.col("retained_12m") / pl.col("retention_observed")),
    )


# ── Referral programme ───────────────────────────────────────────────────
def referral_programme(hires: pl.DataFrame, apps: pl.DataFrame, start: dt.date, end: dt.date, as_of: dt.date,
                       bonus: float = REFERRAL_BONUS_CNY) -> dict[str, pl.DataFrame]:
    """Referrals (applications through the referral channel in [start, end]), referral hires (hired in the
    period), bonuses paid (``bonus`` per referral hire who passed probation by ``as_of``; those still in
    probation are pending) and how referred hires do against the others (quality of hire parts)."""
    refs = apps.filter(pl.col("applied_date").is_between(start, end) & (pl.col("channel") == "referral"))
    in_period = hires.filter(pl.col("hire_date").is_between(start, end))
    ref_hires = in_period.filter(pl.col("hire_source") == "referral")
    term = pl.col("termination_date")
    ended = pl.col("probation_end") <= as_of
    passed = ended & (term.is_null() | (term >= pl.col("probation_end")))
    summary = pl.DataFrame({
        "referrals": [refs.height],
        "referrers": [refs["referrer_id"].drop_nulls().n_unique()],
        "referral_offers": [int(refs["offered_date"].is_not_null().sum())],
        "referral_hires": [ref_hires.height],
        "bonus_per_hire": [bonus],
        "bonuses_paid": [int(ref_hires.filter(passed).height)],
        "bonus_amount_paid": [bonus * ref_hires.filter(passed).height],
        "bonuses_pending": [int(ref_hires.filter(~ended).height)],
        "hire_share": [ref_hires.height / in_period.height if in_period.height else None],
    })
    compare = quality_of_hire(
        in_period.with_columns(group=pl.when(pl.col("hire_source") == "referral").then(pl.lit("referral"))
                               .otherwise(pl.lit("other"))), as_of, by=["group"])
    return {"summary": summary, "comparison": compare}


# ── Loading (scope applied in SQL) ────────────────────────────────────────
def load(db, viewer, as_of: dt.date, start: dt.date | None = None) -> dict[str, object]:
    """The three frames of the recruiting pipelines for a viewer, cleaned, with exclusion counts.

    Returns ``{"requisitions": Cleaned, "applications": Cleaned, "hires": DataFrame}``; ``start`` limits the hires
    (default: everything)."""
    params = viewer.sql_params()
    reqs = clean_requisitions(db.query("requisition_facts", **params).sort("requisition_id"))
    apps = clean_applications(db.query("application_facts", **params).sort("application_id"))
    hires = db.query("hire_quality", start=start or dt.date(1900, 1, 1), as_of=as_of, **params).sort("employee_id")
    return {"requisitions": reqs, "applications": apps, "hires": hires}


def excluded_rows(*cleaned: Cleaned) -> dict[str, int]:
    """All exclusion counts of several cleaned frames, merged."""
    return _merge(*(c.excluded for c in cleaned))
