"""Around the orders: opportunities, activities, complaints and CSAT responses."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import date_col, decode, nullable, source_keys
from analytics.sources.demo.config import QUOTA_GROWTH
from analytics.sources.demo.matching import group_pick
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import KA, LEAD, PL_AFTER, PL_BEFORE, PRODUCT_LINES, REP


class PipelineTables(TableState):
    """The pipeline behind the orders and the customer contact that follows them."""

    def _opportunities(self):
        """Won deals behind some orders, lost ones like them, and the open pipeline at the end."""
        o = self.order_np
        op, ocust, oday, oamt, opl = o["p"], o["cust"], o["day"], o["amt"], o["pl"]
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        big = (s.c["tier"][ocust]) | (oamt > np.quantile(oamt, 0.7) if N else False)
        won = np.flatnonzero(r.random(N) < np.where(big, 0.3, 0.06))
        W = len(won)
        w_created = np.maximum(oday[won] - r.integers(15, 100, W), P["hire"][op[won]])
        w_amt = np.round(oamt[won] * r.uniform(0.8, 1.25, W), -2)
        # lost: drawn like won ones, closed without value
        L = int(W * 0.8)
        li = won[r.integers(0, max(W, 1), L)] if W else np.zeros(0, np.int64)
        l_created = np.maximum(oday[li] - r.integers(15, 120, L), P["hire"][op[li]])
        l_closed = np.minimum(l_created + r.integers(20, 120, L), np.minimum(P["term"][op[li]], s.END))
        l_closed = np.maximum(l_closed, l_created)
        # open pipeline of people still selling at the end
        n = s.n
        alive = np.flatnonzero(
            (P["term"][:n] > s.END) & (P["hire"][:n] <= s.END) & np.isin(P["role"][:n], [REP, KA, LEAD])
        )
        k_open = r.poisson(4, len(alive))
        oi = np.repeat(alive, k_open)
        n_open = len(oi)
        o_created = np.maximum(s.END - r.integers(0, 90, n_open), P["hire"][oi])
        o_exp = s.END + r.integers(5, 120, n_open)
        q = np.where(P["role"][oi] == KA, 160_000, 100_000) * (1 + QUOTA_GROWTH) ** (s.M / 12)
        o_amt = np.round(q * np.exp(0.5 * r.standard_normal(n_open) - 1.3), -2)
        o_stage = r.choice(3, n_open, p=[0.4, 0.35, 0.25])
        # a customer from the person's own orders when there is one
        o_cust = self._cust_of(oi, op, ocust)
        o_pl = r.choice(4, n_open, p=PL_AFTER if s.launch < s.M else PL_BEFORE)
        stages = ["prospecting", "engaging", "proposal", "won", "lost"]
        emp, cid = self.emp, self.cid
        won_cust = cid[ocust[won]]
        lost_cust = cid[ocust[li]]
        df = pl.DataFrame(
            {
                "employee_id": np.concatenate([emp[op[won]], emp[op[li]], emp[oi]]),
                "customer_id": np.concatenate(
                    [won_cust, lost_cust, np.where(o_cust >= 0, cid[np.maximum(o_cust, 0)], -1)]
                ),
                "product_line_id": np.concatenate([opl[won], opl[li], o_pl]),
                "stage": np.concatenate([np.full(W, 3), np.full(L, 4), o_stage]),
                "amount": np.concatenate([w_amt, np.round(oamt[li] * r.uniform(0.8, 1.5, L), -2), o_amt]),
                "created": np.concatenate([w_created, l_created, o_created]),
                "exp": np.concatenate([oday[won] + r.integers(-10, 20, W), l_closed, o_exp]),
                "closed": np.concatenate([oday[won], l_closed, np.full(n_open, -1)]),
                "cv": np.concatenate([oamt[won], np.full(L, np.nan), np.full(n_open, np.nan)]),
            }
        ).sort(["created", "employee_id"], maintain_order=True)
        closed = df["closed"].to_numpy()
        cust = df["customer_id"].to_numpy()
        ex = df["exp"].to_numpy()
        cv = df["cv"].to_numpy()
        stg = df["stage"].to_numpy()
        # a won deal's expected close can be after the end: only open deals look forward
        ex = np.where(stg >= 3, np.minimum(ex, s.END), ex)
        K = df.height
        self.out["opportunities"] = pl.DataFrame(
            {
                "opportunity_id": np.arange(1, K + 1, dtype=np.int64),
                "external_key": source_keys("OPP-", np.arange(1, K + 1), 7),
                "employee_id": df["employee_id"],
                "customer_id": nullable(cust, cust < 0, pl.Int64),
                "product_line_id": decode(df["product_line_id"].to_numpy(), [x[0] for x in PRODUCT_LINES]),
                "stage": decode(stg, stages),
                "amount": df["amount"].cast(pl.Float64),
                "created_date": date_col(df["created"].to_numpy()),
                "expected_close_date": date_col(ex),
                "closed_date": date_col(np.where(closed < 0, 0, closed), closed < 0),
                "close_value": nullable(np.nan_to_num(cv), np.isnan(cv), pl.Float64),
            }
        )

    def _cust_of(self, people, op, ocust):
        """For each person, a random customer of theirs (from their orders), -1 if none."""
        return group_pick(self.rng, op, ocust, people)

    def _activities(self):
        """Visits, calls and proposals per rep-month; customers from the same month's orders."""
        o = self.order_np
        op, ocust, oday = o["p"], o["cust"], o["day"]
        s, P, r = self.s, self.s.P, self.rng
        pn = self.panel_np
        qm = ~np.isnan(pn["quota"])
        p, m = pn["p"][qm], pn["m"][qm]
        ms = s.mstart[s.B + m]
        me = s.mstart[s.B + m + 1] - 1
        lo = np.maximum(P["hire"][p], ms)
        hi = np.minimum(P["term"][p], me)
        frac = (hi - lo + 1) / (me - ms + 1)
        rate = float(s.p["activity_rate"]) * P["intensity"][p] * frac
        hunter = P["rtype"][p] == 1
        lam = np.stack([7.0 * rate * np.where(hunter, 1.3, 1.0), 12.0 * rate, 2.0 * rate], axis=1)
        cnt = r.poisson(lam)
        kind = np.concatenate([np.full(cnt[:, j].sum(), j) for j in range(3)])
        row = np.concatenate([np.repeat(np.arange(len(p)), cnt[:, j]) for j in range(3)])
        A = len(row)
        day = lo[row] + np.floor(r.random(A) * (hi[row] - lo[row] + 1)).astype(np.int64)
        # customer: one this rep sold to in the same month (calls to prospects: none)
        key_o = op.astype(np.int64) * 1000 + s.month_of(oday).astype(np.int64)
        key_a = p[row].astype(np.int64) * 1000 + m[row].astype(np.int64)
        cust = group_pick(r, key_o, ocust, key_a)
        cust = np.where((kind == 1) & (r.random(A) < 0.5), -1, cust)
        late_p = 1 / (1 + np.exp(1.5 + 1.2 * P["quality"][p[row]]))
        due = np.where(kind == 2, day + np.where(r.random(A) < late_p, -r.integers(1, 8, A), r.integers(0, 10, A)), -1)
        due = np.where(kind == 2, np.minimum(due, s.END), -1)
        order = np.lexsort((p[row], day))
        cust, day, kind, due, prow = cust[order], day[order], kind[order], due[order], p[row][order]
        cid = np.where(cust >= 0, self.cid[np.maximum(cust, 0)], -1)
        self.out["activities"] = pl.DataFrame(
            {
                "activity_id": np.arange(1, A + 1, dtype=np.int64),
                "employee_id": self.emp[prow],
                "customer_id": nullable(cid, cid < 0, pl.Int64),
                "activity_date": date_col(day),
                "kind": decode(kind, ["visit", "call", "proposal"]),
                "due_date": date_col(np.maximum(due, 0), due < 0),
                "on_time": nullable(day <= due, due < 0, pl.Boolean),
            }
        )

    def _complaints_csat(self):
        """Complaints and CSAT responses after orders, by the seller's service quality."""
        o = self.order_np
        op, ocust, oday = o["p"], o["cust"], o["day"]
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        q = P["quality"][op]
        pc = 0.02 * np.exp(-0.5 * q) * np.where(P["rtype"][op] == 1, 1.3, 1.0)
        ci = np.flatnonzero(r.random(N) < pc)
        cd = oday[ci] + r.integers(5, 40, len(ci))
        ok = cd <= s.END
        ci, cd = ci[ok], cd[ok]
        sev = r.choice(3, len(ci), p=[0.6, 0.3, 0.1]) + 1
        order = np.lexsort((ci, cd))
        self.out["complaints"] = pl.DataFrame(
            {
                "complaint_id": np.arange(1, len(ci) + 1, dtype=np.int64),
                "customer_id": self.cid[ocust[ci[order]]],
                "employee_id": self.emp[op[ci[order]]],
                "complaint_date": date_col(cd[order]),
                "severity": pl.Series(sev[order]).cast(pl.Int32),
                "category": decode(r.integers(0, 4, len(ci)), ["delivery", "quality", "service", "billing"]),
            }
        )
        si = np.flatnonzero(r.random(N) < 0.08)
        sd = oday[si] + r.integers(10, 31, len(si))
        ok = sd <= s.END
        si, sd = si[ok], sd[ok]
        score = np.clip(np.round(4.0 + 0.5 * P["quality"][op[si]] + 0.8 * r.standard_normal(len(si))), 1, 5).astype(
            np.int64
        )
        order = np.lexsort((si, sd))
        self.out["csat"] = pl.DataFrame(
            {
                "response_id": np.arange(1, len(si) + 1, dtype=np.int64),
                "customer_id": self.cid[ocust[si[order]]],
                "employee_id": self.emp[op[si[order]]],
                "survey_date": date_col(sd[order]),
                "score": pl.Series(score[order]).cast(pl.Int32),
            }
        )
