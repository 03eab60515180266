"""The organisation: regions and teams (with the new region and the new-product teams) and their seats."""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.sources.demo.names import cn_num
from analytics.sources.demo.sim_state import SimState
from analytics.sources.demo.vocabulary import CS, HRBP, KA, LEAD, NEW_REGION, OPS, REGIONS, RM


class OrgSim(SimState):
    """Builds the org units once; says how many seats each unit and role has in a month."""

    def _build_org(self):
        r = self.rng
        scale = float(self.p["team_scale"])
        founding = np.datetime64(date(self.start.year - 12, 1, 1)).astype(np.int64)
        self.founding = int(founding)
        u = {
            "id": ["company"],
            "parent": [None],
            "level": ["company"],
            "en": ["Company"],
            "zh": ["总公司"],
            "opened": [self.founding],
            "region": [-1],
        }
        self.region_units = {}
        for i, (rid, en, zh, _) in enumerate(REGIONS):
            self.region_units[rid] = len(u["id"])
            opened = int(self.mstart[self.B + self.nw_open]) if rid == NEW_REGION else self.founding
            for key, val in zip(u, [rid, "company", "region", en, zh, opened, i], strict=True):
                u[key].append(val)
        team_rows = []  # (unit_idx, region_i, is_np, rep_from_m, lead_from_m)
        for i, (rid, en, zh, base) in enumerate(REGIONS):
            nt = max(1, round(base * scale))
            for t in range(1, nt + 1):
                idx = len(u["id"])
                new_region = rid == NEW_REGION
                opened = int(self.mstart[self.B + self.nw_open]) if new_region else self.founding
                for key, val in zip(
                    u, [f"{rid}-{t:02d}", rid, "team", f"{en} Team {t}", f"{zh}{cn_num(t)}组", opened, i], strict=True
                ):
                    u[key].append(val)
                if new_region:
                    team_rows.append((idx, i, False, self.nw_open - 4, self.nw_open - 3))
                else:
                    team_rows.append((idx, i, False, -10_000, -10_000))
        for rid in self.p["np_regions"]:
            i = [x[0] for x in REGIONS].index(rid)
            en, zh = REGIONS[i][1], REGIONS[i][2]
            idx = len(u["id"])
            opened = int(self.mstart[self.B + self.launch - 3])
            for key, val in zip(
                u, [f"{rid}-np", rid, "team", f"{en} New Product Team", f"{zh}新品组", opened, i], strict=True
            ):
                u[key].append(val)
            team_rows.append((idx, i, True, self.launch - 3, self.launch - 3))
        self.units = u
        U = len(u["id"])
        self.U = U
        self.unit_region = np.array(u["region"], dtype=np.int64)
        self.region_unit_idx = np.array([self.region_units[x[0]] for x in REGIONS])
        tr = np.array([(a, b, int(c), d, e) for a, b, c, d, e in team_rows], dtype=np.int64)
        self.team_idx = tr[:, 0]
        self.is_team = np.zeros(U, bool)
        self.is_team[self.team_idx] = True
        self.is_np = np.zeros(U, bool)
        self.is_np[tr[tr[:, 2] == 1, 0]] = True
        self.rep_from = np.full(U, 10**6)
        self.rep_from[self.team_idx] = tr[:, 3]
        self.lead_from = np.full(U, 10**6)
        self.lead_from[self.team_idx] = tr[:, 4]
        nt = len(self.team_idx)
        self.team_f = np.ones(U)
        self.team_f[self.team_idx] = np.exp(0.08 * r.standard_normal(nt))
        nw_ri = [x[0] for x in REGIONS].index(NEW_REGION)
        self.team_f[self.team_idx[tr[:, 1] == nw_ri]] *= 0.92
        self.seat0 = np.zeros(U)
        self.seat0[self.team_idx] = np.where(
            tr[:, 2] == 1, 8.0, np.where(tr[:, 1] == nw_ri, r.uniform(7.0, 8.5, nt), r.uniform(7.6, 9.3, nt))
        )
        self.seat_u = np.zeros(U)
        self.seat_u[self.team_idx] = r.random(nt)
        # support seats: (unit, role) → count, active from month
        sup = np.zeros((U, 7), dtype=np.int64)
        teams_per_region = np.bincount(self.unit_region[self.team_idx], minlength=len(REGIONS))
        for i, (rid, *_rest) in enumerate(REGIONS):
            ru = self.region_units[rid]
            ntr = teams_per_region[i]
            sup[ru, HRBP] = max(1, round(ntr / 8))
            sup[ru, CS] = max(1, round(ntr / 5))
            sup[ru, OPS] = max(1, round(ntr / 6)) if ntr >= 5 else 0
        sup[0, OPS] = max(2, round(nt / 20))
        sup[0, HRBP] = max(1, round(nt / 30))
        self.sup = sup
        self.sup_from = np.full(U, -10_000)
        self.sup_from[self.region_units[NEW_REGION]] = self.nw_open - 4
        self.rm_from = np.full(U, 10**6)
        for rid in self.region_units:
            self.rm_from[self.region_units[rid]] = self.nw_open - 3 if rid == NEW_REGION else -10_000

    def _seats(self, m: int) -> np.ndarray:
        """Seats per group (unit*8 + class) in month m."""
        U = self.U
        s = np.zeros(U * 8, dtype=np.int64)
        t = self.team_idx
        g = (1 + 0.04) ** (max(m, 0) / 12)
        reps = np.floor(self.seat0[t] * g + self.seat_u[t]).astype(np.int64)
        started = m >= self.rep_from[t]
        first = m == self.rep_from[t]
        nw_first = first & ~self.is_np[t]
        reps = np.where(started, np.where(nw_first, np.ceil(reps * 0.5).astype(np.int64), reps), 0)
        s[t * 8 + 0] = reps
        s[t * 8 + LEAD] = (m >= self.lead_from[t]).astype(np.int64)
        ru = self.region_unit_idx
        s[ru * 8 + RM] = (m >= self.rm_from[ru]).astype(np.int64)
        for role in (OPS, CS, HRBP):
            units = np.arange(U)
            s[units * 8 + role] = np.where(m >= self.sup_from, self.sup[:, role], 0)
        return s

    def _group(self, idx):
        role = self.P["role"][idx].astype(np.int64)
        cls = np.where(role == KA, 0, role)
        return self.P["unit"][idx].astype(np.int64) * 8 + cls
