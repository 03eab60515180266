"""Filling the seats: requisitions, arrivals (with mentors and referrers), promotions and transfers."""

from __future__ import annotations

import numpy as np

from analytics.sources.demo.config import INTERNAL_LEAD_P, KA_ROLE_P, MENTOR_P, SEED_REPS, TRANSFER_P
from analytics.sources.demo.matching import best_distinct, group_pick
from analytics.sources.demo.sim_org import OrgSim
from analytics.sources.demo.vocabulary import KA, LEAD, RECRUITERS, REP, RM, SOURCE_P, SOURCE_TTF, SOURCES


class StaffingSim(OrgSim):
    """Opens a requisition for every empty seat and places people into seats."""

    def _arrivals(self, m, ms, me):
        pd_ = self.pend
        if len(pd_["hire"]) == 0:
            return
        arr = (pd_["hire"] >= ms) & (pd_["hire"] <= me)
        if not arr.any():
            return
        sel = {k: v[arr] for k, v in pd_.items()}
        self.pend = {k: v[~arr] for k, v in pd_.items()}
        r, P = self.rng, self.P
        unit = sel["group"] // 8
        idx = self._new_people(unit, sel["role"].astype(np.int8), sel["hire"], np.full(len(unit), m), sel["source"])
        # mentors: experienced reps of the same team
        alive = self._alive_at(ms)
        exp_rep = alive[((P["role"][alive] == REP) | (P["role"][alive] == KA)) & (P["hire"][alive] <= ms - 365)]
        rep_new = (sel["role"] == REP) | (sel["role"] == KA)
        mentor = group_pick(r, P["unit"][exp_rep].astype(np.int64), exp_rep, unit)
        give = rep_new & (mentor >= 0) & (r.random(len(idx)) < MENTOR_P)
        P["mentor"][idx[give]] = mentor[give]
        P["mentor_start"][idx] = sel["hire"] + r.integers(0, 15, len(idx))
        # referrers: someone in the same region (company-wide if the region is empty)
        refd = sel["source"] == 0
        if refd.any():
            cand = alive[P["hire"][alive] <= ms - 60]
            reg = self.unit_region[P["unit"][cand]]
            ref = group_pick(r, reg, cand, self.unit_region[unit[refd]])
            miss = ref < 0
            if miss.any() and len(cand):
                ref[miss] = cand[r.integers(0, len(cand), miss.sum())]
            P["referrer"][idx[refd]] = ref
        if m >= 0:
            self.ev.append((idx, sel["hire"], unit, sel["role"], P["level"][idx]))
            self.reqs.append({**sel, "person": idx})

    def _promotions(self, m, ms):
        r, P, n = self.rng, self.P, self.n
        alive = self._alive_at(ms)
        alive = alive[P["hire"][alive] < ms]
        role = P["role"][alive]
        seats = self._seats(m)
        moved = np.zeros(0, dtype=np.int64)
        # regional managers: best team lead of the region, else of the company
        rm_units = self.region_unit_idx[seats[self.region_unit_idx * 8 + RM] > 0]
        occ = np.flatnonzero(P["term"][:n] >= ms)  # everyone here or arriving this month
        have_rm = np.zeros(self.U, bool)
        have_rm[P["unit"][occ[P["role"][occ] == RM]]] = True
        need = rm_units[~have_rm[rm_units]]
        if len(need):
            leads = alive[role == LEAD]
            score = P["prod"][leads] * np.exp(0.2 * r.standard_normal(len(leads)))
            pick = best_distinct(self.unit_region[need], self.unit_region[P["unit"][leads]], leads, score)
            miss = pick < 0
            if miss.any():
                rest = np.setdiff1d(leads, pick[pick >= 0])
                sc = P["prod"][rest]
                pick[miss] = best_distinct(np.zeros(miss.sum(), np.int64), np.zeros(len(rest), np.int64), rest, sc)
            ok = pick >= 0
            self._place(pick[ok], ms, need[ok], RM)
            moved = np.concatenate([moved, pick[ok]])
        # team leads
        role = P["role"][alive]
        occ = np.flatnonzero(P["term"][:n] >= ms)
        act_lead_team = np.zeros(self.U, bool)
        act_lead_team[P["unit"][occ[P["role"][occ] == LEAD]]] = True
        pend_lead = np.zeros(self.U, bool)
        pl_g = self.pend["group"]
        pend_lead[(pl_g[pl_g % 8 == LEAD]) // 8] = True
        tt = self.team_idx
        vac = tt[(seats[tt * 8 + LEAD] > 0) & ~act_lead_team[tt] & ~pend_lead[tt]]
        vac = vac[r.random(len(vac)) < INTERNAL_LEAD_P]
        if len(vac):
            reps = alive[((role == REP) | (role == KA)) & (P["hire"][alive] <= ms - 365)]
            reps = np.setdiff1d(reps, moved)
            score = P["prod"][reps] * np.exp(0.2 * r.standard_normal(len(reps)))
            pick = best_distinct(vac, P["unit"][reps].astype(np.int64), reps, score)
            for key_of in (lambda x: self.unit_region[x], lambda x: np.zeros(len(x), np.int64)):
                miss = pick < 0
                if not miss.any():
                    break
                avail = np.isin(reps, pick[pick >= 0], invert=True)
                rr = reps[avail]
                pick[miss] = best_distinct(key_of(vac[miss]), key_of(P["unit"][rr].astype(np.int64)), rr, score[avail])
            ok = pick >= 0
            self._place(pick[ok], ms, vac[ok], LEAD)
            moved = np.concatenate([moved, pick[ok]])
        self._moved = moved

    def _transfers(self, m, ms):
        r, P = self.rng, self.P
        alive = self._alive_at(ms)
        role = P["role"][alive]
        cand = alive[((role == REP) | (role == KA)) & (P["hire"][alive] <= ms - 365)]
        cand = np.setdiff1d(cand, self._moved)
        # a team that starts this month is seeded with experienced reps (they can mentor its hires):
        # from the same region for a new-product team, from anywhere for the new region
        new = self.team_idx[self.rep_from[self.team_idx] == m]
        if len(new):
            need = np.repeat(new, SEED_REPS)
            senior = cand[P["hire"][cand] <= ms - 730]
            same = self.is_np[need]
            pick = np.full(len(need), -1, np.int64)
            score = r.random(len(senior))
            pick[same] = best_distinct(self.unit_region[need[same]], self.unit_region[P["unit"][senior]], senior, score)
            rest = np.isin(senior, pick, invert=True)
            pick[~same] = best_distinct(
                np.zeros((~same).sum(), np.int64), np.zeros(rest.sum(), np.int64), senior[rest], score[rest]
            )
            ok = pick >= 0
            self._place(pick[ok], ms, need[ok], P["role"][pick[ok]])
            cand = np.setdiff1d(cand, pick)
        go = cand[r.random(len(cand)) < TRANSFER_P]
        if len(go) == 0:
            return
        open_t = self.team_idx[(m >= self.rep_from[self.team_idx])]
        reg = self.unit_region[open_t]
        dest = group_pick(r, reg, open_t, self.unit_region[P["unit"][go]])
        ok = (dest >= 0) & (dest != P["unit"][go])
        self._place(go[ok], ms, dest[ok], P["role"][go[ok]])

    def _place(self, idx, day, unit, role):
        if len(idx) == 0:
            return
        P = self.P
        role = np.broadcast_to(np.asarray(role, dtype=np.int8), idx.shape)
        P["unit"][idx] = unit
        P["role"][idx] = role
        P["level"][idx] = np.maximum(P["level"][idx], self._level(role, day - P["hire"][idx]))
        if role[0] in (LEAD, RM):
            P["level"][idx] = self._level(role, day - P["hire"][idx])
        if day >= self.W0:
            self.ev.append(
                (idx.copy(), np.full(len(idx), day), np.asarray(unit).copy(), role.copy(), P["level"][idx].copy())
            )

    def _vacancies(self, m, ms, me):
        r, P = self.rng, self.P
        n = self.n
        occ = np.flatnonzero(P["term"][:n] >= ms)
        seats = self._seats(m)
        G = len(seats)
        have = np.bincount(self._group(occ), minlength=G)
        have += np.bincount(self.pend["group"], minlength=G)
        vac = np.clip(seats - have, 0, None)
        g = np.repeat(np.arange(G), vac)
        k = len(g)
        if k == 0:
            return
        cls = g % 8
        role = np.where(cls == 0, np.where(r.random(k) < np.where(self.is_np[g // 8], 0.1, KA_ROLE_P), KA, REP), cls)
        src = r.choice(len(SOURCES), k, p=SOURCE_P)
        key = (role == LEAD) | (role == RM) | (role == KA)
        opened = ms + r.integers(0, 10, k)
        ttf = np.clip(SOURCE_TTF[src] * np.where(key, 1.3, 1.0) * np.exp(0.35 * r.standard_normal(k)), 10, 150).astype(
            np.int64
        )
        filled = opened + ttf
        notice = np.where(src == 2, r.integers(20, 60, k), r.integers(7, 30, k))
        hire = filled + notice
        hire = np.where(hire <= me, me + 1 + r.integers(0, 10, k), hire)  # not before next month
        new = {
            "group": g,
            "role": role,
            "hire": hire,
            "opened": opened,
            "filled": filled,
            "target": opened + r.integers(45, 61, k),
            "source": src,
            "key": key.astype(np.int64),
            "recruiter": r.integers(0, len(RECRUITERS), k),
        }
        self.pend = {kk: np.concatenate([self.pend[kk], new[kk].astype(np.int64)]) for kk in self.pend}
