"""What the Care page and the person page show of the care signals (analytics/people/care.py), no Streamlit:
who has a signal on at the as-of date, team by team, with what was done; how many per team; and how much more
often people with a signal leave within six months than people without one, with a 95% interval.

The link to exits is measured on every month end with ``HORIZON`` months to follow, among the people employed
then: leaving rate with the signal on ÷ leaving rate with it off. A person is counted on each month end they are
employed, so the interval is a bootstrap that resamples people, not person-months (their months are not
independent)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import add_months, month_start
from analytics.core.settings import load_settings
from analytics.metrics.suppression import mask_table
from analytics.people import care

HORIZON = 6           # months: "leaves within six months"
BOOTSTRAP = 400       # person resamples for the interval
MIN_LEAVERS = 10      # fewer leavers with the signal: no ratio is shown (too noisy to act on)
LIST_COLUMNS = {"employee_id": pl.Int64, "name": pl.Utf8, "team_id": pl.Utf8, "org_unit_id": pl.Utf8,
                "rule_id": pl.Utf8, "since": pl.Date, "value": pl.Float64, "actions": pl.UInt32,
                "last_action": pl.Utf8, "last_done_on": pl.Date, "last_note": pl.Utf8}
SIGNAL_COLUMNS = ("employee_id", "name", "team_id", "org_unit_id", "rule_id", "since", "value")


def _month_of(as_of: dt.date) -> dt.date:
    return month_start(as_of)


def rules_seen(viewer: Viewer, rules: tuple[care.CareRule, ...] | None = None) -> tuple[care.CareRule, ...]:
    """The rules whose signals name people to this viewer (none for an aggregate viewer)."""
    return tuple(r for r in (rules or care.load_rules()) if care.may_see(viewer, r))


def _value(rule: care.CareRule) -> pl.Expr:
    """What the list shows beside a signal: the month's value, the engagement change, or nothing (a referral)."""
    if rule.test == "above_team":
        return pl.col(care.MONTHLY[rule.source]).cast(pl.Float64)
    if rule.test == "drop":
        return pl.col("engagement_change").cast(pl.Float64)
    return pl.lit(None, pl.Float64)


