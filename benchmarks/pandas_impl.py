"""The three benchmark families (benchmarks/families.py) written in plain pandas, the way a data analyst would:
read the raw tables, place every event in the org unit of the assignment valid on its day (an interval join:
merge on the employee, keep the rows whose validity covers the day), group and sum. No DuckDB for the logic —
the database only hands over the tables (``select … from <table>``), and that reading counts in the time.

Each function returns a pandas frame: period_start, group (``region`` or ``team``), value, numerator,
denominator — the same rows and values as the metric engine (docs/metrics.md) and the floors in
benchmarks/floors/.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.core.db import Database


def _read(db: Database, text: str) -> pd.DataFrame:
    return db.sql(text).to_pandas()


def _ts(d: dt.date) -> pd.Timestamp:
    return pd.Timestamp(d)


def _org_paths(db: Database) -> pd.DataFrame:
    """org_unit_id → region_id, team_id (a team's region is its parent; units above the regions: neither)."""
    org = _read(db, "select org_unit_id, parent_id, level from org_units")
    org["region_id"] = np.where(org["level"] == "team", org["parent_id"],
                                np.where(org["level"] == "region", org["org_unit_id"], None))
    org["team_id"] = np.where(org["level"] == "team", org["org_unit_id"], None)
    return org[["org_unit_id", "region_id", "team_id"]]


def _place(events: pd.DataFrame, assignments: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    """Add org_unit_id, region_id, team_id of the assignment valid on each event's ``day`` (a left interval join:
    an event with no assignment that day keeps its row, with no unit)."""
    events = events.reset_index(drop=True)
    events["_row"] = np.arange(len(events))
    pairs = events[["_row", "employee_id", "day"]].merge(assignments, on="employee_id", how="inner")
    valid = (pairs["valid_from"] <= pairs["day"]) & (pairs["valid_to"].isna() | (pairs["day"] <= pairs["valid_to"]))
    hits = pairs.loc[valid, ["_row", "org_unit_id"]]
    placed = events.merge(hits, on="_row", how="left").drop(columns="_row")
    return placed.merge(org, on="org_unit_id", how="left")


def _hr_events(db: Database, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Who was employed on the first and last day of each month ``first``..``last``, who was hired and who left,
    each placed by date: month, kind, region_id."""
    emp = _read(db, "select employee_id, hire_date, termination_date from employees")
    asg = _read(db, "select employee_id, org_unit_id, valid_from, valid_to from assignments")
    org = _org_paths(db)
    emp = emp[emp["termination_date"].isna() | (emp["termination_date"] >= emp["hire_date"])]
    months = pd.date_range(_ts(first), _ts(last), freq="MS")
    points = pd.concat([
        pd.DataFrame({"month": months, "kind": "first", "day": months}),
        pd.DataFrame({"month": months, "kind": "last", "day": months + pd.offsets.MonthEnd(0)}),
    ])
    snap = points.merge(emp, how="cross")
    snap = snap[(snap["hire_date"] <= snap["day"])
                & (snap["termination_date"].isna() | (snap["day"] <= snap["termination_date"]))]
    lo, hi = _ts(first), _ts(last) + pd.offsets.MonthEnd(0)
    hires = emp[emp["hire_date"].between(lo, hi)]
    exits = emp[emp["termination_date"].between(lo, hi)]
    moves = pd.concat([
        pd.DataFrame({"month": hires["hire_date"].dt.to_period("M").dt.to_timestamp(), "kind": "hire",
                      "day": hires["hire_date"], "employee_id": hires["employee_id"]}),
        pd.DataFrame({"month": exits["termination_date"].dt.to_period("M").dt.to_timestamp(), "kind": "exit",
                      "day": exits["termination_date"], "employee_id": exits["employee_id"]}),
    ])
    events = pd.concat([snap[["month", "kind", "day", "employee_id"]], moves], ignore_index=True)
    return _place(events, asg, org)[["month", "kind", "region_id"]]


def _monthly_by_region(events: pd.DataFrame) -> pd.DataFrame:
    counts = events.assign(
        hc_first=events["kind"].eq("first").astype("int64"),
        hc_last=events["kind"].eq("last").astype("int64"),
        exits=events["kind"].eq("exit").astype("int64"),
    )
    return counts.groupby(["month", "region_id"], dropna=False, as_index=False)[["hc_first", "hc_last", "exits"]].sum()


def attrition_ttm_by_region(db: Database, months: Sequence[dt.date]) -> pd.DataFrame:
    """attrition_rate_ttm by region for each month in ``months`` (first days)."""
    first = (_ts(min(months)) - pd.DateOffset(months=11)).date()
    monthly = _monthly_by_region(_hr_events(db, first, max(months)))
    monthly["hc_avg"] = (monthly["hc_first"] + monthly["hc_last"]) / 2
    out = []
    for m in months:
        end = _ts(m)
        window = monthly[monthly["month"].between(end - pd.DateOffset(months=11), end)]
        g = window.groupby("region_id", dropna=False, as_index=False)[["exits", "hc_avg"]].sum()
        g["denominator"] = g["hc_avg"] / 12
        g["numerator"] = g["exits"].astype("float64")
        g["value"] = np.where(g["denominator"] > 0, g["numerator"] / g["denominator"].where(g["denominator"] > 0),
                              np.nan)
        g["period_start"] = end
        out.append(g.rename(columns={"region_id": "region"}))
    frame = pd.concat(out, ignore_index=True)
    return frame[["period_start", "region", "value", "numerator", "denominator"]]


def headcount_by_region(db: Database, months: Sequence[dt.date]) -> pd.DataFrame:
    """headcount_end by region for each month in ``months`` (first days)."""
    monthly = _monthly_by_region(_hr_events(db, min(months), max(months)))
    monthly = monthly[monthly["month"].isin([_ts(m) for m in months])]
    return pd.DataFrame({
        "period_start": monthly["month"], "region": monthly["region_id"],
        "value": monthly["hc_last"].astype("float64"), "numerator": np.nan, "denominator": np.nan,
    }).reset_index(drop=True)


def attainment_by_team(db: Database, periods: Sequence[tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """attainment by team for each (first day, last day) period: Σ bookings ÷ Σ quota of the reps with quota."""
    orders = _read(db, "select employee_id, order_date, amount from orders")
    quotas = _read(db, "select employee_id, month, amount from quotas")
    emp = _read(db, "select employee_id, hire_date, termination_date from employees")
    asg = _read(db, "select employee_id, org_unit_id, valid_from, valid_to from assignments")
    org = _org_paths(db)
    orders = orders[orders["employee_id"].notna()].astype({"employee_id": "int64"})
    out = []
    for start, end in periods:
        lo, hi = _ts(start), _ts(end)
        o = orders[orders["order_date"].between(lo, hi)]
        q = quotas[quotas["month"].between(lo, hi.to_period("M").to_timestamp())]
        reps = q.groupby("employee_id")["amount"].sum()
        reps = reps[reps > 0].index
        facts = pd.concat([
            pd.DataFrame({"employee_id": o["employee_id"], "day": o["order_date"], "bookings": o["amount"],
                          "quota": 0.0}),
            pd.DataFrame({"employee_id": q["employee_id"], "day": q["month"] + pd.offsets.MonthEnd(0),
                          "bookings": 0.0, "quota": q["amount"]}),
        ], ignore_index=True)
        facts = facts[facts["employee_id"].isin(reps)].merge(emp, on="employee_id", how="left")
        # placed on the day, or the last day employed if later, or the hire date if earlier
        placed = facts["day"].where(facts["termination_date"].isna() | (facts["day"] <= facts["termination_date"]),
                                    facts["termination_date"])
        facts["day"] = placed.where(facts["hire_date"].isna() | (placed >= facts["hire_date"]), facts["hire_date"])
        facts = _place(facts[["employee_id", "day", "bookings", "quota"]], asg, org)
        g = facts.groupby("team_id", dropna=False, as_index=False)[["bookings", "quota"]].sum()
        g = g.rename(columns={"team_id": "team", "bookings": "numerator", "quota": "denominator"})
        g["value"] = np.where(g["denominator"] > 0, g["numerator"] / g["denominator"].where(g["denominator"] > 0),
                              np.nan)
        g["period_start"] = lo
        out.append(g)
    frame = pd.concat(out, ignore_index=True)
    return frame[["period_start", "team", "value", "numerator", "denominator"]]
