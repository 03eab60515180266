"""Care facts of the demo company: days away on business per month, referrals to the employee assistance
programme, what HR and the directors did about some of the care signals, and the other HR measures of a person
(person_measures, as HR Data Set v14 has them).

Drawn from a random stream of their own after the other tables (the rest of the company is the same with or
without them). Planted on purpose, so the Care page has a link to find: in the six months before someone
leaves they travel about half as much again and are referred six times as often, and a low engagement score
triples the chance of a referral. The signals' measured link to exits on the demo is this planting (and the
simulation's own overtime and engagement effects), nothing more."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from analytics.sources.demo.table_state import TableState

TRAVEL_DAYS = {"ka_rep": 5.0, "sales_rep": 3.5, "team_lead": 3.0, "regional_manager": 4.0}  # mean days a month
OTHER_TRAVEL = 0.6
REFERRAL_RATE = 0.0015        # referrals per person-month
BEFORE_EXIT_MONTHS = 6
TRAVEL_LIFT, REFERRAL_LIFT, LOW_ENGAGEMENT_LIFT = 1.5, 6.0, 3.0
ACTIONS_SHOWN = 12            # demo care actions: for the most recent referrals and the heaviest overtime


class CareTables(TableState):
    def _care(self) -> None:
        rng = np.random.default_rng([self.seed, 41])
        as_of = self.s.end - dt.timedelta(days=1)
        months = self.out["attendance"].select("employee_id", "month", "overtime_hours")
        people = self.out["employees"].select("employee_id", "termination_date")
        roles = (self.out["assignments"].sort("valid_from").group_by("employee_id")
                 .agg(pl.col("role_id").last()))
        engagement = self.out["engagement"].select("employee_id", "survey_date", "engagement_score").sort("survey_date")
        rows = (months.join(people, on="employee_id", how="left").join(roles, on="employee_id", how="left")
                .sort("month").join_asof(engagement, left_on="month", right_on="survey_date", by="employee_id",
                                         strategy="backward", check_sortedness=False)
                .sort("employee_id", "month"))
        before_exit = (pl.col("termination_date").is_not_null()
                       & (pl.col("month") > pl.col("termination_date").dt.offset_by(f"-{BEFORE_EXIT_MONTHS}mo")))
        rows = rows.with_columns(before_exit=before_exit.fill_null(False),
                                 low=(pl.col("engagement_score") < 3.0).fill_null(False))
        ids = rows["employee_id"].to_numpy()
        person, index = np.unique(ids, return_inverse=True)
        propensity = rng.gamma(4.0, 0.25, len(person))[index]  # some people travel more than others of their role
        base = rows["role_id"].replace_strict(TRAVEL_DAYS, default=OTHER_TRAVEL, return_dtype=pl.Float64).to_numpy()
        exit_soon = rows["before_exit"].to_numpy()
        travel = rng.poisson(base * propensity * np.where(exit_soon, TRAVEL_LIFT, 1.0)).clip(0, 22)
        self.out["travel"] = pl.DataFrame({"employee_id": rows["employee_id"], "month": rows["month"],
                                           "travel_days": travel.astype(np.float64)})
        rate = REFERRAL_RATE * np.where(exit_soon, REFERRAL_LIFT, 1.0) * np.where(rows["low"].to_numpy(),
                                                                                 LOW_ENGAGEMENT_LIFT, 1.0)
        hit = rng.random(len(rows)) < rate
        day = rng.integers(0, 28, len(rows))
        source = rng.choice(np.array(["self", "manager", "hr"]), len(rows), p=[0.6, 0.3, 0.1])
        first_days = rows["month"].to_numpy().astype("datetime64[D]")
        referrals = pl.DataFrame({"employee_id": rows["employee_id"].filter(hit),
                                  "referral_date": first_days[hit] + day[hit].astype("timedelta64[D]"),
                                  "source": source[hit]})
        referrals = referrals.with_columns(pl.col("referral_date").cast(pl.Date)).filter(
            pl.col("referral_date") <= as_of).join(people, on="employee_id").filter(
            pl.col("termination_date").is_null() | (pl.col("referral_date") <= pl.col("termination_date"))).drop(
            "termination_date").unique(["employee_id", "referral_date"]).sort("referral_date", "employee_id")
        self.out["assistance_referrals"] = referrals
        self.out["care_actions"] = self._care_actions(rows, referrals, as_of)
        self.out["person_measures"] = self._person_measures(rng)

    def _person_measures(self, rng: np.random.Generator) -> pl.DataFrame:
        """HR Data Set v14's other measures, taken at each engagement survey: satisfaction (1–5, the survey's score
        give or take half a point, rounded), special projects (Poisson, mean 1), days late in the 30 days before
        (Poisson, mean 0.4) and days absent in the year before (the attendance table's leave days then)."""
        surveys = self.out["engagement"].select("employee_id", measured_on="survey_date", score="engagement_score")
        n = surveys.height
        leave = (surveys.join(self.out["attendance"].select("employee_id", "month", "leave_days"), on="employee_id")
                 .filter((pl.col("month") <= pl.col("measured_on"))
                         & (pl.col("month") > pl.col("measured_on").dt.offset_by("-12mo")))
                 .group_by("employee_id", "measured_on").agg(absences=pl.col("leave_days").sum()))
        wide = surveys.with_columns(
            satisfaction=pl.Series(np.clip(np.round(surveys["score"].to_numpy() + rng.normal(0, 0.5, n)), 1, 5)),
            special_projects=pl.Series(rng.poisson(1.0, n).astype(np.float64)),
            days_late_30=pl.Series(rng.poisson(0.4, n).astype(np.float64)),
        ).join(leave, on=["employee_id", "measured_on"], how="left").with_columns(pl.col("absences").fill_null(0.0))
        return (wide.unpivot(["satisfaction", "special_projects", "days_late_30", "absences"],
                             index=["employee_id", "measured_on"], variable_name="measure", value_name="value")
                .with_columns(pl.col("value").cast(pl.Float64)).sort("employee_id", "measured_on", "measure"))

    def _care_actions(self, rows: pl.DataFrame, referrals: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
        """What HR and the director did: a follow-up talk after the latest referrals of people still employed, and
        a workload change for the heaviest overtime of the last month."""
        employed = rows.filter(pl.col("termination_date").is_null()).select("employee_id").unique()
        recent = referrals.join(employed, on="employee_id", how="semi").sort(
            ["referral_date", "employee_id"], descending=True).head(ACTIONS_SHOWN // 2)
        last_month = rows["month"].max()
        heavy = (rows.filter(pl.col("month") == last_month).join(employed, on="employee_id", how="semi")
                 .sort(["overtime_hours", "employee_id"], descending=[True, False]).head(ACTIONS_SHOWN // 2))
        records = [(r["employee_id"], "assistance_referral", "talk", "人力资源跟进面谈，约定每两周沟通一次",
                    min(as_of, r["referral_date"] + dt.timedelta(days=7))) for r in recent.iter_rows(named=True)]
        records += [(r["employee_id"], "overtime_high", "workload", "主管重新分配两个客户，减少加班",
                     as_of - dt.timedelta(days=10)) for r in heavy.iter_rows(named=True)]
        return pl.DataFrame({
            "action_id": pl.Series(range(1, len(records) + 1), dtype=pl.Int64),
            "employee_id": pl.Series([r[0] for r in records], dtype=pl.Int64),
            "rule_id": [r[1] for r in records], "action": [r[2] for r in records], "note": [r[3] for r in records],
            "done_on": pl.Series([r[4] for r in records], dtype=pl.Date),
            "recorded_by": ["demo"] * len(records),
            "created_at": pl.Series([dt.datetime.combine(r[4], dt.time(18, 0)) for r in records],
                                    dtype=pl.Datetime("us")),
        }, schema_overrides={"note": pl.Utf8, "rule_id": pl.Utf8, "action": pl.Utf8, "recorded_by": pl.Utf8})
