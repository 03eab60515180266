"""The demo company: structure, integrity and the embedded effects, measured from the frames.

Every measurement here is computed from the returned tables with polars (the same way an
analyst would), never from the generator's internals.  The bounds are the ones written in
docs/demo_company.md; the printed magnitudes there come from `measure_all`.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from analytics.sources import demo
from analytics.sources.demo import SIZES, build_demo, default_end_month

END = date(2025, 12, 1)
END_LAST = date(2025, 12, 31)
SEED = int(os.environ.get("TANDEM_DEMO_TEST_SEED", "7"))  # other seeds: check the bounds are not tuned to one
SCHEMA = Path(__file__).resolve().parents[3] / "sql" / "schema.sql"
REPS = ["sales_rep", "ka_rep"]


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return build_demo("small", SEED, END)


@pytest.fixture(scope="module")
def wide() -> dict[str, pl.DataFrame]:
    """A 5-year company ~4× small: enough people for the hire-cohort effects."""
    # one new-product team, so it is as small a part of the company as in medium
    SIZES["test_wide"] = {**SIZES["medium"], "team_scale": 4.0, "np_regions": ["east"]}
    try:
        return build_demo("test_wide", SEED, END)
    finally:
        del SIZES["test_wide"]


# ───────────────────────────── helpers (polars only) ─────────────────────────────


def month_starts(first: date, last: date) -> list[date]:
    out, d = [], date(first.year, first.month, 1)
    while d <= last:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def month_end(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)


def history_start(t: dict[str, pl.DataFrame]) -> date:
    return t["quotas"]["month"].min()


def role_on(t: dict[str, pl.DataFrame], people: pl.DataFrame, day_col: str) -> pl.DataFrame:
    """Add role_id and org_unit_id held on `day_col` (from effective-dated assignments)."""
    a = t["assignments"].select(
        "employee_id", "role_id", "org_unit_id", "valid_from", vt=pl.col("valid_to").fill_null(date(9999, 1, 1))
    )
    j = people.join(a, on="employee_id", how="left")
    j = j.filter((pl.col("valid_from") <= pl.col(day_col)) & (pl.col("vt") >= pl.col(day_col)))
    return j.drop("valid_from", "vt")


def rep_attrition(t: dict[str, pl.DataFrame], year: int, years: int = 1) -> tuple[float, float]:
    """Sales-rep annual attrition over `years` calendar years ending with `year` (exits ÷ mean
    monthly average headcount, per year) and the share of those exits inside probation
    (tenure ≤ 3 months)."""
    e = t["employees"]
    a = t["assignments"].filter(pl.col("role_id").is_in(REPS))
    avgs = []
    for ms in month_starts(date(year - years + 1, 1, 1), date(year, 12, 1)):
        me = month_end(ms)
        hc = [
            a.filter((pl.col("valid_from") <= d) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= d)))[
                "employee_id"
            ].n_unique()
            for d in (ms, me)
        ]
        avgs.append(sum(hc) / 2)
    ex = e.filter(pl.col("termination_date").dt.year().is_between(year - years + 1, year)).select(
        "employee_id", "hire_date", "termination_date"
    )
    ex = role_on(t, ex, "termination_date").filter(pl.col("role_id").is_in(REPS))
    prob = ex.filter(pl.col("termination_date") < pl.col("hire_date").dt.offset_by("3mo")).height
    return ex.height / years / float(np.mean(avgs)), prob / max(ex.height, 1)


def rep_hires(t: dict[str, pl.DataFrame], observe_days: int) -> pl.DataFrame:
    """Reps hired inside the history with at least `observe_days` of follow-up."""
    start = history_start(t)
    last = t["orders"]["order_date"].max()
    h = t["employees"].filter(
        (pl.col("hire_date") >= start) & (pl.col("hire_date") <= last - timedelta(days=observe_days))
    )
    return role_on(t, h, "hire_date").filter(pl.col("role_id").is_in(REPS))


def first_year_exit_by_source(t: dict[str, pl.DataFrame]) -> dict[str, float]:
    h = rep_hires(t, 365).with_columns(
        gone=pl.col("termination_date").is_not_null()
        & (pl.col("termination_date") < pl.col("hire_date") + timedelta(days=365))
    )
    g = h.group_by("hire_source").agg(pl.col("gone").mean(), pl.len())
    return dict(zip(g["hire_source"], g["gone"], strict=True))


def mentored(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return t["mentorships"].select(employee_id="mentee_id", mentored=pl.lit(True)).unique("employee_id")


def probation_exit_by_mentor(t: dict[str, pl.DataFrame]) -> tuple[float, float]:
    h = (
        rep_hires(t, 120)
        .join(mentored(t), on="employee_id", how="left")
        .with_columns(pl.col("mentored").fill_null(False))
    )
    h = h.with_columns(
        gone=pl.col("termination_date").is_not_null()
        & (pl.col("termination_date") < pl.col("hire_date").dt.offset_by("3mo"))
    )
    g = h.group_by("mentored").agg(pl.col("gone").mean())
    d = dict(zip(g["mentored"], g["gone"], strict=True))
    return d[True], d[False]


def rep_months(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """employee × month: quota, bookings, attainment, tenure month (1 = hire month)."""
    b = (
        t["orders"]
        .group_by("employee_id", month=pl.col("order_date").dt.truncate("1mo"))
        .agg(bookings=pl.col("amount").sum())
    )
    q = t["quotas"].join(b, on=["employee_id", "month"], how="left").with_columns(pl.col("bookings").fill_null(0.0))
    q = q.join(t["employees"].select("employee_id", "hire_date", "termination_date"), on="employee_id")
    hm = pl.col("hire_date").dt.truncate("1mo")
    return q.with_columns(
        k=(pl.col("month").dt.year() - hm.dt.year()) * 12 + pl.col("month").dt.month() - hm.dt.month() + 1,
        full=(pl.col("hire_date") < pl.col("month"))
        & (pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("month").dt.month_end())),
    )


def ramp_by_mentor(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Attainment (Σ bookings ÷ Σ quota) in tenure months 1–6, mentored vs not, for new reps."""
    h = (
        rep_hires(t, 0)
        .select("employee_id")
        .join(mentored(t), on="employee_id", how="left")
        .with_columns(pl.col("mentored").fill_null(False))
    )
    rm = rep_months(t).join(h, on="employee_id").filter(pl.col("k") <= 6)
    return rm.group_by("mentored", "k").agg(att=pl.col("bookings").sum() / pl.col("amount").sum()).sort("mentored", "k")