def signal_list(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """Everyone in scope with a signal on in the as-of month, one row per person and rule the viewer may see:
    name, team, since when (the first month of the run; a drop: the survey's date; a referral: its date) and the
    value behind it. Sorted by team, then name. What was done is read apart (:func:`attach_actions`): actions are
    written on the page and the figures here stay with the data version."""
    rules = rules_seen(viewer)
    columns = {k: v for k, v in LIST_COLUMNS.items() if k in SIGNAL_COLUMNS}
    if not rules:
        return pl.DataFrame(schema=columns)
    month = _month_of(as_of)
    months = care.signal_months(db, viewer, add_months(month, -24), month, rules)
    now = months.filter(pl.col("month") == month)
    parts = []
    for rule in rules:
        on = now.filter(pl.col(rule.column)).select("employee_id", "team_id", "org_unit_id", value=_value(rule))
        if on.height:
            parts.append(on.join(care.since(months, rule, month), on="employee_id", how="left")
                         .with_columns(rule_id=pl.lit(rule.id)))
    if not parts:
        return pl.DataFrame(schema=columns)
    rows = pl.concat(parts, how="diagonal_relaxed")
    names = db.sql("select employee_id, name from employees where list_contains($ids, employee_id)",
                   ids=rows["employee_id"].unique().to_list())
    return rows.join(names, on="employee_id", how="left").select(list(columns)).cast(columns).sort(
        pl.coalesce("team_id", "org_unit_id"), "name", "rule_id", nulls_last=True)


def attach_actions(db: Database, listed: pl.DataFrame) -> pl.DataFrame:
    """:func:`signal_list`'s rows with what was done since each signal began: ``actions`` (how many),
    ``last_action``, ``last_done_on``, ``last_note``."""
    done = care.actions(db, listed["employee_id"].unique().to_list())
    done = (listed.select("employee_id", "rule_id", "since").join(done, on=["employee_id", "rule_id"])
            .filter(pl.col("done_on") >= pl.col("since").dt.month_start())
            .sort("done_on", "action_id", descending=True)
            .group_by("employee_id", "rule_id", maintain_order=True)
            .agg(actions=pl.len(), last_action=pl.col("action").first(), last_done_on=pl.col("done_on").first(),
                 last_note=pl.col("note").first()))
    out = listed.join(done, on=["employee_id", "rule_id"], how="left", maintain_order="left").with_columns(
        pl.col("actions").fill_null(0))
    return out.select(list(LIST_COLUMNS)).cast(LIST_COLUMNS)


def headline(listed: pl.DataFrame) -> dict[str, int]:
    """The Care page's cards from :func:`attach_actions`' rows: people with a signal on, signals on, and people
    with at least one of their signals acted on."""
    return {"people_on": listed["employee_id"].n_unique(), "signals_on": listed.height,
            "handled": listed.filter(pl.col("actions") > 0)["employee_id"].n_unique()}


def team_counts(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """Per team in scope in the as-of month: people, people with any signal on, and per rule people with it
    (``n_<rule>``; confidential rules only for viewers who may see them). Small teams masked for aggregate
    viewers, as every published count."""
    rules = care.load_rules()
    month = _month_of(as_of)
    now = care.signal_months(db, viewer, month, month)
    shown = [r for r in rules if not r.confidential or "personal_details" in viewer.fields]
    team = pl.coalesce("team_id", "org_unit_id").alias("team")
    frame = now.group_by(team).agg(
        people=pl.len(),
        with_signal=pl.any_horizontal([pl.col(r.column) for r in shown]).sum() if shown else pl.lit(0),
        **{f"n_{r.id}": pl.col(r.column).sum() for r in shown}).sort("team")
    return mask_table(frame, viewer, "people", ["with_signal", *[f"n_{r.id}" for r in shown]], key="team")


def _left_within(db: Database, months: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """The person-month ends at which someone was employed (still there on the month's last day), with
    ``left`` = their last day falls in the ``horizon`` months after it."""
    ends = db.sql("select employee_id, termination_date from employees")
    rows = months.join(ends, on="employee_id", how="left").with_columns(
        month_end=pl.col("month").dt.month_end())
    rows = rows.filter(pl.col("termination_date").is_null() | (pl.col("termination_date") > pl.col("month_end")))
    return rows.with_columns(left=(pl.col("termination_date") <= pl.col("month_end").dt.offset_by(f"{horizon}mo")
                                   .dt.month_end()).fill_null(False))


def _interval(per_person: pl.DataFrame, seed: int = 0) -> tuple[float | None, float | None]:
    """95% interval of (leavers on ÷ months on) ÷ (leavers off ÷ months off), resampling people (Poisson
    weights, in chunks: the large company has 100,000 people)."""
    cols = [per_person[c].to_numpy().astype(np.float64) for c in ("n_on", "l_on", "n_off", "l_off")]
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(0, BOOTSTRAP, 50):
        w = rng.poisson(1.0, size=(50, per_person.height)).astype(np.float64)
        n_on, l_on, n_off, l_off = (w @ c for c in cols)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append((l_on / n_on) / (l_off / n_off))
    values = np.concatenate(ratios)
    values = values[np.isfinite(values)]
    if len(values) < BOOTSTRAP * 0.9:
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def exit_link(db: Database, viewer: Viewer, as_of: dt.date, horizon: int = HORIZON) -> pl.DataFrame:
    """Per rule, and for any signal: people and month ends with the signal on, the share of them leaving within
    ``horizon`` months against the share of the others, their ratio with a 95% interval. Measured on the month
    ends from the first with care facts to the last with ``horizon`` months to follow. No ratio (``small``) with
    fewer than MIN_LEAVERS leavers with the signal, or fewer people with it than the viewer's threshold."""
    rules = care.load_rules()
    first = db.scalar("select min(month) from attendance")
    last = add_months(month_start(as_of + dt.timedelta(days=1)), -horizon - 1)  # its follow-up ends by as_of
    schema = {"rule_id": pl.Utf8, "people_on": pl.Int64, "months_on": pl.Int64, "rate_on": pl.Float64,
              "rate_off": pl.Float64, "ratio": pl.Float64, "low": pl.Float64, "high": pl.Float64,
              "small": pl.Boolean}
    if first is None or first > last:
        return pl.DataFrame(schema=schema)
    rows = _left_within(db, care.signal_months(db, viewer, first, last, rules), horizon)
    rows = rows.with_columns(on_any=pl.any_horizontal([pl.col(r.column) for r in rules]))
    threshold = viewer.suppression_threshold if not viewer.person_level else load_settings().min_base
    out = []
    for rule_id, column in [*[(r.id, r.column) for r in rules], ("any", "on_any")]:
        on = pl.col(column)
        per_person = rows.group_by("employee_id").agg(
            n_on=on.sum(), l_on=(on & pl.col("left")).sum(), n_off=(~on).sum(), l_off=(~on & pl.col("left")).sum())
        people_on = int((per_person["n_on"] > 0).sum())
        n_on, l_on, n_off, l_off = (int(per_person[c].sum()) for c in ("n_on", "l_on", "n_off", "l_off"))
        rate_on = l_on / n_on if n_on else None
        rate_off = l_off / n_off if n_off else None
        small = l_on < MIN_LEAVERS or people_on < threshold or not rate_off
        ratio = None if small or rate_on is None else rate_on / rate_off
        low, high = _interval(per_person) if ratio is not None else (None, None)
        out.append({"rule_id": rule_id, "people_on": people_on, "months_on": n_on,
                    "rate_on": None if small else rate_on, "rate_off": rate_off if not small else None,
                    "ratio": ratio, "low": low, "high": high, "small": small})
    return pl.DataFrame(out, schema=schema)


def person_signals(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date, months: int = 12) -> pl.DataFrame:
    """The person's signals in the last ``months`` months: per rule the viewer may see, the months it was on (first,
    last, how many) and the actions recorded for it; rules never on are left out."""
    rules = rules_seen(viewer)
    month = _month_of(as_of)
    schema = {"rule_id": pl.Utf8, "first": pl.Date, "last": pl.Date, "months": pl.UInt32, "actions": pl.UInt32}
    if not rules:
        return pl.DataFrame(schema=schema)
    rows = care.signal_months(db, viewer, add_months(month, -(months - 1)), month, rules).filter(
        pl.col("employee_id") == employee_id)
    done = care.actions(db, [employee_id])
    out = []
    for rule in rules:
        on = rows.filter(pl.col(rule.column))
        if on.height:
            out.append({"rule_id": rule.id, "first": on["month"].min(), "last": on["month"].max(),
                        "months": on.height, "actions": done.filter(pl.col("rule_id") == rule.id).height})
    return pl.DataFrame(out, schema=schema)
