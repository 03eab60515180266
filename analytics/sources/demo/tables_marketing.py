"""Marketing and values in the demo company (issue 21): the marketing department and its teams, the leads they pass
to the sales reps, and the values, collaboration and veto columns of the performance reviews.

Drawn from a random stream of their own after the other tables, so the rest of the company is the same with or
without them (no employee sits in a marketing unit: sales and HR counts are unchanged). Planted so the lead
conversion page has something to tell:

- every rep with quota gets about three leads a month (Poisson), from web 35%, campaign 20%, event 20%,
  partner 15%, referral 10%; web comes from the digital team, campaign and referral from the brand team, event and
  partner from the events team;
- a lead converts with probability referral 34%, partner 29%, event 24%, campaign 20%, web 18%, times the rep's
  productivity (clipped); 90% of conversions within 90 days of creation (mean ~40 days), the rest later;
- 70% of leads are qualified within 2–12 days; a lead that does not convert is lost 30–150 days after creation
  (55% of them); dates after the history's last day are not known yet (left empty);
- value scores (customer first, teamwork, results) and collaboration follow the rating with noise (1–5);
- about 1.5% of reviews carry a veto for grabbing colleagues' orders (抢单), more often among high ratings.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import date_col, nullable
from analytics.sources.demo.table_state import TableState

MARKETING = ("marketing", "Marketing", "市场部")
MARKETING_TEAMS = (("mkt-digital", "Digital Marketing", "数字营销组"),
                   ("mkt-events", "Events & Partners", "活动与渠道组"),
                   ("mkt-brand", "Brand & Campaigns", "品牌推广组"))
SOURCES = np.array(["web", "campaign", "event", "partner", "referral"])
SOURCE_P = [0.35, 0.20, 0.20, 0.15, 0.10]
SOURCE_TEAM = np.array(["mkt-digital", "mkt-brand", "mkt-events", "mkt-events", "mkt-brand"])
SOURCE_CONVERSION = np.array([0.18, 0.20, 0.24, 0.29, 0.34])
CAMPAIGNS = {"campaign": np.array(["春季新品推广", "年中大促", "秋季行业峰会线上推广"]),
             "event": np.array(["行业展会", "客户沙龙"])}
VETO_REASONS = np.array(["抢单：绕过同事接手其跟进中的客户订单", "抢单：私下压价截走同事的客户",
                         "抢单：将同事的线索登记为本人客户"])


class MarketingTables(TableState):
    def _marketing(self) -> None:
        """Marketing units, ``leads`` and the values columns of ``performance_reviews`` (module docstring)."""
        rng = np.random.default_rng([self.seed, 59])
        self._marketing_units()
        self._leads(rng)
        self._review_values(rng)

    def _marketing_units(self) -> None:
        founded = self.out["org_units"].filter(pl.col("level") == "company")["opened_date"].min()
        rows = [(MARKETING[0], "company", "department", MARKETING[1], MARKETING[2])]
        rows += [(uid, MARKETING[0], "team", en, zh) for uid, en, zh in MARKETING_TEAMS]
        units = pl.DataFrame(rows, schema=["org_unit_id", "parent_id", "level", "name_en", "name_zh"], orient="row")
        units = units.with_columns(opened_date=pl.lit(founded), closed_date=pl.lit(None, pl.Date))
        self.out["org_units"] = pl.concat([self.out["org_units"], units.select(self.out["org_units"].columns)])

    def _leads(self, rng: np.random.Generator) -> None:
        s, P = self.s, self.s.P
        pn = self.panel_np
        with_quota = np.nan_to_num(pn["quota"]) > 0
        p, m = pn["p"][with_quota], pn["m"][with_quota].astype(np.int64)
        n = rng.poisson(3.0, len(p))
        p, m = np.repeat(p, n), np.repeat(m, n)
        k = len(p)
        start = s.mstart[s.B + m]
        length = s.mstart[s.B + m + 1] - start
        created = start + (rng.random(k) * length).astype(np.int64)
        src = rng.choice(len(SOURCES), k, p=SOURCE_P)
        prob = np.clip(SOURCE_CONVERSION[src] * np.clip(P["prod"][p], 0.5, 1.6), 0.02, 0.6)
        converts = rng.random(k) < prob
        late = rng.random(k) < 0.10
        delay = np.where(late, 91 + rng.integers(0, 60, k), 5 + rng.gamma(2.0, 18.0, k).astype(np.int64).clip(0, 85))
        converted = created + delay
        lost = created + 30 + rng.integers(0, 121, k)
        loses = ~converts & (rng.random(k) < 0.55)
        qualified = created + 2 + rng.integers(0, 11, k)
        qualifies = converts | (rng.random(k) < 0.55)
        end = s.END
        conv_known = converts & (converted <= end)
        lost_known = loses & (lost <= end)
        qual_known = qualifies & (qualified <= np.where(conv_known, converted, end))
        qualified = np.where(conv_known, np.minimum(qualified, converted), qualified)
        frame = pl.DataFrame({"p": p, "created": created, "converted": converted, "i": np.arange(k)})
        # the customer a converted lead became: the rep's next order on or after the conversion
        orders = pl.DataFrame({"p": self.order_np["p"].astype(np.int64), "day": self.order_np["day"].astype(np.int64),
                               "cust": self.order_np["cust"].astype(np.int64)}).sort("day")
        nxt = (frame.filter(pl.Series(conv_known)).with_columns(pl.col("p").cast(pl.Int64), pl.col("converted")
                                                                 .cast(pl.Int64)).sort("converted")
               .join_asof(orders, left_on="converted", right_on="day", by="p", strategy="forward",
                          check_sortedness=False))
        cust = np.full(k, -1, np.int64)
        found = nxt.filter(pl.col("cust").is_not_null())
        cust[found["i"].to_numpy()] = self.cid[found["cust"].to_numpy()]
        campaign = np.full(k, None, dtype=object)
        for name, options in CAMPAIGNS.items():
            hit = SOURCES[src] == name
            campaign[hit] = rng.choice(options, int(hit.sum()))
        leads = pl.DataFrame({
            "external_key": [f"L{i + 1:07d}" for i in range(k)],
            "created_on": date_col(created),
            "source": SOURCES[src],
            "campaign": pl.Series(campaign.tolist(), dtype=pl.Utf8),
            "marketing_unit_id": SOURCE_TEAM[src],
            "owner_id": pl.Series(self.emp[p], dtype=pl.Int64),
            "qualified_on": date_col(qualified, ~qual_known),
            "converted_on": date_col(converted, ~conv_known),
            "lost_on": date_col(lost, ~lost_known),
            "customer_id": nullable(cust, cust < 0, pl.Int64),
        }).sort("created_on", "owner_id", "external_key")
        self.out["leads"] = leads.with_row_index("lead_id", offset=1).with_columns(pl.col("lead_id").cast(pl.Int64))

    def _review_values(self, rng: np.random.Generator) -> None:
        reviews = self.out["performance_reviews"]
        n = reviews.height
        rating = reviews["rating"].to_numpy().astype(np.float64)

        def score(weight: float, noise: float) -> pl.Series:
            raw = 3 + weight * (rating - 3) + rng.normal(0, noise, n)
            return pl.Series(np.clip(np.round(raw), 1, 5).astype(np.int64)).cast(pl.Int32)

        customer, teamwork, results = score(0.6, 0.7), score(0.5, 0.8), score(0.8, 0.6)
        collaboration = score(0.4, 0.9)
        veto = rng.random(n) < np.where(rating >= 4, 0.025, 0.008)
        reason = rng.choice(VETO_REASONS, n)
        teamwork = pl.Series(np.where(veto, np.minimum(teamwork.to_numpy(), 2), teamwork.to_numpy())).cast(pl.Int32)
        self.out["performance_reviews"] = reviews.with_columns(
            value_customer=customer, value_teamwork=teamwork, value_results=results, collaboration=collaboration,
            veto=pl.Series(veto), veto_reason=pl.Series(np.where(veto, reason, None).tolist(), dtype=pl.Utf8))