def mature_attainment(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Quarterly attainment of reps with more than a year of tenure, full quarters only."""
    rm = rep_months(t).filter(pl.col("full") & (pl.col("k") > 12))
    rm = role_on(t, rm, "month").filter(pl.col("role_id").is_in(REPS))
    return (
        rm.group_by("employee_id", q=pl.col("month").dt.truncate("1q"))
        .agg(pl.col("bookings").sum(), pl.col("amount").sum(), n=pl.len())
        .filter(pl.col("n") == 3)
        .with_columns(att=pl.col("bookings") / pl.col("amount"))
    )


def attainment_band(att: pl.Expr) -> pl.Expr:
    """docs/metrics.md attainment_band: <50%, 50–80%, 80–100%, 100–120%, ≥120%."""
    return (
        pl.when(att < 0.5)
        .then(pl.lit("1 <50%"))
        .when(att < 0.8)
        .then(pl.lit("2 50-80%"))
        .when(att < 1.0)
        .then(pl.lit("3 80-100%"))
        .when(att < 1.2)
        .then(pl.lit("4 100-120%"))
        .otherwise(pl.lit("5 >=120%"))
    )


def quarter_panel(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Rep × quarter: attainment of full quarters, the flag 'two previous quarters < 70%',
    and whether the rep left during the quarter (reps present at its start, tenure > 6 months)."""
    rm = rep_months(t)
    q = rm.group_by("employee_id", q=pl.col("month").dt.truncate("1q")).agg(
        pl.col("bookings").sum(), pl.col("amount").sum(), full=pl.col("full").all() & (pl.len() == 3)
    )
    q = q.with_columns(low=pl.col("full") & (pl.col("bookings") < 0.7 * pl.col("amount"))).sort("employee_id", "q")
    q = q.with_columns(
        q_next=pl.col("q").dt.offset_by("3mo"),
        flag=pl.col("low")
        & pl.col("low").shift(1).over("employee_id")
        & (pl.col("q").shift(1).over("employee_id") == pl.col("q").dt.offset_by("-3mo")),
    )
    nxt = q.select("employee_id", q="q_next", flag=pl.col("flag").fill_null(False))
    e = t["employees"].select("employee_id", "hire_date", "termination_date")
    last_q = t["orders"]["order_date"].max().replace(day=1)
    p = nxt.join(e, on="employee_id").filter(
        (pl.col("hire_date") < pl.col("q").dt.offset_by("-6mo"))
        & (pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("q")))
        & (pl.col("q") <= last_q)
    )
    p = role_on(t, p, "q").filter(pl.col("role_id").is_in(REPS))
    return p.with_columns(
        gone=pl.col("termination_date").is_not_null() & (pl.col("termination_date") < pl.col("q").dt.offset_by("3mo"))
    )


def overtime_exit_rates(t: dict[str, pl.DataFrame]) -> list[float]:
    """Exit rate in the following month by overtime tercile (full months, tenure > 6 months)."""
    e = t["employees"].select("employee_id", "hire_date", "termination_date")
    at = (
        t["attendance"]
        .join(e, on="employee_id")
        .filter(
            (pl.col("hire_date") < pl.col("month").dt.offset_by("-6mo"))
            & (pl.col("termination_date").is_null() | (pl.col("termination_date") > pl.col("month").dt.month_end()))
            & (pl.col("month") < t["orders"]["order_date"].max().replace(day=1))
        )
    )
    at = role_on(t, at, "month").filter(pl.col("role_id").is_in(REPS))
    nm = pl.col("month").dt.offset_by("1mo")
    at = at.with_columns(
        gone=pl.col("termination_date").is_not_null() & (pl.col("termination_date") < nm.dt.offset_by("1mo"))
    )
    q1, q2 = at["overtime_hours"].quantile(1 / 3), at["overtime_hours"].quantile(2 / 3)
    at = at.with_columns(
        band=pl.when(pl.col("overtime_hours") < q1).then(0).when(pl.col("overtime_hours") < q2).then(1).otherwise(2)
    )
    return at.group_by("band").agg(pl.col("gone").mean()).sort("band")["gone"].to_list()


