"""People tables: employees, org units, roles and compensation."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from analytics.sources.demo.columns import date_col, decode, decode_or_null, nullable, source_keys
from analytics.sources.demo.config import BIG
from analytics.sources.demo.names import person_names
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import (
    CS,
    EXIT_REASONS,
    EXIT_TYPES,
    HRBP,
    KA,
    LEAD,
    OPS,
    REP,
    RM,
    ROLE_ROWS,
    SOURCES,
)


class PeopleTables(TableState):
    """Employees (ids in hire order), the org units and roles, and pay per role and year."""

    def _people(self):
        s, P, n = self.s, self.s.P, self.s.n
        kept = np.flatnonzero((P["hire"][:n] <= s.END) & (P["term"][:n] >= s.W0))
        order = np.lexsort((kept, P["hire"][kept]))
        kept = kept[order]
        emp = np.full(n, -1, np.int64)
        emp[kept] = 100_001 + np.arange(len(kept))
        self.emp = emp
        self.kept = kept
        r = self.rng
        nk = len(kept)
        names = person_names(r, nk)
        term = P["term"][kept]
        left = term <= s.END
        ref = P["referrer"][kept]
        ref_emp = np.where(ref >= 0, emp[np.maximum(ref, 0)], -1)
        self.left = left
        df = pl.DataFrame(
            {
                "employee_id": emp[kept],
                "external_key": source_keys("E", np.arange(1, nk + 1), 6),
                "name": names,
                "gender": pl.Series(np.where(P["gender"][kept] == 1, "F", "M")),
                "birth_year": pl.Series(P["birth"][kept]).cast(pl.Int32),
                "hire_date": date_col(P["hire"][kept]),
                "termination_date": date_col(np.where(left, term, 0), ~left),
                "exit_type": decode_or_null(np.where(left, P["exit_type"][kept], -1), EXIT_TYPES),
                "exit_reason": decode_or_null(np.where(left, P["exit_reason"][kept], -1), EXIT_REASONS),
                "regretted": pl.Series([None] * nk, dtype=pl.Boolean),  # set after reviews
                "hire_source": decode(P["source"][kept], SOURCES),
                "referrer_id": nullable(ref_emp, ref_emp < 0, pl.Int64),
                "probation_months": pl.Series(np.full(nk, 3), dtype=pl.Int32),
            }
        )
        self.out["employees"] = df
        u = s.units
        self.out["org_units"] = pl.DataFrame(
            {
                "org_unit_id": u["id"],
                "parent_id": pl.Series(u["parent"], dtype=pl.Utf8),
                "level": u["level"],
                "name_en": u["en"],
                "name_zh": u["zh"],
                "opened_date": date_col(u["opened"]),
                "closed_date": pl.Series([None] * len(u["id"]), dtype=pl.Date),
            }
        )
        self.out["roles"] = pl.DataFrame(
            {
                "role_id": [x[0] for x in ROLE_ROWS],
                "name_en": [x[1] for x in ROLE_ROWS],
                "name_zh": [x[2] for x in ROLE_ROWS],
                "family": [x[3] for x in ROLE_ROWS],
                "carries_quota": [x[4] for x in ROLE_ROWS],
                "career_step": pl.Series([x[5] for x in ROLE_ROWS], dtype=pl.Int32),
            }
        )

    def _compensation(self):
        s, P = self.s, self.s.P
        pl_ = self.placements
        role_rows = (
            pl_.sort(["p", "f"])
            .with_columns(chg=(pl.col("role") != pl.col("role").shift(1).over("p")).fill_null(True))
            .filter(pl.col("chg"))
            .select("p", "f", "role", "level")
        )
        y0 = s.start.year
        years = np.arange(y0, s.end.year + 1)
        jan1 = np.array([np.datetime64(date(int(y), 1, 1)).astype(np.int64) for y in years])
        kept = self.kept
        hire, term = P["hire"][kept], P["term"][kept]
        pp = np.repeat(kept, len(jan1))
        jj = np.tile(jan1, len(kept))
        ok = (jj > np.repeat(hire, len(jan1))) & (jj <= np.repeat(np.minimum(term, s.END), len(jan1)))
        bounds = pl.DataFrame({"p": pp[ok], "f": jj[ok]})
        allb = pl.concat([role_rows.select("p", "f"), bounds]).unique().sort("f")
        allb = allb.join_asof(role_rows.sort("f"), on="f", by="p", strategy="backward", check_sortedness=False).sort(
            ["p", "f"]
        )
        allb = allb.with_columns(t=(pl.col("f").shift(-1).over("p") - 1))
        p = allb["p"].to_numpy()
        role = allb["role"].to_numpy()
        lvl = allb["level"].to_numpy()
        f = allb["f"].to_numpy()
        last = allb["t"].is_null().to_numpy()
        tt = np.where(last, P["term"][p], allb["t"].fill_null(0).to_numpy())
        lohi = {
            REP: (6000, 12000),
            KA: (9000, 14000),
            LEAD: (15000, 25000),
            RM: (30000, 45000),
            OPS: (9000, 14000),
            CS: (8000, 12000),
            HRBP: (12000, 18000),
        }
        lo = np.zeros(len(p))
        hi = np.zeros(len(p))
        for rl, (a, b) in lohi.items():
            lo = np.where(role == rl, a, lo)
            hi = np.where(role == rl, b, hi)
        yr = f.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        base = (lo + (hi - lo) * (0.7 * P["u_base"][p] + 0.1 * (lvl - 1) / 5)) * 1.04 ** (yr - y0)
        base = np.round(base / 100) * 100
        plan = np.select([role == REP, role == KA, role == LEAD], [0, 1, 2], -1)
        self.out["compensation"] = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "valid_from": date_col(f),
                "valid_to": date_col(np.minimum(tt, s.END), tt >= BIG),
                "base_monthly": base.astype(np.float64),
                "commission_plan": decode_or_null(plan, ["standard_2024", "ka_2024", "lead_2024"]),
            }
        )
