"""Customers and their owners: the initial book, new accounts, hand-overs, and the KA training waves."""

from __future__ import annotations

import numpy as np

from analytics.sources.demo.config import KA_TRAIN_SHARE
from analytics.sources.demo.matching import group_pick
from analytics.sources.demo.sim_state import SimState
from analytics.sources.demo.vocabulary import INDUSTRIES, KA, LEAD, REP


class CustomerSim(SimState):
    """The customer arrays `c` (owner, owner since, tier, team, created, industry)."""

    def _init_customers(self):
        r, P = self.rng, self.P
        alive = self._alive_at(self.W0)
        teams = self.team_idx[self.rep_from[self.team_idx] < 0]
        unit = P["unit"][alive]
        nrep = np.bincount(unit[(P["role"][alive] == REP) | (P["role"][alive] == KA)], minlength=self.U)
        n_ka = np.maximum(2, np.round(nrep[teams] * 1.3)).astype(np.int64)
        n_reg = (nrep[teams] * 11).astype(np.int64)
        team = np.concatenate([np.repeat(teams, n_ka), np.repeat(teams, n_reg)])
        tier = np.concatenate([np.ones(n_ka.sum(), bool), np.zeros(n_reg.sum(), bool)])
        C = len(team)
        self.ccap = max(4096, C * 4)
        self.c = {
            "owner": np.full(self.ccap, -1, np.int64),
            "ofrom": np.zeros(self.ccap, np.int64),
            "tier": np.zeros(self.ccap, bool),
            "team": np.zeros(self.ccap, np.int64),
            "created": np.zeros(self.ccap, np.int64),
            "industry": np.zeros(self.ccap, np.int64),
        }
        self.nc = C
        self.c["tier"][:C] = tier
        self.c["team"][:C] = team
        self.c["created"][:C] = self.W0 - r.integers(30, 3000, C)
        self.c["industry"][:C] = r.integers(0, len(INDUSTRIES), C)

    def _new_customers(self, team, tier, created):
        k = len(team)
        need = self.nc + k
        if need > self.ccap:
            new = max(need, int(self.ccap * 1.6))
            for key, arr in self.c.items():
                a = np.full(new, -1 if key == "owner" else 0, dtype=arr.dtype)
                a[: self.ccap] = arr[: self.ccap]
                self.c[key] = a
            self.ccap = new
        idx = np.arange(self.nc, need)
        self.nc = need
        self.c["team"][idx] = team
        self.c["tier"][idx] = tier
        self.c["created"][idx] = created
        self.c["industry"][idx] = self.rng.integers(0, len(INDUSTRIES), k)
        return idx

    def _reassign(self, m, ms):
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        tier = c["tier"][:C]
        team = c["team"][:C]
        valid = own >= 0
        o = np.where(valid, own, 0)
        orole = P["role"][o]
        oquota = (orole == REP) | (orole == KA) | (orole == LEAD)
        bad = ~valid | (P["term"][o] < ms) | (P["unit"][o] != team) | ~oquota
        alive = self._alive_at(ms)
        alive = alive[P["hire"][alive] <= ms]
        arole = P["role"][alive]
        cand = alive[(arole == REP) | (arole == KA) | (arole == LEAD)]
        cand_ka = alive[arole == KA]
        team_has_ka = np.zeros(self.U, bool)
        team_has_ka[P["unit"][cand_ka]] = True
        handover = valid & ~bad & tier & (orole != KA) & team_has_ka[team] & (r.random(C) < 0.3)
        orph = np.flatnonzero(bad | handover)
        if len(orph) == 0:
            return
        had = own[orph] >= 0
        if had.any():
            oo = own[orph[had]]
            self.own_rows.append((orph[had], oo, c["ofrom"][orph[had]], np.minimum(P["term"][oo], ms - 1)))
        t = team[orph]
        new = np.full(len(orph), -1, np.int64)
        ka = tier[orph] & (r.random(len(orph)) < 0.85)
        if ka.any():
            new[ka] = group_pick(r, P["unit"][cand_ka].astype(np.int64), cand_ka, t[ka])
        miss = new < 0
        new[miss] = group_pick(r, P["unit"][cand].astype(np.int64), cand, t[miss])
        miss = new < 0
        if miss.any():
            new[miss] = group_pick(r, self.unit_region[P["unit"][cand]], cand, self.unit_region[t[miss]])
        got = new >= 0
        c["owner"][orph] = new
        team[orph[got]] = P["unit"][new[got]]
        if m == 0:
            c["ofrom"][orph] = np.maximum(c["created"][orph], np.where(got, P["hire"][np.maximum(new, 0)], 0))
        else:
            c["ofrom"][orph] = ms

    def _ka_wave(self, m, ms, me):
        """Enrol a random share of ka_reps who have held KA accounts for 6+ months in ka_negotiation."""
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        holds = np.zeros(self.n, bool)
        sel = (own >= 0) & c["tier"][:C]
        holds[own[sel]] = True
        alive = self._alive_at(ms)
        role = P["role"][alive]
        elig = alive[(role == KA) & (P["ka_since"][alive] <= m - 6) & holds[alive] & ~P["ka_enr"][alive]]
        go = elig[r.random(len(elig)) < KA_TRAIN_SHARE]
        if len(go) == 0:
            return
        enr = ms + r.integers(0, 4, len(go))
        done_day = enr + r.integers(7, 25, len(go))
        done = (r.random(len(go)) < 0.88) & (done_day <= np.minimum(P["term"][go], me))
        P["ka_enr"][go] = True
        P["ka_m"][go[done]] = m
        self.ka_enr.append({"p": go, "enr": enr, "done": done, "day": done_day})