def engagement_exit_rates(t: dict[str, pl.DataFrame]) -> list[float]:
    """Share leaving within 6 months of a survey, by engagement band (<3.3, 3.3–4.1, >4.1)."""
    last = t["orders"]["order_date"].max()
    s = t["engagement"].join(t["employees"].select("employee_id", "termination_date"), on="employee_id")
    s = s.filter(pl.col("survey_date") <= last - timedelta(days=183))
    s = s.with_columns(
        gone=pl.col("termination_date").is_not_null()
        & (pl.col("termination_date") <= pl.col("survey_date") + timedelta(days=183)),
        band=pl.when(pl.col("engagement_score") < 3.3)
        .then(0)
        .when(pl.col("engagement_score") <= 4.1)
        .then(1)
        .otherwise(2),
    )
    g = s.group_by("band").agg(pl.col("gone").mean()).sort("band")
    return g["gone"].to_list()


def commission_exit_rates(t: dict[str, pl.DataFrame]) -> list[float]:
    """Exit rate in a month by trailing-3-month bookings (∝ commission, one plan per role) relative
    to the mean of same-team, same-role peers: <0.6, 0.6–0.85, ≥0.85.  Reps with tenure > 6 months
    and without the low-attainment flag, so the effect is not the attainment effect."""
    rm = rep_months(t)
    months = rm.select("month").unique()
    e = t["employees"].select("employee_id", "hire_date", "termination_date")
    rows = months.join(e, how="cross").filter(
        (pl.col("hire_date") < pl.col("month").dt.offset_by("-6mo"))
        & (pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("month")))
    )
    rows = role_on(t, rows, "month").filter(pl.col("role_id").is_in(REPS))
    b = rm.select("employee_id", "month", "bookings")
    trail = None
    for lag in (1, 2, 3):
        x = b.with_columns(month=pl.col("month").dt.offset_by(f"{lag}mo")).rename({"bookings": f"b{lag}"})
        trail = x if trail is None else trail.join(x, on=["employee_id", "month"], how="full", coalesce=True)
    rows = rows.join(trail, on=["employee_id", "month"], how="inner").filter(
        pl.col("b1").is_not_null() & pl.col("b2").is_not_null() & pl.col("b3").is_not_null()
    )
    rows = rows.with_columns(b3m=pl.col("b1") + pl.col("b2") + pl.col("b3"))
    rows = rows.with_columns(
        peer=(pl.col("b3m").sum().over("month", "org_unit_id", "role_id") - pl.col("b3m"))
        / (pl.len().over("month", "org_unit_id", "role_id") - 1)
    ).filter(pl.col("peer").is_finite() & (pl.col("peer") > 0))
    flag = quarter_panel(t).select("employee_id", "q", "flag")
    rows = rows.with_columns(q=pl.col("month").dt.truncate("1q")).join(flag, on=["employee_id", "q"], how="left")
    rows = rows.filter(
        ~pl.col("flag").fill_null(False) & (pl.col("month") <= t["orders"]["order_date"].max().replace(day=1))
    )
    rows = rows.with_columns(
        r=pl.col("b3m") / pl.col("peer"),
        gone=pl.col("termination_date").is_not_null() & (pl.col("termination_date") <= pl.col("month").dt.month_end()),
    )
    rows = rows.with_columns(band=pl.when(pl.col("r") < 0.6).then(0).when(pl.col("r") < 0.85).then(1).otherwise(2))
    g = rows.group_by("band").agg(pl.col("gone").mean()).sort("band")
    return g["gone"].to_list()


def ka_training_did(t: dict[str, pl.DataFrame]) -> float:
    """Difference-in-differences of KA bookings: the 6 months after completing ka_negotiation vs
    the 6 months before, against KA reps with the same KA history who were not enrolled from 12
    months before to 7 months after (ratio of sums, pooled over the enrolment waves)."""
    ka_cust = t["customers"].filter(pl.col("tier") == "KA").select("customer_id")
    kb = (
        t["orders"]
        .join(ka_cust, on="customer_id")
        .group_by("employee_id", month=pl.col("order_date").dt.truncate("1mo"))
        .agg(kab=pl.col("amount").sum())
    )
    enr = t["enrollments"].filter(pl.col("course_id") == "ka_negotiation")
    done = enr.filter(pl.col("completed")).with_columns(w=pl.col("enrolled_date").dt.truncate("1mo"))
    e = t["employees"].select("employee_id", "hire_date", "termination_date")
    last = t["orders"]["order_date"].max().replace(day=1)
    num_t = den_t = num_c = den_c = 0.0
    for w in done["w"].unique().sort():
        if w.replace(day=1) > last or (w.year * 12 + w.month + 6) > (last.year * 12 + last.month):
            continue
        lo, hi = pl.lit(w).dt.offset_by("-6mo"), pl.lit(w).dt.offset_by("6mo")
        stay = e.filter(
            (pl.col("hire_date") < lo)
            & (pl.col("termination_date").is_null() | (pl.col("termination_date") > hi.dt.month_end()))
        )
        win = kb.join(stay.select("employee_id"), on="employee_id").filter(
            (pl.col("month") >= lo) & (pl.col("month") <= hi) & (pl.col("month") != w)
        )
        win = win.with_columns(post=pl.col("month") > w)
        per = win.group_by("employee_id").agg(
            pre=pl.col("kab").filter(~pl.col("post")).sum(),
            post_=pl.col("kab").filter(pl.col("post")).sum(),
            n_pre=pl.col("month").filter(~pl.col("post")).n_unique(),
        )
        # comparable: KA reps already established on KA accounts (KA bookings in 5+ of the 6 months before)
        per = role_on(t, per.filter(pl.col("n_pre") >= 5).with_columns(d=pl.lit(w)), "d").filter(
            pl.col("role_id") == "ka_rep"
        )
        tr = per.filter(pl.col("employee_id").is_in(done.filter(pl.col("w") == w)["employee_id"].implode()))
        near = enr.filter(
            (pl.col("enrolled_date") >= pl.lit(w).dt.offset_by("-12mo"))
            & (pl.col("enrolled_date") <= pl.lit(w).dt.offset_by("7mo"))
        )
        ct = per.filter(~pl.col("employee_id").is_in(near["employee_id"].implode()))
        num_t += tr["post_"].sum()
        den_t += tr["pre"].sum()
        num_c += ct["post_"].sum()
        den_c += ct["pre"].sum()
    return (num_t / den_t) / (num_c / den_c) - 1


