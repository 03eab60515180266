"""Revenue at risk from attrition: what each exit (in a period) and each person at high flight risk puts at risk.

Per person (quota-carrying roles only):

- bookings at risk = vacancy months × quota × expected attainment + the replacement's ramp shortfall
  Σ_k quota × (1 − p(k)) over the measured ramp months (``planning.PlanInputs.ramp``);
  vacancy months = the region's median time to fill in months (rounded up); quota = the person's median monthly
  quota over the last 12 months (the region's median mature quota when they have none); expected attainment =
  the region's mature attainment — all from :func:`analytics.people.planning.measure`;
- the KA accounts they own and their open receivables (booked − collected by the as-of date), on their last day
  for leavers and on the as-of day for the others (``sql/queries/person_book.sql``);
- for people at high risk (``risk_report.scores`` probability ≥ ``risk_report.high_risk_threshold``), the expected
  loss = probability × bookings at risk.
Totals by region for everyone; the person-level table only for viewers with person-level rights.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.periods import add_months, month_start
from analytics.metrics.suppression import mask_table
from analytics.people import planning


def person_values(inputs: planning.PlanInputs, people: pl.DataFrame, quota: pl.DataFrame,
                  ramp: str = "measured") -> pl.DataFrame:
    """``people`` (employee_id, region_id, …) with quota, vacancy_months, vacancy_loss, ramp_shortfall and
    bookings_at_risk, from the measured inputs and ``quota`` (employee_id, quota)."""
    shortfall_factor = sum(1 - p for p in inputs.ramp[ramp])
    params = inputs.params.select("region_id", "quota_per_rep", "expected_attainment",
                                  vacancy_months="ttf_months")
    out = people.join(params, on="region_id", how="left").join(quota, on="employee_id", how="left")
    q = pl.coalesce("quota", "quota_per_rep").fill_null(0.0)
    return out.with_columns(quota=q).with_columns(
        vacancy_loss=pl.col("vacancy_months") * pl.col("quota") * pl.col("expected_attainment"),
        ramp_shortfall=pl.col("quota") * shortfall_factor,
    ).with_columns(bookings_at_risk=pl.col("vacancy_loss") + pl.col("ramp_shortfall")).drop("quota_per_rep")


def median_quotas(db, as_of: dt.date) -> pl.DataFrame:
    """employee_id, quota: each person's median monthly quota (money) over the 12 months to ``as_of``."""
    since = add_months(month_start(as_of), -11)
    return db.sql("select employee_id, median(amount) as quota from quotas where month between $a and $b "
                  "and amount > 0 group by all", a=since, b=as_of)


def revenue_at_risk(db, viewer, start: dt.date, end: dt.date, as_of: dt.date, horizon: int = 6,
                    model: str | None = None) -> dict:
    """Exits with termination date in [start, end] and people at high flight risk at ``as_of`` (by the data
    version's flight-risk model, or the one named by ``model``: ``risk_store.State.ref`` while it is refitted).

    Returns ``{"by_region": region_id, kind ("exit" | "high_risk"), people, bookings_at_risk, expected_loss,
    ka_accounts, open_receivables, masked; "people": the person rows (empty for aggregate viewers);
    "threshold": the high-risk probability threshold}``."""
    from analytics.people import risk_report
    inputs = planning.measure(db, viewer, as_of)
    book = db.query("person_book", as_of=as_of, **viewer.sql_params())
    quota_roles = db.sql("select role_id from roles where carries_quota")["role_id"].to_list()
    book = book.filter(pl.col("role_id").is_in(quota_roles))
    quota = median_quotas(db, as_of)
    emp = db.sql("select employee_id, name, termination_date from employees")
    exits = book.join(emp, on="employee_id").filter(pl.col("termination_date").is_between(start, min(end, as_of)))
    exits = exits.with_columns(kind=pl.lit("exit"), probability=pl.lit(None, pl.Float64))
    # the one model's probabilities for the people in scope; only aggregates leave here for aggregate viewers
    scored = risk_report.scores(db, viewer, as_of, horizon, model)
    threshold = risk_report.high_risk_threshold(scored["probability"]) if scored.height else None
    high = scored.filter(pl.col("probability") >= threshold).select("employee_id", "probability") if scored.height \
        else pl.DataFrame(schema={"employee_id": pl.Int64, "probability": pl.Float64})
    current = book.join(emp, on="employee_id").filter(pl.col("termination_date").is_null()
                                                      | (pl.col("termination_date") > as_of))
    at_risk = current.join(high, on="employee_id", how="inner").with_columns(kind=pl.lit("high_risk"))
    cols = ["employee_id", "name", "kind", "region_id", "team_id", "role_id", "termination_date", "probability",
            "ka_accounts", "open_receivables"]
    people = pl.concat([exits.select(cols), at_risk.select(cols)], how="vertical_relaxed").sort("employee_id")
    people = person_values(inputs, people, quota).with_columns(
        expected_loss=pl.when(pl.col("kind") == "exit").then(pl.col("bookings_at_risk"))
        .otherwise(pl.col("probability") * pl.col("bookings_at_risk")))
    by_region = people.group_by("region_id", "kind").agg(
        people=pl.len(), bookings_at_risk=pl.col("bookings_at_risk").sum(), expected_loss=pl.col("expected_loss").sum(),
        ka_accounts=pl.col("ka_accounts").sum(), open_receivables=pl.col("open_receivables").sum(),
    ).sort("region_id", "kind")
    # for aggregate viewers: regions with fewer than the threshold of people masked, counts included, with a
    # complement within each kind (analytics/metrics/suppression.py)
    by_region = mask_table(by_region, viewer, "people",
                           ["bookings_at_risk", "expected_loss", "ka_accounts", "open_receivables"],
                           part=["kind"], key="region_id")
    return {"by_region": by_region, "people": people if viewer.person_level else pl.DataFrame(),
            "threshold": threshold}
