"""A person's growth archive (成长档案): what the person page shows of one salesperson over time (no Streamlit).

Only for viewers with person-level rights whose scope holds the person — where they sat on the as-of date, or on
their last day employed for someone who has left (``sql/queries/person_card.sql``); anyone else gets None. Every
figure is the one the other pages show: attainment by quarter is the scorecard's (``scorecard.quarterly_attainment``,
each rep placed at the quarter's end), the ramp is the Quota page's (``quota.ramp_curve``), flight risk is the
one model of the data version (``risk_report``), the 9-box is the Talent page's (``talent.nine_box_people``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import add_months, last_completed_quarters, month_start, quarter_of
from analytics.people import risk_report, risk_store, talent
from analytics.sales import quota, scorecard

QUARTERS = 8           # attainment: the last completed quarters shown
RAMP_MONTHS = 12       # ramp: tenure months shown
CARE_MONTHS = 12       # overtime and leave: the months shown
RISK_POINTS = 4        # flight risk: the as-of date and the ends of the quarters before it
CHANGES = ("hire", "promotion", "move", "role", "level", "manager")  # what an assignment changed


@dataclass(frozen=True)
class PersonArchive:
    """One person's archive on ``as_of``. Frames hold codes (role, unit, course, skill ids): the page and the PDF
    put names on them."""

    as_of: dt.date
    card: dict[str, object]      # person_card.sql's row: name, hire and exit, placement, manager
    assignments: pl.DataFrame    # valid_from, valid_to, org_unit_id, role_id, job_level, manager_name, change
    attainment: pl.DataFrame     # quarter, start, attainment, team_median, team_reps
    ramp: pl.DataFrame           # tenure_month, attainment, cohort_mean, cohort_reps
    skills: pl.DataFrame         # skill_id, score, year_ago, required
    training: pl.DataFrame       # course_id, enrolled_date, completed_date, completed, pre_score, post_score, gain
    reviews: pl.DataFrame        # quarter, review_date, rating, potential, box_en, box_zh
    engagement: pl.DataFrame     # survey_date, engagement_score, manager_score, enps
    attendance: pl.DataFrame     # month, overtime_hours, leave_days
    measures: pl.DataFrame       # measure, measured_on, value: the latest of each (person_measures)
    mentors: pl.DataFrame        # mentor, start_date, end_date
    risk: pl.DataFrame           # as_of, probability, drivers, driver_values (lists)

    @property
    def employee_id(self) -> int:
        return int(self.card["employee_id"])  # type: ignore[arg-type]

    @property
    def left(self) -> bool:
        return self.card.get("termination_date") is not None


def card(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date) -> dict[str, object] | None:
    """The person's card when the viewer may open their page (person-level rights, person in scope), else None."""
    if not viewer.person_level:
        return None
    rows = db.query("person_card", employee_id=int(employee_id), as_of=as_of, **viewer.sql_params())
    if not rows.height:
        return None
    found = rows.row(0, named=True)
    # tenure in months (of 30.4375 days) on the as-of date, or on the last day for someone who left
    found["tenure_months"] = (found["seen_on"] - found["hire_date"]).days / 30.4375
    return found


def directory(db: Database, viewer: Viewer, as_of: dt.date) -> pl.DataFrame:
    """The people whose page the viewer may open (in scope on ``as_of``, or left within the year before it):
    employee_id, name, termination_date, org_unit_id, team_id, region_id, role_id, job_level. Empty for viewers
    without person-level rights."""
    if not viewer.person_level:
        return pl.DataFrame(schema={"employee_id": pl.Int64, "name": pl.Utf8})
    return db.query("person_directory", as_of=as_of, **viewer.sql_params())


def archive(db: Database, viewer: Viewer, employee_id: int, as_of: dt.date, fy_start: int = 1,
            model: str | None = None) -> PersonArchive | None:
    """The person's archive on ``as_of``, or None when the viewer may not open it. ``model``: the flight-risk
    model to show (``risk_store.State.ref``, what the page can show without waiting); None: no risk section."""
    found = card(db, viewer, employee_id, as_of)
    if found is None:
        return None
    history = db.query("person_history", employee_id=int(employee_id), as_of=as_of)

    def kind(name: str) -> pl.DataFrame:
        return history.filter(pl.col("kind") == name)

    return PersonArchive(
        as_of=as_of, card=found, assignments=assignments(kind("assignment")),
        attainment=attainment_by_quarter(db, viewer, found, as_of, fy_start),
        ramp=ramp_against_cohort(db, viewer, found, as_of), skills=skills_over_time(db, found, kind("skill"), as_of),
        training=training_record(kind("training")), reviews=reviews_over_time(kind("review"), kind("review_values")),
        engagement=kind("engagement").select(survey_date="day", engagement_score="value", manager_score="value2",
                                             enps=pl.col("value3").cast(pl.Int64)).sort("survey_date"),
        attendance=kind("attendance").filter(pl.col("day") > add_months(month_start(as_of), -CARE_MONTHS)).select(
            month="day", overtime_hours="value", leave_days="value2").sort("month"),
        mentors=kind("mentor").select(mentor="text", start_date="day", end_date="day_to").sort("start_date"),
        measures=kind("measure").sort("day").group_by("code", maintain_order=True).last().select(
            measure="code", measured_on="day", value="value").sort("measure"),
        risk=risk_over_time(db, viewer, found, as_of, fy_start, model),
    )


