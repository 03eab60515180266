"""Sales facts: customers, account owners, quotas, orders, product lines and collections."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import concat_parts, date_col, decode, source_keys
from analytics.sources.demo.config import BIG
from analytics.sources.demo.names import customer_names
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import INDUSTRIES, PRODUCT_LINES, REGIONS


class SalesTables(TableState):
    """The simulated orders, customers and quotas as tables; payments collected after each order."""

    def _sales(self):
        """Customers, account owners, quotas, orders and product lines."""
        s, P, r = self.s, self.s.P, self.rng
        C = s.nc
        c = s.c
        o = {k: concat_parts(s.orders, k) for k in ("p", "cust", "day", "amt", "pl", "m")}
        # the customer's first order must be unique on its date: merge same-day duplicates
        df = pl.DataFrame(
            {"p": o["p"], "cust": o["cust"], "day": o["day"], "amt": o["amt"], "pl": o["pl"]}
        ).with_row_index("seq")
        first = df.group_by("cust").agg(pl.col("day").min().alias("d0"))
        df = df.join(first, on="cust")
        at_first = (
            df.filter(pl.col("day") == pl.col("d0"))
            .sort("seq")
            .group_by("cust", maintain_order=True)
            .agg(
                pl.col("seq").first(),
                pl.col("p").first(),
                pl.col("day").first(),
                pl.col("amt").sum().round(2),
                pl.col("pl").first(),
                pl.col("d0").first(),
            )
        )
        df = pl.concat([at_first.select(df.columns), df.filter(pl.col("day") != pl.col("d0"))])
        df = df.sort(["day", "seq"]).with_columns(new=pl.col("day") == pl.col("d0"))
        N = df.height
        op = df["p"].to_numpy()
        ocust = df["cust"].to_numpy()
        oday = df["day"].to_numpy()
        oamt = df["amt"].to_numpy()
        opl = df["pl"].to_numpy()
        self.order_np = {"p": op, "cust": ocust, "day": oday, "amt": oamt, "pl": opl}
        # customers: ids in order of creation
        corder = np.lexsort((np.arange(C), c["created"][:C]))
        cid = np.empty(C, np.int64)
        cid[corder] = np.arange(1, C + 1)
        self.cid = cid
        region = s.unit_region[c["team"][:C]]
        rids = np.array([x[0] for x in REGIONS])
        ind = c["industry"][:C]
        name = customer_names(r, ind, c["tier"][:C])
        cdf = pl.DataFrame(
            {
                "customer_id": cid,
                "external_key": source_keys("C", cid, 7),
                "name": name,
                "tier": pl.Series(np.where(c["tier"][:C], "KA", "regular")),
                "region_id": pl.Series(rids[region]),
                "industry": decode(ind, INDUSTRIES),
                "created_date": date_col(c["created"][:C]),
            }
        ).sort("customer_id")
        self.out["customers"] = cdf
        # account owners
        rows = s.own_rows
        cc = np.concatenate([x[0] for x in rows] + [np.flatnonzero(c["owner"][:C] >= 0)])
        oo = np.concatenate([x[1] for x in rows] + [c["owner"][:C][c["owner"][:C] >= 0]])
        ff = np.concatenate([x[2] for x in rows] + [c["ofrom"][:C][c["owner"][:C] >= 0]])
        tt = np.concatenate([x[3] for x in rows] + [np.full((c["owner"][:C] >= 0).sum(), BIG)])
        tt = np.where(tt >= P["term"][oo], np.where(P["term"][oo] <= s.END, P["term"][oo], BIG), tt)
        self.out["account_owners"] = pl.DataFrame(
            {
                "customer_id": cid[cc],
                "employee_id": self.emp[oo],
                "valid_from": date_col(ff),
                "valid_to": date_col(np.minimum(tt, s.END), tt >= BIG),
            }
        ).sort(["customer_id", "valid_from"])
        # quotas
        pn = {
            k: concat_parts(s.panel, k, np.float64 if k in ("quota", "ot", "leave") else None)
            for k in ("p", "m", "quota", "ot", "leave")
        }
        self.panel_np = pn
        qm = ~np.isnan(pn["quota"])
        month_day = s.mstart[s.B + pn["m"]]
        self.out["quotas"] = pl.DataFrame(
            {"employee_id": self.emp[pn["p"][qm]], "month": date_col(month_day[qm]), "amount": pn["quota"][qm]}
        )
        self.out["orders"] = pl.DataFrame(
            {
                "order_id": np.arange(1, N + 1, dtype=np.int64),
                "employee_id": self.emp[op],
                "customer_id": cid[ocust],
                "order_date": date_col(oday),
                "amount": oamt,
                "product_line_id": decode(opl, [x[0] for x in PRODUCT_LINES]),
                "is_new_customer": df["new"],
            }
        )
        self.out["product_lines"] = pl.DataFrame(
            {
                "product_line_id": [x[0] for x in PRODUCT_LINES],
                "name_en": [x[1] for x in PRODUCT_LINES],
                "name_zh": [x[2] for x in PRODUCT_LINES],
                "launched_date": date_col(
                    [s.founding, s.founding + 365 * 3, s.founding + 365, int(s.mstart[s.B + s.launch])]
                ),
            }
        )

    def _collections(self):
        """Payments: one or two per order, late for poor collectors; none after the end."""
        o = self.order_np
        op, ocust, oday, oamt = o["p"], o["cust"], o["day"], o["amt"]
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        poor = P["poor"][op]
        ka = s.c["tier"][ocust]
        lag1 = np.where(
            poor, np.exp(np.log(110) + 0.35 * r.standard_normal(N)), np.exp(np.log(50) + 0.3 * r.standard_normal(N))
        ) + np.where(ka, 12, 0)
        lag1 = np.clip(lag1, 5, 400).astype(np.int64)
        collectible = np.where(poor, 0.75, np.where(r.random(N) < 0.01, 0.0, 1.0)) * oamt
        two = r.random(N) < 0.3
        share1 = np.where(two, r.uniform(0.5, 0.7, N), 1.0)
        a1 = np.round(collectible * share1, 2)
        a2 = np.round(collectible - a1, 2)
        d1 = oday + lag1
        d2 = d1 + r.integers(15, 46, N)
        oid = np.arange(1, N + 1, dtype=np.int64)
        ids = np.concatenate([oid, oid[two]])
        dd = np.concatenate([d1, d2[two]])
        aa = np.concatenate([a1, a2[two]])
        ok = (dd <= s.END) & (aa > 0)
        ids, dd, aa = ids[ok], dd[ok], aa[ok]
        order = np.lexsort((ids, dd))
        self.out["collections"] = pl.DataFrame(
            {
                "collection_id": np.arange(1, len(order) + 1, dtype=np.int64),
                "order_id": ids[order],
                "collected_date": date_col(dd[order]),
                "amount": aa[order],
            }
        )
