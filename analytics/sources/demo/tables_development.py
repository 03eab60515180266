"""Development plans and career aims on the demo company's person pages (成长档案), written as its directors and HR
would: the reps whose latest review rates them low get a plan to catch up, the high potentials a career aim and a
step towards it. Chosen from the tables already built, without drawing from the random stream (the rest of the
company is the same with or without them)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.sources.demo.table_state import TableState

PER_GROUP = 6  # people with a plan: the lowest rated, and the high potentials
#: a plan's effect in the demo: extra bookings worth this share of the rep's quota in the plan's quarter (from its
#: opening) and in each of the two after (documented in README, "The demo company")
PLAN_UPLIFT = 0.25
SALES_ROLES = ("sales_rep", "ka_rep")


class DevelopmentTables(TableState):
    def _development(self) -> None:
        as_of = self.s.end - dt.timedelta(days=1)
        created = dt.datetime.combine(as_of - dt.timedelta(days=20), dt.time(16, 0))
        people = self.out["employees"].filter(
            pl.col("termination_date").is_null() | (pl.col("termination_date") > as_of)).select("employee_id")
        current = self.out["assignments"].filter(
            (pl.col("valid_from") <= as_of) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= as_of))
            & pl.col("role_id").is_in(SALES_ROLES)).select("employee_id")
        latest = (self.out["performance_reviews"].filter(pl.col("review_date") <= as_of).sort("review_date")
                  .group_by("employee_id").agg(pl.col("rating").last(), pl.col("potential").last()))
        hired = self.out["employees"].select("employee_id", "hire_date")
        reps = latest.join(people, on="employee_id", how="semi").join(current, on="employee_id", how="semi").join(
            hired, on="employee_id")
        # the most recently hired first: a plan is most often written in a rep's first years
        newest = ["hire_date", "employee_id"]
        low = reps.filter(pl.col("rating") <= 2).sort(newest, descending=True).head(PER_GROUP)["employee_id"].to_list()
        high = reps.filter((pl.col("rating") >= 4) & (pl.col("potential") == 3)).sort(newest, descending=True).head(
            PER_GROUP)["employee_id"].to_list()
        rows = []  # (employee, text, owner, due in days, status, closed after days)
        for emp in low:
            rows += [(emp, "参加智能新品产品培训，补齐新品知识", "hr_head", 30, "open", None),
                     (emp, "每周与主管复盘客户拜访和成交情况", "sales_director", 14, "in_progress", None)]
        for emp in high:
            rows += [(emp, "参加销售主管辅导技巧课程", "hr_head", 60, "open", None),
                     (emp, "带教一名新人完成30天入职计划", "sales_director", -10, "done", 15)]
        self.out["development_items"] = pl.DataFrame({
            "item_id": pl.Series(range(1, len(rows) + 1), dtype=pl.Int64),
            "employee_id": pl.Series([r[0] for r in rows], dtype=pl.Int64),
            "text": [r[1] for r in rows],
            "owner": [r[2] for r in rows],
            "due_date": pl.Series([as_of + dt.timedelta(days=r[3]) for r in rows], dtype=pl.Date),
            "status": [r[4] for r in rows],
            "created_by": ["demo"] * len(rows),
            "created_at": pl.Series([created] * len(rows), dtype=pl.Datetime("us")),
            "closed_at": pl.Series([None if r[5] is None else created + dt.timedelta(days=r[5]) for r in rows],
                                   dtype=pl.Datetime("us")),
        })
        self.out["career_aims"] = pl.DataFrame({
            "employee_id": pl.Series(high, dtype=pl.Int64),
            "target_role_id": ["team_lead"] * len(high),
            "aim": ["两年内带领一个销售小组"] * len(high),
            "by_year": pl.Series([as_of.year + 2] * len(high), dtype=pl.Int32),
            "updated_by": ["demo"] * len(high),
            "updated_at": pl.Series([created] * len(high), dtype=pl.Datetime("us")),
        })

    def _improvement_plans(self) -> None:
        """A plan for every other rep-quarter where a sales rep's review rated them 1–2 two quarters running (the
        demo's ratings follow the quarter's attainment), opened three weeks after the second quarter; cause and
        actions in turn. Each plan helps, by a documented amount (:meth:`_plan_uplift`)."""
        as_of = self.s.end - dt.timedelta(days=1)
        reviews = self.out["performance_reviews"].sort("employee_id", "review_date").with_columns(
            low=pl.col("rating") <= 2).with_columns(
            low_before=pl.col("low").shift(1).over("employee_id"),
            before=pl.col("review_date").shift(1).over("employee_id"))
        sales = self.out["assignments"].filter(pl.col("role_id").is_in(SALES_ROLES)).select("employee_id").unique()
        events = (reviews.filter(pl.col("low") & pl.col("low_before")
                                 & ((pl.col("review_date") - pl.col("before")).dt.total_days() < 100))
                  .join(sales, on="employee_id", how="semi").sort("review_date", "employee_id")
                  .filter(pl.col("review_date") + pl.duration(days=21) <= as_of))
        events = events.gather_every(2)  # every other one: the rest are the comparison
        causes = ("skills", "attitude", "territory", "other")
        rows: list[dict] = []
        last: dict[int, dt.date] = {}
        for row in events.iter_rows(named=True):
            opened = row["review_date"] + dt.timedelta(days=21)
            if row["employee_id"] in last and (opened - last[row["employee_id"]]).days < 180:
                continue  # a plan is under way already
            last[row["employee_id"]] = opened
            i = len(rows)
            cause = causes[i % len(causes)]
            review = opened + dt.timedelta(days=90)
            rows.append({"plan_id": i + 1, "employee_id": row["employee_id"], "opened_on": opened, "cause": cause,
                         "action_training": cause in ("skills", "other"), "action_mentor": cause in ("attitude",
                                                                                                       "skills"),
                         "action_post": cause == "territory", "review_date": review,
                         "closed_on": review if review <= as_of else None, "note": None, "opened_by": "demo",
                         "created_at": dt.datetime.combine(opened, dt.time(17, 0))})
        self.out["improvement_plans"] = pl.DataFrame(rows, schema={
            "plan_id": pl.Int64, "employee_id": pl.Int64, "opened_on": pl.Date, "cause": pl.Utf8,
            "action_training": pl.Boolean, "action_mentor": pl.Boolean, "action_post": pl.Boolean,
            "review_date": pl.Date, "closed_on": pl.Date, "note": pl.Utf8, "opened_by": pl.Utf8,
            "created_at": pl.Datetime("us")})
        self._plan_uplift(self.out["improvement_plans"], as_of)

    def _plan_uplift(self, plans: pl.DataFrame, as_of: dt.date) -> None:
        """The effect a plan has in the demo: extra business worth PLAN_UPLIFT of the rep's quota in the plan's
        quarter (from the day it is opened) and in each of the two quarters after — one more order with the rep's
        usual customer and product line, 20 days into the stretch, paid in full 45 days later (by the end of the
        history). None after the rep leaves. The ratings drawn before stay as they were. The Improvement plans page's
        matched comparison should find about the recovery this adds (tests/analytics/people/test_plan_effect.py)."""
        if PLAN_UPLIFT <= 0 or plans.is_empty():
            return
        orders, quotas = self.out["orders"], self.out["quotas"]
        ends = self.out["employees"].select("employee_id", "termination_date")
        quarter_quota = quotas.group_by("employee_id", q_start=pl.col("month").dt.truncate("1q")).agg(
            quota=pl.col("amount").sum())
        stretches = (plans.select("employee_id", "opened_on", k=pl.lit([0, 1, 2])).explode("k")
                     .with_columns(q_start=pl.col("opened_on").dt.truncate("1q").dt.offset_by(
                         pl.format("{}mo", pl.col("k") * 3)))
                     .with_columns(q_end=pl.col("q_start").dt.offset_by("3mo").dt.offset_by("-1d"))
                     .with_columns(order_date=pl.min_horizontal(
                         pl.max_horizontal("opened_on", "q_start") + pl.duration(days=20), "q_end"))
                     .join(ends, on="employee_id", how="left")
                     .filter((pl.col("order_date") <= as_of) & (pl.col("termination_date").is_null()
                                                               | (pl.col("order_date") <= pl.col("termination_date"))))
                     .join(quarter_quota, on=["employee_id", "q_start"], how="inner").filter(pl.col("quota") > 0)
                     .sort("order_date", "employee_id"))
        # with the customer and product line of the rep's latest order before it: a customer who ordered before,
        # so the new order is not the customer's first (is_new_customer stays exact)
        before = (orders.filter(pl.col("employee_id").is_in(plans["employee_id"].implode()))
                  .select("employee_id", "customer_id", "product_line_id", last_order=pl.col("order_date"),
                          order_id=pl.col("order_id")).sort("last_order", "order_id"))
        stretches = stretches.join_asof(before, left_on="order_date", right_on="last_order", by="employee_id",
                                        strategy="backward", allow_exact_matches=False, check_sortedness=False)
        stretches = stretches.filter(pl.col("customer_id").is_not_null())
        if stretches.is_empty():
            return
        extra = stretches.select("employee_id", "customer_id", "product_line_id", "order_date",
                                 amount=(pl.col("quota") * PLAN_UPLIFT).round(2))
        first_id = int(orders["order_id"].max()) + 1
        added = extra.with_columns(order_id=pl.int_range(first_id, first_id + extra.height, dtype=pl.Int64),
                                   is_new_customer=pl.lit(False)).select(orders.columns).cast(orders.schema)
        self.out["orders"] = pl.concat([orders, added])
        paid = added.with_columns(collected_date=pl.col("order_date") + pl.duration(days=45)).filter(
            pl.col("collected_date") <= as_of)
        collections = self.out["collections"]
        first_collection = int(collections["collection_id"].max()) + 1
        self.out["collections"] = pl.concat([collections, paid.select(
            collection_id=pl.int_range(first_collection, first_collection + paid.height, dtype=pl.Int64),
            order_id="order_id", collected_date="collected_date", amount="amount").cast(collections.schema)])