def assignments(rows: pl.DataFrame) -> pl.DataFrame:
    """The assignment rows in date order, each with what changed from the one before: hire (the first),
    promotion (a higher level), move (another unit), role (another role), manager, or level (a lower level)."""
    rows = rows.sort("day").select(valid_from="day", valid_to="day_to", org_unit_id="code", role_id="code2",
                                   job_level=pl.col("value").cast(pl.Int64), manager_name="text")
    prev = {c: pl.col(c).shift(1) for c in ("org_unit_id", "role_id", "job_level", "manager_name")}
    change = (pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("hire"))
              .when(pl.col("job_level") > prev["job_level"]).then(pl.lit("promotion"))
              .when(pl.col("org_unit_id") != prev["org_unit_id"]).then(pl.lit("move"))
              .when(pl.col("role_id") != prev["role_id"]).then(pl.lit("role"))
              .when(pl.col("job_level") < prev["job_level"]).then(pl.lit("level"))
              .otherwise(pl.lit("manager")))
    return rows.with_columns(change=change)


def attainment_by_quarter(db: Database, viewer: Viewer, person: dict[str, object], as_of: dt.date,
                          fy_start: int = 1) -> pl.DataFrame:
    """The person's attainment in each of the last completed quarters (those since their hire) against the median of
    the reps with quota of the team they sat in at that quarter's end (the scorecard's placement), and how many
    reps that is."""
    quarters = [q for q in last_completed_quarters(as_of, QUARTERS, fy_start) if q.end >= person["hire_date"]]
    if not quarters:  # hired in the running quarter
        return pl.DataFrame(schema={"quarter": pl.Utf8, "start": pl.Date, "attainment": pl.Float64,
                                    "team_median": pl.Float64, "team_reps": pl.Int64})
    panel = scorecard.person_panel(db, viewer, quarters, as_of)
    rows = []
    for q in quarters:
        reps = quota.rep_attainment(quota.in_period(panel, q)).select(
            "employee_id", "attainment", "team_id", "org_unit_id").collect()
        own = reps.filter(pl.col("employee_id") == person["employee_id"])
        if own.is_empty():
            rows.append({"quarter": q.label, "start": q.start, "attainment": None, "team_median": None,
                         "team_reps": 0})
            continue
        team = own["team_id"][0] if own["team_id"][0] is not None else own["org_unit_id"][0]
        mates = reps.filter(pl.coalesce("team_id", "org_unit_id") == team)
        rows.append({"quarter": q.label, "start": q.start, "attainment": own["attainment"][0],
                     "team_median": mates["attainment"].median(), "team_reps": mates.height})
    return pl.DataFrame(rows, schema={"quarter": pl.Utf8, "start": pl.Date, "attainment": pl.Float64,
                                      "team_median": pl.Float64, "team_reps": pl.Int64})


def ramp_against_cohort(db: Database, viewer: Viewer, person: dict[str, object], as_of: dt.date) -> pl.DataFrame:
    """The person's attainment in each of their first tenure months against the mean of their cohort — the reps
    of the same role hired the same calendar year, in the viewer's scope (the Quota page's ramp). Empty when the
    person was hired before the sales history starts."""
    hire: dt.date = person["hire_date"]  # type: ignore[assignment]
    start = dt.date(hire.year, 1, 1)
    end = min(month_start(as_of), add_months(month_start(hire), RAMP_MONTHS - 1))
    empty = pl.DataFrame(schema={"tenure_month": pl.Int64, "attainment": pl.Float64, "cohort_mean": pl.Float64,
                                 "cohort_reps": pl.UInt32})
    if end < start:
        return empty
    panel = db.query("rep_month_sales", start=start, end=end, as_of=as_of, hired_from=start, **viewer.sql_params())
    panel = panel.lazy().filter(pl.col("hire_date").dt.year() == hire.year)
    own = quota.with_tenure_month(panel.filter(pl.col("employee_id") == person["employee_id"])).filter(
        pl.col("tenure_month").is_between(1, RAMP_MONTHS)).select(
        pl.col("tenure_month").cast(pl.Int64), attainment="rep_month_attainment").collect()
    if own.is_empty():
        return empty
    curve = quota.ramp_curve(panel.filter(pl.col("role_id") == person["role_id"]), pl.lit("cohort"),
                             RAMP_MONTHS).collect()
    return own.join(curve.select(pl.col("tenure_month").cast(pl.Int64), cohort_mean="attainment",
                                 cohort_reps="n_reps"), on="tenure_month", how="left").sort("tenure_month")


