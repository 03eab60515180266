"""Engagement surveys and exits: the monthly exit hazard with its embedded effects, and the exit reasons."""

from __future__ import annotations

import numpy as np

from analytics.sources.demo.config import (
    BIG,
    COMM_HZ,
    ENG_HZ,
    HZ_OTHER,
    HZ_REP,
    HZ_SCALE,
    LOW_ATT_HZ,
    MENTOR_PROBATION_HZ,
    OT_HZ,
)
from analytics.sources.demo.sim_state import SimState
from analytics.sources.demo.vocabulary import INV_REASONS, KA, LEAD, REP, SOURCE_HZ, VOL_REASONS


class ExitSim(SimState):
    """Surveys twice a year; draws who leaves each month, when, and why."""

    def _survey(self, m, ms):
        r, P = self.rng, self.P
        day = ms + 14
        resp = self._alive_at(ms)
        resp = resp[(P["hire"][resp] <= day - 30) & (r.random(len(resp)) < 0.85)]
        ot = np.where(np.isnan(P["ot_last"][resp]), P["ot_lat"][resp], P["ot_last"][resp])
        score = np.clip(np.round(P["eng_lat"][resp] - 0.012 * (ot - 18) + 0.35 * r.standard_normal(len(resp)), 1), 1, 5)
        P["eng_obs"][resp] = score
        mgr = np.clip(
            np.round(
                3.8
                + 0.8 * (self.team_f[P["unit"][resp]] - 1) * 5
                + 0.3 * (score - 3.7)
                + 0.5 * r.standard_normal(len(resp)),
                1,
            ),
            1,
            5,
        )
        enps = np.clip(np.round(2 * score - 1 + r.normal(0, 1.2, len(resp))), 0, 10).astype(np.int64)
        if m >= 0:
            self.surveys.append({"p": resp, "day": np.full(len(resp), day), "eng": score, "mgr": mgr, "enps": enps})

    def _exits(self, m, ms, me):
        r, P, n = self.rng, self.P, self.n
        alive = np.flatnonzero((P["hire"][:n] <= me) & (P["term"][:n] == BIG))
        role = P["role"][alive].astype(np.int64)
        k = np.maximum(m - P["hire_m"][alive] + 1, 1)
        is_rep = (role == REP) | (role == KA)
        quota = is_rep | (role == LEAD)
        base = np.where(is_rep, HZ_REP[np.minimum(k, len(HZ_REP) - 1)], 0.0)
        for rl, h in HZ_OTHER.items():
            base = np.where(role == rl, h * np.where(k <= 3, 4.0, 1.0), base)
        mult = np.where(k <= 12, SOURCE_HZ[P["source"][alive]], 1.0)
        mult *= np.where(is_rep & (P["mentor"][alive] >= 0) & (k <= 4), MENTOR_PROBATION_HZ, 1.0)
        low = quota & P["lowq1"][alive] & P["lowq2"][alive]
        mult *= np.where(low, LOW_ATT_HZ, 1.0)
        ot = np.where(np.isnan(P["ot_last"][alive]), P["ot_lat"][alive], P["ot_last"][alive])
        mult *= np.exp(OT_HZ * (ot - 18.0))
        eng = np.where(np.isnan(P["eng_obs"][alive]), P["eng_lat"][alive], P["eng_obs"][alive])
        mult *= np.exp(-ENG_HZ * (eng - 3.7))
        ratio = self._peer_ratio(alive, k)
        cm = np.where(ratio < COMM_HZ[0][0], COMM_HZ[0][1], np.where(ratio < COMM_HZ[1][0], COMM_HZ[1][1], 1.0))
        mult *= np.where(is_rep & (k > 6), cm, 1.0)
        first = P["hire"][alive] >= ms
        frac = np.where(first, (me - P["hire"][alive] + 1) / (me - ms + 1), 1.0)
        h = np.clip(HZ_SCALE * base * mult * frac, 0, 0.95)
        out = alive[r.random(len(alive)) < h]
        if len(out) == 0:
            return
        sel = np.isin(alive, out)
        lo = np.maximum(P["hire"][out], ms)
        P["term"][out] = lo + np.floor(r.random(len(out)) * (me - lo + 1)).astype(np.int64)
        # exit type and reason
        kk, lw = k[sel], low[sel]
        age = (ms / 365.25 + 1970) - P["birth"][out]
        p_other = 0.03
        p_inv = np.where(lw, 0.45, np.where(kk <= 3, 0.28, 0.10))
        u = r.random(len(out))
        et = np.where(u < p_other, 2, np.where(u < p_other + p_inv, 1, 0))
        rs = ratio[sel]
        otr = ot[sel]
        w_vol = np.stack(
            [
                1.0 + 2.0 * (rs < 0.85),
                np.full(len(out), 1.2),
                0.8 + 1.0 * (eng[sel] < 3.0),
                0.8 + 2.0 * (otr > 28),
                np.full(len(out), 0.5),
                np.full(len(out), 0.8),
            ],
            axis=1,
        )
        w_inv = np.stack([np.where(lw, 9.0, 3.0), np.full(len(out), 0.5), np.full(len(out), 0.5)], axis=1)
        vr = self._draw(w_vol)
        ir = self._draw(w_inv) + len(VOL_REASONS)
        orr = np.where(age >= 50, 0, 1) + len(VOL_REASONS) + len(INV_REASONS)
        P["exit_type"][out] = et
        P["exit_reason"][out] = np.where(et == 0, vr, np.where(et == 1, ir, orr))

    def _peer_ratio(self, idx, k):
        """Trailing-3-month bookings ÷ mean of the other same-team, same-role reps (tenure > 6 months)."""
        P = self.P
        b = P["b1"][idx] + P["b2"][idx] + P["b3"][idx]
        role = P["role"][idx].astype(np.int64)
        quota = (role == REP) | (role == KA) | (role == LEAD)
        peer = quota & (k > 6) & (P["nb"][idx] >= 3)
        key = P["unit"][idx].astype(np.int64) * 8 + role
        G = self.U * 8
        s = np.bincount(key[peer], weights=b[peer], minlength=G)[key] - b  # peers exclude the person
        c = np.bincount(key[peer], minlength=G)[key] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s / c
            ratio = np.where(peer & (c > 0) & (mean > 0), b / mean, 1.0)
        return ratio
