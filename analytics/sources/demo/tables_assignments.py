"""Assignments: who held which role in which unit, under which manager, when."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import date_col, decode, nullable
from analytics.sources.demo.config import BIG
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import KA, LEAD, REP, RM, ROLE_IDS


class AssignmentTables(TableState):
    """Placements cut at manager changes: a rep reports to the team lead, others to the regional manager."""

    def _assignments(self):
        s, P = self.s, self.s.P
        snap_n = s.snap_n
        init = self.kept[self.kept < snap_n]
        init = init[P["hire"][init] < s.W0]
        evs = [(init, P["hire"][init], s.snap["unit"][init], s.snap["role"][init], s.snap["level"][init]), *s.ev]
        ev = pl.DataFrame(
            {
                "p": np.concatenate([e[0] for e in evs]).astype(np.int64),
                "f": np.concatenate([np.asarray(e[1]) for e in evs]).astype(np.int64),
                "unit": np.concatenate([np.asarray(e[2]) for e in evs]).astype(np.int64),
                "role": np.concatenate([np.asarray(e[3]) for e in evs]).astype(np.int64),
                "level": np.concatenate([np.asarray(e[4]) for e in evs]).astype(np.int64),
            }
        ).with_row_index("seq")
        ev = ev.filter(pl.Series(np.isin(ev["p"].to_numpy(), self.kept)))
        ev = ev.sort(["p", "f", "seq"]).unique(["p", "f"], keep="last", maintain_order=True)
        ev = ev.with_columns(term=pl.Series(P["term"][ev["p"].to_numpy()]))
        ev = ev.with_columns(t=(pl.col("f").shift(-1).over("p") - 1).fill_null(pl.col("term")))
        ev = ev.with_columns(t=pl.min_horizontal("t", "term")).drop("term", "seq")
        self.placements = ev  # p, f, unit, role, level, t (BIG = open)
        LO, HI = -(10**6), BIG
        rmu = s.region_unit_idx

        def timeline(rows: pl.DataFrame, keys: pl.Series) -> pl.DataFrame:
            """Manager intervals per key covering [LO, HI]; gaps have mgr = -1."""
            rows = rows.sort(["key", "f"])
            prev = rows.with_columns(pt=pl.col("t").shift(1).over("key"))
            gaps = prev.filter(pl.col("pt").is_not_null() & (pl.col("f") > pl.col("pt") + 1)).select(
                "key", f=pl.col("pt") + 1, t=pl.col("f") - 1
            )
            lead = rows.group_by("key").agg(pl.col("f").min().alias("f"), pl.col("t").max().alias("t"))
            head = lead.filter(pl.col("f") > LO).select("key", f=pl.lit(LO, pl.Int64), t=pl.col("f") - 1)
            tail = lead.filter(pl.col("t") < HI).select("key", f=pl.col("t") + 1, t=pl.lit(HI, pl.Int64))
            k_np = keys.to_numpy()
            none = pl.DataFrame({"key": k_np[~np.isin(k_np, rows["key"].to_numpy())]}).select(
                "key", f=pl.lit(LO, pl.Int64), t=pl.lit(HI, pl.Int64)
            )
            g = pl.concat([gaps, head, tail, none]).with_columns(mgr=pl.lit(-1, pl.Int64))
            return pl.concat([rows.select("key", "f", "t", "mgr"), g.select("key", "f", "t", "mgr")]).sort(["key", "f"])

        rm_rows = ev.filter(pl.col("role") == RM).select(key=pl.col("unit"), f="f", t="t", mgr="p")
        rm_tl = timeline(rm_rows, pl.Series(rmu.astype(np.int64)))
        lead_rows = ev.filter(pl.col("role") == LEAD).select(key=pl.col("unit"), f="f", t="t", mgr="p")
        team_tl = timeline(lead_rows, pl.Series(s.team_idx.astype(np.int64)))
        # fill lead gaps with the region's manager
        ru_of_unit = np.full(s.U, -1, np.int64)
        ru_of_unit[1:] = rmu[s.unit_region[1:]]
        gaps = team_tl.filter(pl.col("mgr") < 0)
        gaps = gaps.with_columns(rk=pl.Series(ru_of_unit[gaps["key"].to_numpy()]))
        filled = self._intersect(gaps.select("key", "f", "t", "rk"), rm_tl.rename({"key": "rk"}), "rk")
        team_tl = pl.concat(
            [team_tl.filter(pl.col("mgr") >= 0).select("key", "f", "t", "mgr"), filled.select("key", "f", "t", "mgr")]
        )
        # place each placement row under its manager timeline
        e_role = ev["role"].to_numpy()
        e_unit = ev["unit"].to_numpy()
        is_rep = (e_role == REP) | (e_role == KA)
        mkey = np.where(is_rep, e_unit, np.where((e_role == RM) | (e_unit == 0), -1, ru_of_unit[e_unit]))
        ev = ev.with_columns(key2=pl.Series(mkey), kind=pl.Series(np.where(is_rep, 0, 1)))
        a_team = self._intersect(ev.filter(pl.col("kind") == 0), team_tl.rename({"key": "key2"}), "key2")
        a_reg = self._intersect(
            ev.filter((pl.col("kind") == 1) & (pl.col("key2") >= 0)), rm_tl.rename({"key": "key2"}), "key2"
        )
        a_none = ev.filter((pl.col("kind") == 1) & (pl.col("key2") < 0)).with_columns(mgr=pl.lit(-1, pl.Int64))
        cols = ["p", "f", "t", "unit", "role", "level", "mgr"]
        a = pl.concat([a_team.select(cols), a_reg.select(cols), a_none.select(cols)]).sort(["p", "f"])
        # a manager change after the last day (a lead leaving on it) is not history: keep the row open
        a = a.filter(pl.col("f") <= s.END)
        a = a.with_columns(term=pl.Series(P["term"][a["p"].to_numpy()]))
        a = a.with_columns(
            t=pl.when((pl.col("t") >= s.END) & (pl.col("term") >= BIG)).then(BIG).otherwise(pl.col("t"))
        ).drop("term")
        emp = self.emp
        mgr = a["mgr"].to_numpy()
        mgr_emp = np.where(mgr >= 0, emp[np.maximum(mgr, 0)], -1)
        t = a["t"].to_numpy()
        self.assign_np = {
            "p": a["p"].to_numpy(),
            "f": a["f"].to_numpy(),
            "t": t,
            "unit": a["unit"].to_numpy(),
            "role": a["role"].to_numpy(),
            "mgr": mgr_emp,
        }
        self.out["assignments"] = pl.DataFrame(
            {
                "assignment_id": np.arange(1, len(a) + 1, dtype=np.int64),
                "employee_id": emp[a["p"].to_numpy()],
                "org_unit_id": pl.Series(np.array(s.units["id"])[a["unit"].to_numpy()]),
                "manager_id": nullable(mgr_emp, mgr_emp < 0, pl.Int64),
                "role_id": decode(a["role"].to_numpy(), ROLE_IDS),
                "job_level": pl.Series(a["level"].to_numpy()).cast(pl.Int32),
                "valid_from": date_col(a["f"].to_numpy()),
                "valid_to": date_col(np.minimum(t, s.END), t >= BIG),
            }
        )

    @staticmethod
    def _intersect(rows: pl.DataFrame, tl: pl.DataFrame, key: str) -> pl.DataFrame:
        """Clip rows [f, t] against timeline intervals [f, t] with the same key."""
        j = rows.join(
            tl.select(key, pl.col("f").alias("tf"), pl.col("t").alias("tt"), pl.col("mgr").alias("m2")), on=key
        )
        j = j.filter((pl.col("tf") <= pl.col("t")) & (pl.col("tt") >= pl.col("f")))
        j = j.with_columns(f=pl.max_horizontal("f", "tf"), t=pl.min_horizontal("t", "tt"), mgr=pl.col("m2"))
        return j.drop("tf", "tt", "m2")