def skills_over_time(db: Database, person: dict[str, object], rows: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per skill the person's role requires or they were assessed on: the latest valid score on the as-of date,
    the latest a year before, and the role's required score (valid: a known skill, a score within 1–5)."""
    known = db.query("skill_catalogue").select("skill_id")
    valid = rows.select(skill_id="code", day="day", score="value").join(known, on="skill_id", how="semi").filter(
        pl.col("score").is_between(1, 5))
    year_ago = as_of.replace(year=as_of.year - 1) if not (as_of.month == 2 and as_of.day == 29) else \
        as_of.replace(year=as_of.year - 1, day=28)

    def latest(on: dt.date, name: str) -> pl.DataFrame:
        return valid.filter(pl.col("day") <= on).sort("day").group_by("skill_id").agg(
            pl.col("score").last().alias(name))

    required = db.query("skill_requirements").filter(pl.col("role_id") == person["role_id"]).select(
        "skill_id", required="required_score")
    keys = pl.concat([required.select("skill_id"), valid.select("skill_id")]).unique()
    return (keys.join(latest(as_of, "score"), on="skill_id", how="left")
            .join(latest(year_ago, "year_ago"), on="skill_id", how="left")
            .join(required, on="skill_id", how="left").sort("skill_id"))


def training_record(rows: pl.DataFrame) -> pl.DataFrame:
    """Every course the person enrolled in, newest first: dates, completed, pre and post score and the gain."""
    return rows.select(course_id="code", enrolled_date="day", completed_date="day_to",
                       completed=pl.col("value") == 1.0, pre_score="value2", post_score="value3").with_columns(
        gain=pl.col("post_score") - pl.col("pre_score")).sort("enrolled_date", descending=True)


def reviews_over_time(rows: pl.DataFrame, values: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every performance review in date order with its 9-box position (the Talent page's boxes: a veto caps the
    rating that counts), its values score and collaboration (``values``: the ``review_values`` rows)."""
    frame = rows.select(quarter="code", review_date="day", rating=pl.col("value").cast(pl.Int64),
                        potential=pl.col("value2").cast(pl.Int64), veto=pl.col("value3") == 1,
                        veto_reason="text").sort("review_date")
    if values is not None:
        frame = frame.join(values.select(quarter="code", review_date="day", values_score="value",
                                         collaboration="value2"), on=["quarter", "review_date"], how="left")
    boxed = talent.with_veto(frame).with_columns(performance=talent.performance_band(pl.col("rating_effective")),
                                                 potential_band=talent.potential_band(pl.col("potential")))
    keep = [c for c in ("values_score", "collaboration") if c in boxed.columns]
    return boxed.join(talent.boxes(), on=["performance", "potential_band"], how="left",
                      maintain_order="left").select("quarter", "review_date", "rating", "potential", *keep,
                                                     "vetoed", "veto_reason", box_en="name_en", box_zh="name_zh")


def risk_over_time(db: Database, viewer: Viewer, person: dict[str, object], as_of: dt.date,
                   fy_start: int = 1, model: str | None = None) -> pl.DataFrame:
    """The person's probability of leaving within the model's horizon on the as-of date and at the ends of the
    quarters before it (the one model of the data version, each day's features), with the top drivers on each
    day (pay-derived ones only where the viewer may see the person's pay), by the model ``model`` names. Empty for
    someone who has left, or without a model."""
    schema = {"as_of": pl.Date, "probability": pl.Float64, "drivers": pl.List(pl.Utf8),
              "driver_values": pl.List(pl.Utf8)}
    if person.get("termination_date") is not None or model is None:
        return pl.DataFrame(schema=schema)
    fitted = risk_store.by_ref(db, model)
    if fitted is None:
        return pl.DataFrame(schema=schema)
    days = [as_of]
    q = quarter_of(as_of, fy_start)
    while len(days) < RISK_POINTS:
        q = quarter_of(add_months(q.start, -1), fy_start)
        if q.end < person["hire_date"]:  # type: ignore[operator]
            break
        days.append(q.end)
    rows = []
    for day in sorted(days):
        people = risk_report.people_of(db, fitted, day).filter(pl.col("employee_id") == person["employee_id"])
        if people.is_empty():
            continue
        shown = risk_report.with_drivers(people, risk_report.pay_visible(db, viewer, people, as_of))
        rows.append({"as_of": day, "probability": shown["probability"][0], "drivers": shown["drivers"][0].to_list(),
                     "driver_values": shown["driver_values"][0].to_list()})
    return pl.DataFrame(rows, schema=schema)
