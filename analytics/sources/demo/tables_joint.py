"""Joint tables: the goal tree, one monthly review with its action items, and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from datetime import date

import numpy as np
import polars as pl

from analytics.core.list_rules import list_rules
from analytics.sources.demo.dates import add_months
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import NEW_REGION, REGIONS


class JointTables(TableState):
    """Goals sized from last year's bookings; the audit log counts every row, so it is built last."""

    def _joint(self):
        s = self.s
        fy = s.end.year
        op = self.order_np
        yr = op["day"].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        prev = float(op["amt"][yr == fy - 1].sum())
        target = float(np.round(prev * 1.2, -5)) if prev > 0 else None
        nw_units = np.flatnonzero(s.unit_region == [x[0] for x in REGIONS].index(NEW_REGION))
        in_nw = np.isin(s.P["unit"][op["p"]], nw_units)  # the rep's latest unit
        nw_prev = float(op["amt"][(yr == fy - 1) & in_nw].sum())
        nw_now = float(op["amt"][(yr == fy) & in_nw].sum())
        nw_target = float(np.round(max(nw_prev * 1.5, nw_now * 12 / s.end.month * 1.1), -5)) or None
        period = f"FY{fy}"
        G = [
            (
                "G1",
                None,
                "strategy",
                "Grow revenue 20%",
                "销售额增长20%",
                "bookings",
                target,
                "up",
                None,
                "sales_director",
                "Grow bookings through repeat business, key accounts and the new region",
                "通过老客户复购、大客户和新区域实现增长",
            ),
            (
                "G1.1",
                "G1",
                "sales",
                "Lift repeat purchase",
                "提升老客户复购率",
                "repeat_rate",
                0.60,
                "up",
                None,
                "sales_director",
                "Quarterly account plans for every customer with an order in the last year",
                "为过去一年下单的客户制定季度客户计划",
            ),
            (
                "G1.2",
                "G1",
                "sales",
                "Grow the key-account share",
                "提升大客户销售占比",
                "ka_share",
                0.35,
                "up",
                None,
                "ka_lead",
                "Cover every KA account with a trained key-account rep",
                "每个大客户由受过培训的大客户经理负责",
            ),
            (
                "G1.3",
                "G1",
                "sales",
                "Build the Northwest region",
                "拓展西北新区域",
                "bookings",
                nw_target,
                "up",
                NEW_REGION,
                "sales_director",
                "Staff all Northwest teams and reach the regional revenue plan",
                "配齐西北团队并完成区域销售计划",
            ),
            (
                "G1.1.1",
                "G1.1",
                "hr",
                "Cut sales attrition",
                "降低销售人员流失率",
                "attrition_rate_ttm",
                0.28,
                "down",
                None,
                "hr_head",
                "Stay interviews for reps under target; fix overtime hot spots",
                "对未达标销售做留任面谈，解决加班集中问题",
            ),
            (
                "G1.1.2",
                "G1.1",
                "hr",
                "Cut probation exits",
                "降低试用期离职率",
                "probation_exit_rate",
                0.25,
                "down",
                None,
                "hr_head",
                "A mentor for every new rep in the first month",
                "每位新人入职首月配备导师",
            ),
            (
                "G1.2.1",
                "G1.2",
                "hr",
                "Complete KA negotiation training",
                "完成大客户谈判培训",
                "training_completion",
                0.90,
                "up",
                None,
                "hr_head",
                "Enrol every KA-holding rep in KA negotiation",
                "所有负责大客户的销售参加大客户谈判培训",
            ),
            (
                "G1.3.1",
                "G1.3",
                "hr",
                "Faster hiring for Northwest",
                "缩短西北区招聘周期",
                "time_to_fill",
                40.0,
                "down",
                NEW_REGION,
                "recruiting_lead",
                "Referral drive and campus events in the region",
                "在区域内开展内推和校园招聘活动",
            ),
            (
                "G1.4",
                "G1",
                "sales",
                "Convert more marketing leads",
                "提升市场线索转化率",
                "lead_conversion",
                0.20,
                "up",
                None,
                "sales_director",
                "Shared lead reviews of sales and marketing every month; faster hand-over of qualified leads",
                "销售与市场每月共同复盘线索；加快有效线索交接",
            ),
            (
                "G1.3.2",
                "G1.3",
                "hr",
                "Key positions filled on time",
                "关键岗位人才到位率",
                "key_position_fill_rate",
                0.90,
                "up",
                None,
                "recruiting_lead",
                "Succession lists for team leads and KA roles",
                "为销售主管和大客户岗位建立继任名单",
            ),
        ]
        cols = [
            "goal_id",
            "parent_id",
            "level",
            "title_en",
            "title_zh",
            "metric_id",
            "target",
            "direction",
            "org_unit_id",
            "owner",
            "action_en",
            "action_zh",
        ]
        data = {c: [g[i] for g in G] for i, c in enumerate(cols)}
        data["period"] = [period] * len(G)
        self.out["goals"] = pl.DataFrame(
            {
                c: pl.Series(data[c], dtype=pl.Float64 if c == "target" else pl.Utf8)
                for c in [*cols[:8], "period", *cols[8:]]
            }
        )
        prev_m = add_months(s.end, -1)
        as_of = s.end - dt.timedelta(days=1)
        created = dt.datetime.combine(as_of + dt.timedelta(days=3), dt.time(10, 0))
        self.out["reviews"] = pl.DataFrame(
            {
                "review_id": pl.Series([1], dtype=pl.Int64),
                "kind": ["monthly"],
                "period": [prev_m.strftime("%Y-%m")],
                "as_of": pl.Series([as_of], dtype=pl.Date),
                "scope": ["all"],
                "title": [f"月度协调会 Monthly review {prev_m.strftime('%Y-%m')}"],
                # a meeting record: no numbers here (this layer cannot build a review); the review pages freeze
                # it from the data as of its date (analytics/reviews/seed.py), as a save would
                "snapshot": pl.Series([None], dtype=pl.Utf8),
                "created_by": ["demo"],
                "created_at": pl.Series([created], dtype=pl.Datetime("us")),
            }
        )
        items = [  # the demo company holds its meetings in Chinese: its action items are written so
            ("为西北区全部新人配备导师", "hr_head", 24, "open", None),
            (
                # the same rule the coaching list and its alerts use (data/scorecard.toml [lists])
                f"对{list_rules().describe('zh')}的销售做辅导计划",
                "sales_director",
                20,
                "in_progress",
                None,
            ),
            ("大客户谈判培训第二期报名", "hr_head", 10, "done", 8),
            (
                "复核华东加班最高的三个团队",
                "sales_director",
                27,
                "open",
                None,
            ),
        ]
        self.out["action_items"] = pl.DataFrame(
            {
                "item_id": pl.Series([1, 2, 3, 4], dtype=pl.Int64),
                "review_id": pl.Series([1, 1, 1, 1], dtype=pl.Int64),
                "text": [x[0] for x in items],
                "owner": [x[1] for x in items],
                "due_date": pl.Series([as_of + dt.timedelta(days=x[2]) for x in items], dtype=pl.Date),
                "status": [x[3] for x in items],
                "created_at": pl.Series([created] * 4, dtype=pl.Datetime("us")),
                "closed_at": pl.Series(
                    [None if x[4] is None else created + dt.timedelta(days=x[4]) for x in items],
                    dtype=pl.Datetime("us"),
                ),
                "carried_from": pl.Series([None] * 4, dtype=pl.Int64),
            }
        )
        n_rows = sum(df.height for df in self.out.values()) + 1
        end_last = date.fromordinal(date(1970, 1, 1).toordinal() + s.END)
        self.out["audit_log"] = pl.DataFrame(
            {
                "event_id": pl.Series([1], dtype=pl.Int64),
                "occurred_at": pl.Series([dt.datetime.combine(end_last, dt.time(23, 0))], dtype=pl.Datetime("us")),
                "actor": ["demo"],
                "action": ["demo"],
                "target": ["database"],
                "scope": ["all"],
                "n_rows": pl.Series([n_rows], dtype=pl.Int64),
                "detail": [json.dumps({"size": self.size, "seed": self.seed, "end": s.end.isoformat()})],
            }
        )