def rep_mix_last_year(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per rep (role at the end of history), KA share and new-customer share of the last 12 months."""
    last = t["orders"]["order_date"].max()
    o = (
        t["orders"]
        .filter(pl.col("order_date") > last - timedelta(days=365))
        .join(t["customers"].select("customer_id", "tier"), on="customer_id")
    )
    g = (
        o.group_by("employee_id")
        .agg(
            total=pl.col("amount").sum(),
            ka=pl.col("amount").filter(pl.col("tier") == "KA").sum(),
            new=pl.col("amount").filter(pl.col("is_new_customer")).sum(),
            months=pl.col("order_date").dt.truncate("1mo").n_unique(),
        )
        .filter(pl.col("months") >= 6)
    )
    g = g.with_columns(
        ka_share=pl.col("ka") / pl.col("total"), new_share=pl.col("new") / pl.col("total"), d=pl.lit(last)
    )
    return role_on(t, g, "d")


def seasonality(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return (
        t["orders"]
        .group_by(y=pl.col("order_date").dt.year(), m=pl.col("order_date").dt.month())
        .agg(b=pl.col("amount").sum())
        .sort("y", "m")
    )


def collection_stats(t: dict[str, pl.DataFrame]) -> tuple[float, float, float]:
    """Median collection lag (days), share of lags in 30–90 days, share of reps collecting < 85%
    of bookings on orders at least 200 days old."""
    o = t["orders"]
    c = t["collections"].join(o.select("order_id", "order_date", "employee_id", amt="amount"), on="order_id")
    lag = (c["collected_date"] - c["order_date"]).dt.total_days()
    last = o["order_date"].max()
    old = o.filter(pl.col("order_date") <= last - timedelta(days=200))
    paid = c.group_by("order_id").agg(pl.col("amount").sum().alias("paid"))
    per = (
        old.join(paid, on="order_id", how="left")
        .group_by("employee_id")
        .agg(rate=pl.col("paid").fill_null(0).sum() / pl.col("amount").sum(), n=pl.len())
        .filter(pl.col("n") >= 20)
    )
    return float(lag.median()), float(((lag >= 30) & (lag <= 90)).mean()), float((per["rate"] < 0.85).mean())


def measure_all(t: dict[str, pl.DataFrame]) -> dict[str, object]:
    """Every embedded effect as one number (or list), for the docs table."""
    years = sorted(set(t["orders"]["order_date"].dt.year().to_list()))
    attr = {y: rep_attrition(t, y) for y in years[1:]}
    pooled = rep_attrition(t, years[-1], years=2)
    src = first_year_exit_by_source(t)
    pm, pn = probation_exit_by_mentor(t)
    ramp = ramp_by_mentor(t)
    qp = quarter_panel(t)
    fl = qp.group_by("flag").agg(pl.col("gone").mean())
    fl = dict(zip(fl["flag"], fl["gone"], strict=True))
    mat = mature_attainment(t)
    bands = mat.select(b=attainment_band(pl.col("att"))).group_by("b").len().sort("b")
    mix = rep_mix_last_year(t)
    return {
        "rep_attrition_by_year": {y: round(a, 3) for y, (a, _) in attr.items()},
        "probation_share_by_year": {y: round(p, 3) for y, (_, p) in attr.items()},
        "rep_attrition_last_2y": round(pooled[0], 3),
        "probation_share_last_2y": round(pooled[1], 3),
        "first_year_exit": {k: round(v, 3) for k, v in src.items()},
        "referral_over_job_board": round(src["referral"] / src["job_board"], 3),
        "probation_exit_mentored_vs_not": (round(pm, 3), round(pn, 3)),
        "ramp_mentored": [round(x, 2) for x in ramp.filter(pl.col("mentored"))["att"]],
        "ramp_unmentored": [round(x, 2) for x in ramp.filter(~pl.col("mentored"))["att"]],
        "quarter_exit_flag_vs_not": (round(fl[True], 3), round(fl[False], 3)),
        "overtime_exit_terciles": [round(x, 4) for x in overtime_exit_rates(t)],
        "engagement_exit_bands": [round(x, 3) for x in engagement_exit_rates(t)],
        "commission_exit_bands": [round(x, 4) for x in commission_exit_rates(t)],
        "ka_training_did": round(ka_training_did(t), 3),
        "mature_attainment_mean": round(float(mat["att"].mean()), 3),
        "mature_attainment_median": round(float(mat["att"].median()), 3),
        "bands": dict(zip(bands["b"], bands["len"], strict=True)),
        "ka_reps_ka_share_gt_half": round(
            float((mix.filter(pl.col("role_id") == "ka_rep")["ka_share"] > 0.5).mean()), 3
        ),
        "sales_reps_new_share_gt_half": round(
            float((mix.filter(pl.col("role_id") == "sales_rep")["new_share"] > 0.5).mean()), 3
        ),
        "collections": tuple(round(x, 3) for x in collection_stats(t)),
    }


# ───────────────────────────── structure and integrity ─────────────────────────────


def schema_tables(sections: tuple[str, ...] = ("HR", "Sales", "Joint")) -> dict[str, list[str]]:
    """Tables (in file order) of the given `-- ─── Section ───` parts of sql/schema.sql, with their columns.
    The demo company fills the HR, Sales and Joint facts; access tables (users) are not its business."""
    out, section = {}, ""
    text = SCHEMA.read_text()
    for part in re.split(r"\n(?=create table|-- ─)", text):
        head = re.match(r"-- ─+ (\w+) ─+", part)
        if head:
            section = head.group(1)
            continue
        m = re.match(r"create table if not exists (\w+) \((.*?)\n\);", part, re.S)
        if not m or section not in sections:
            continue
        cols = []
        for line in re.sub(r"--[^\n]*", "", m.group(2)).split("\n"):
            line = line.strip()
            if line and not line.startswith("primary key"):
                cols.append(line.split()[0])
        out[m.group(1)] = cols
    return out


def test_unknown_size_raises():
    with pytest.raises(ValueError, match="Unknown demo size 'huge'"):
        build_demo("huge")


def test_default_end_month():
    assert default_end_month(date(2025, 12, 15)) == date(2025, 11, 1)
    assert default_end_month(date(2025, 12, 1)) == date(2025, 11, 1)
    assert default_end_month(date(2026, 1, 31)) == date(2025, 12, 1)


def test_deterministic_and_seed_matters(small):
    again = build_demo("small", SEED, END)
    assert list(again) == list(small)
    for name in small:
        assert again[name].equals(small[name]), name
    other = build_demo("small", SEED + 1, END)
    assert not other["orders"].equals(small["orders"])


def test_tables_and_columns_match_schema(small):
    tables = schema_tables()
    assert "orders" in tables and "audit_log" in tables and "meta" not in tables  # the parser found the sections
    assert list(small) == list(tables)
    for name, cols in tables.items():
        assert small[name].columns == cols, name
        assert small[name].height > 0, name


def test_frames_load_into_duckdb(small):
    con = duckdb.connect()
    con.execute(SCHEMA.read_text()).fetchall()
    for name, frame in small.items():
        con.register("frame", frame)
        con.execute(f"insert into {name} select * from frame").fetchall()  # primary keys are enforced here
        con.unregister("frame")
        assert con.execute(f"select count(*) from {name}").fetchall() == [(frame.height,)]
    con.close()


def test_keys_unique(small):
    keys = {
        "employees": ["employee_id"],
        "assignments": ["assignment_id"],
        "compensation": ["employee_id", "valid_from"],
        "requisitions": ["requisition_id"],
        "applications": ["application_id"],
        "enrollments": ["enrollment_id"],
        "skill_assessments": ["employee_id", "skill_id", "assessed_date"],
        "performance_reviews": ["employee_id", "quarter"],
        "engagement": ["employee_id", "survey_date"],
        "attendance": ["employee_id", "month"],
        "onboarding": ["employee_id"],
        "customers": ["customer_id"],
        "account_owners": ["customer_id", "valid_from"],
        "quotas": ["employee_id", "month"],
        "orders": ["order_id"],
        "collections": ["collection_id"],
        "opportunities": ["opportunity_id"],
        "activities": ["activity_id"],
        "org_units": ["org_unit_id"],
        "goals": ["goal_id"],
    }
    for name, cols in keys.items():
        assert small[name].select(cols).is_duplicated().sum() == 0, name


def test_references_resolve(small):
    emp = small["employees"]["employee_id"].implode()
    for name, col in [
        ("assignments", "manager_id"),
        ("orders", "employee_id"),
        ("quotas", "employee_id"),
        ("mentorships", "mentor_id"),
        ("employees", "referrer_id"),
        ("requisitions", "hired_employee_id"),
        ("account_owners", "employee_id"),
    ]:
        vals = small[name][col].drop_nulls()
        assert vals.is_in(emp).all(), (name, col)
    assert small["orders"]["customer_id"].is_in(small["customers"]["customer_id"].implode()).all()
    assert small["collections"]["order_id"].is_in(small["orders"]["order_id"].implode()).all()
    units = small["org_units"]["org_unit_id"].implode()
    assert small["assignments"]["org_unit_id"].is_in(units).all()


def test_nothing_dated_after_end(small):
    # forward-looking by nature: an open deal's expected close, a requisition's target date, a plan item's due date
    allowed = {("opportunities", "expected_close_date"), ("requisitions", "target_date"),
               ("development_items", "due_date"), ("improvement_plans", "review_date")}
    for name, frame in small.items():
        for col, dtype in frame.schema.items():
            if dtype in (pl.Date, pl.Datetime) and (name, col) not in allowed:
                mx = frame[col].max()
                if mx is not None:
                    mx = mx.date() if hasattr(mx, "date") and callable(mx.date) else mx
                    assert mx <= END_LAST, (name, col, mx)
    opp = small["opportunities"]
    assert opp.filter(pl.col("stage").is_in(["won", "lost"]))["expected_close_date"].max() <= END_LAST
    assert (
        opp.filter(pl.col("expected_close_date") > END_LAST)["stage"].is_in(["prospecting", "engaging", "proposal"])
    ).all()


def test_is_new_customer_is_the_first_order(small):
    o = small["orders"].sort("order_date", "order_id")
    first = o.group_by("customer_id").agg(
        pl.col("order_id").first().alias("first_id"), pl.col("order_date").min().alias("d0")
    )
    flagged = o.filter(pl.col("is_new_customer"))
    assert flagged.height == first.height
    assert set(flagged["order_id"]) == set(first["first_id"])
    # the first date is unambiguous: one order per customer on it
    j = o.join(first, on="customer_id").filter(pl.col("order_date") == pl.col("d0"))
    assert j.height == first.height


def test_assignments_cover_employment_without_overlap(small):
    a = small["assignments"].sort("employee_id", "valid_from")
    assert (a["valid_to"].is_null() | (a["valid_from"] <= a["valid_to"])).all()
    nxt = a.with_columns(
        nf=pl.col("valid_from").shift(-1).over("employee_id"),
        last=pl.col("valid_to").is_null() | pl.col("valid_from").shift(-1).over("employee_id").is_null(),
    )
    inner = nxt.filter(pl.col("nf").is_not_null())
    assert inner["valid_to"].is_not_null().all()
    assert (inner["nf"] == inner["valid_to"] + timedelta(days=1)).all()  # contiguous, no overlap
    span = a.group_by("employee_id").agg(
        f=pl.col("valid_from").min(), t=pl.col("valid_to").last(), open_=pl.col("valid_to").is_null().any()
    )
    e = small["employees"].join(span, on="employee_id", how="left")
    assert (e["f"] == e["hire_date"]).all()
    assert ((e["termination_date"].is_null() & e["open_"]) | (e["termination_date"] == e["t"])).all()


def test_managers_are_team_leads_and_regional_managers(small):
    a = small["assignments"]
    mgr = a.filter(pl.col("manager_id").is_not_null()).select(
        "employee_id", "role_id", "org_unit_id", "manager_id", d="valid_from"
    )
    m = role_on(
        small,
        mgr.select(employee_id="manager_id", d="d", sub_role="role_id", sub_unit="org_unit_id", sub_id="employee_id"),
        "d",
    )
    assert m.height == mgr.height  # the manager is employed on that day
    reps = m.filter(pl.col("sub_role").is_in(REPS))
    assert (reps["role_id"].is_in(["team_lead", "regional_manager"])).all()
    led = reps.filter(pl.col("role_id") == "team_lead")
    assert (led["org_unit_id"] == led["sub_unit"]).all()  # the lead of the rep's own team
    # a rep reports to the regional manager only while the team-lead seat is empty: a small share of rep-days
    start = history_start(small)
    days = (
        a.filter(pl.col("role_id").is_in(REPS))
        .with_columns(
            n=(pl.col("valid_to").fill_null(END_LAST) - pl.max_horizontal("valid_from", pl.lit(start))).dt.total_days()
            + 1
        )
        .filter(pl.col("n") > 0)
    )
    days = days.join(
        m.select(manager_id="employee_id", d="d", employee_id="sub_id", mrole="role_id"),
        on=["employee_id", "manager_id"],
        how="left",
    )
    by_lead = days.filter(pl.col("mrole") == "team_lead")["n"].sum() / days["n"].sum()
    assert by_lead > 0.9, by_lead
    leads = m.filter(pl.col("sub_role") == "team_lead")
    assert (leads["role_id"] == "regional_manager").all()
    # the company has some transfers and promotions rep → team lead
    moves = a.sort("employee_id", "valid_from").with_columns(
        pr=pl.col("role_id").shift(1).over("employee_id"), pu=pl.col("org_unit_id").shift(1).over("employee_id")
    )
    assert moves.filter(pl.col("pr").is_in(REPS) & (pl.col("role_id") == "team_lead")).height >= 2
    assert (
        moves.filter(
            pl.col("pr").is_in(REPS) & pl.col("role_id").is_in(REPS) & (pl.col("pu") != pl.col("org_unit_id"))
        ).height
        >= 3
    )


def test_size_and_vocabulary(small):
    e, a = small["employees"], small["assignments"]
    hc = e.filter(pl.col("termination_date").is_null()).height
    assert 250 <= hc <= 350
    assert set(small["roles"]["role_id"]) == {
        "sales_rep",
        "ka_rep",
        "team_lead",
        "regional_manager",
        "sales_ops",
        "customer_success",
        "hr_bp",
    }
    ou = small["org_units"]
    assert {"company", "east", "north", "south", "west", "central", "northwest", "east-01", "east-np"} <= set(
        ou["org_unit_id"]
    )
    assert ou.filter(pl.col("org_unit_id") == "east-01")["name_zh"].item() == "华东一组"
    assert set(e["hire_source"]) == {"referral", "job_board", "campus", "agency", "event", "internal"}
    assert set(e["exit_type"].drop_nulls()) == {"voluntary", "involuntary", "other"}
    assert set(small["product_lines"]["product_line_id"]) == {"core", "pro", "service", "smart"}
    assert {"onboarding_30d", "ka_negotiation"} <= set(small["courses"]["course_id"])
    ka_share = (small["customers"]["tier"] == "KA").mean()
    assert 0.08 <= ka_share <= 0.12
    # regretted only for voluntary exits; null while employed
    assert e.filter(pl.col("regretted"))["exit_type"].eq("voluntary").all()
    assert e.filter(pl.col("termination_date").is_null())["regretted"].is_null().all()
    # one team lead per team at the end
    open_ = a.filter(pl.col("valid_to").is_null())
    assert open_.filter(pl.col("role_id") == "team_lead")["org_unit_id"].is_duplicated().sum() == 0
    # the goal tree
    g = small["goals"]
    assert g.filter(pl.col("level") == "strategy")["goal_id"].to_list() == ["G1"]
    assert (
        g.filter(pl.col("level") == "hr")["parent_id"].is_in(g.filter(pl.col("level") == "sales")["goal_id"].implode())
    ).all()
    assert (g["period"] == "FY2025").all()
    assert small["reviews"]["period"].item() == "2025-11"
    assert small["action_items"]["status"].to_list().count("done") == 1


def test_requisitions_precede_hires(small):
    r = small["requisitions"].filter(pl.col("hired_employee_id").is_not_null())
    j = r.join(small["employees"], left_on="hired_employee_id", right_on="employee_id")
    assert (j["hire_date"] > j["filled_date"]).all()
    assert (j["filled_date"] >= j["opened_date"]).all()
    start = history_start(small)
    assert j.height == small["employees"].filter(pl.col("hire_date") >= start).height  # one per hire
    apps = small["applications"].filter(pl.col("hired_employee_id").is_not_null())
    assert apps["hired_employee_id"].n_unique() == apps.height == j.height
    assert apps["accepted_date"].is_not_null().all()
    # funnel: each later stage has a date only if the earlier one has
    a = small["applications"]
    for early, late in [
        ("screened_date", "interviewed_date"),
        ("interviewed_date", "offered_date"),
        ("offered_date", "accepted_date"),
    ]:
        assert (
            a.filter(pl.col(late).is_not_null() & (pl.col(early).is_null() | (pl.col(early) > pl.col(late)))).height
            == 0
        )


# ───────────────────────────── embedded effects ─────────────────────────────


def test_effect_1_rep_attrition_and_probation_share(wide):
    # steady state (the new region and product line opened in 2023/2024): last two years pooled
    rate, prob = rep_attrition(wide, 2025, years=2)
    assert 0.28 <= rate <= 0.38, rate
    assert prob > 0.40, prob


def test_effect_1_small_company(small):
    # small's last year also holds the northwest hiring wave and the new-product team (~30 extra
    # hires on ~240 reps), which lifts its attrition by a few points; one year has ~80 rep exits,
    # so the whole history is pooled
    rate, prob = rep_attrition(small, 2025, years=3)
    assert 0.25 <= rate <= 0.42, rate
    assert prob > 0.40, prob


def test_effect_2_referral_hires_stay(wide):
    fy = first_year_exit_by_source(wide)
    ratio = fy["referral"] / fy["job_board"]
    assert 0.35 <= ratio <= 0.65, fy


def test_effect_3_mentor_lowers_probation_exits_and_speeds_ramp(wide):
    pm, pn = probation_exit_by_mentor(wide)
    assert pm < 0.75 * pn, (pm, pn)
    ramp = ramp_by_mentor(wide)
    m = ramp.filter(pl.col("mentored"))["att"].to_list()
    n = ramp.filter(~pl.col("mentored"))["att"].to_list()
    assert all(a > b for a, b in zip(m[:5], n[:5], strict=True)), (m, n)
    assert sum(m) > 1.07 * sum(n)


def test_effect_ramp_reaches_80_percent_by_month_4_to_6(wide):
    mature = float(mature_attainment(wide)["att"].mean())
    n = ramp_by_mentor(wide).filter(~pl.col("mentored"))["att"].to_list()
    reach = next(i + 1 for i, x in enumerate(n) if x >= 0.8 * mature)
    assert 4 <= reach <= 6, (n, mature)
    assert n[0] < 0.5 * mature


def test_effect_4_low_attainment_raises_exit_risk(wide):
    qp = quarter_panel(wide)
    g = qp.group_by("flag").agg(pl.col("gone").mean(), pl.len())
    d = dict(zip(g["flag"], g["gone"], strict=True))
    assert g.filter(pl.col("flag"))["len"].item() >= 200
    assert d[True] > 2.2 * d[False], g


def test_effect_4_overtime_engagement_commission_are_monotone(wide):
    ot = overtime_exit_rates(wide)
    assert ot[0] < ot[1] < ot[2] and ot[2] > 1.4 * ot[0], ot
    eng = engagement_exit_rates(wide)
    assert eng[0] > eng[1] > eng[2] and eng[0] > 1.6 * eng[2], eng
    com = commission_exit_rates(wide)
    assert com[0] > com[1] > com[2] and com[0] > 1.4 * com[2], com


def test_effect_5_ka_training_lifts_ka_bookings(wide):
    lift = ka_training_did(wide)
    assert 0.08 <= lift <= 0.40, lift


def test_effect_6_ka_specialists_and_hunters(small):
    mix = rep_mix_last_year(small)
    ka = mix.filter(pl.col("role_id") == "ka_rep")
    assert (ka["ka_share"] > 0.5).mean() > 0.7
    reps = mix.filter(pl.col("role_id") == "sales_rep")
    assert 0.15 <= (reps["new_share"] > 0.5).mean() <= 0.6  # hunters
    mixed = reps.filter((pl.col("new_share") <= 0.5) & (pl.col("ka_share") <= 0.5))
    assert mixed.height > 0.3 * reps.height


def test_effect_7_seasonality_and_collections(small):
    s = seasonality(small)
    for y in (2023, 2024, 2025):
        b = dict(zip(s.filter(pl.col("y") == y)["m"], s.filter(pl.col("y") == y)["b"], strict=True))
        q = [sum(b[m] for m in range(3 * i + 1, 3 * i + 4)) for i in range(4)]
        assert q[3] > 1.1 * max(q[:3]), (y, q)
        assert b[2] < 0.9 * min(b[1], b[3]), (y, b)
    med, share, poor = collection_stats(small)
    assert 40 <= med <= 70 and share > 0.75
    assert 0.01 <= poor <= 0.12  # a few reps (5% are drawn as poor collectors)


def test_effect_8_new_region_and_product_line(small):
    ou = small["org_units"]
    opened = ou.filter(pl.col("org_unit_id") == "northwest")["opened_date"].item()
    assert opened == date(2025, 1, 1)  # start of year 3 of 2023–2025
    nw = ou.filter(pl.col("parent_id") == "northwest")["org_unit_id"].implode()
    hired_into = (
        small["assignments"]
        .join(small["employees"], on="employee_id")
        .filter(pl.col("valid_from") == pl.col("hire_date"))
    )
    first_hire = hired_into.filter(pl.col("org_unit_id").is_in(nw))["hire_date"].min()
    reqs = small["requisitions"].filter(pl.col("org_unit_id").is_in(nw))["opened_date"].min()
    months_before = (opened.year - first_hire.year) * 12 + opened.month - first_hire.month
    assert 2 <= months_before <= 4, first_hire
    assert reqs < first_hire
    launched = small["product_lines"].filter(pl.col("product_line_id") == "smart")["launched_date"].item()
    assert launched.year == 2025
    o = small["orders"]
    assert o.filter(pl.col("product_line_id") == "smart")["order_date"].min() >= launched
    smart = o.filter(pl.col("product_line_id") == "smart").join(
        small["assignments"].select("employee_id", "org_unit_id", "valid_from", "valid_to"), on="employee_id"
    )
    smart = smart.filter(
        (pl.col("valid_from") <= pl.col("order_date"))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("order_date")))
    )
    np_share = smart.filter(pl.col("org_unit_id").str.ends_with("-np"))["amount"].sum() / smart["amount"].sum()
    assert np_share > 0.3  # one small team sells a large part of the new line ...
    team = o.filter(pl.col("order_date") >= launched).join(
        small["assignments"].select("employee_id", "org_unit_id", "valid_from", "valid_to"), on="employee_id"
    )
    team = team.filter(
        (pl.col("valid_from") <= pl.col("order_date"))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("order_date")))
    )
    team = team.filter(pl.col("org_unit_id") == "east-np")
    assert (
        team.filter(pl.col("product_line_id") == "smart")["amount"].sum() > 0.6 * team["amount"].sum()
    )  # ... and sells mostly it


def test_attainment_spread(small, wide):
    for t, share in ((wide, 0.015), (small, 0.008)):
        mat = mature_attainment(t)
        assert 0.90 <= mat["att"].mean() <= 1.08
        bands = mat.select(b=attainment_band(pl.col("att"))).group_by("b").len()
        assert bands.height == 5 and bands["len"].min() >= share * mat.height, bands


def test_progress_is_reported():
    seen = []
    SIZES["test_tiny"] = {**SIZES["small"], "years": 3}
    try:
        build_demo("test_tiny", 1, END, progress=lambda f, msg: seen.append((f, msg)))
    finally:
        del SIZES["test_tiny"]
    fr = [f for f, _ in seen]
    assert 3 <= len(seen) <= 20 and fr[0] == 0.0 and fr[-1] == 1.0 and fr == sorted(fr)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_no_module_of_the_package_has_streamlit():
    modules = sorted(Path(demo.__file__).parent.rglob("*.py"))
    assert len(modules) > 1  # demo is a package: every module is read, not only its __init__
    assert [m.name for m in modules if "streamlit" in m.read_text(encoding="utf-8")] == []
