"""Selling: attendance, quota, ramp-up and bookings per person-month, expanded into orders."""

from __future__ import annotations

import numpy as np

from analytics.sources.demo.config import KA_LIFT, ORDER_SIZE, QUOTA_BASE, QUOTA_GROWTH, RAMP_TAU, SEASON, TYPE_SPLIT
from analytics.sources.demo.sim_customers import CustomerSim
from analytics.sources.demo.vocabulary import KA, LEAD, PL_AFTER, PL_BEFORE, PL_NEW_TEAM, REP


class SalesSim(CustomerSim):
    """One month of work for everyone employed: the panel row, the quarter flags and the orders."""

    def _sell(self, m, ms, me, cal):
        r, P, n = self.rng, self.P, self.n
        alive = np.flatnonzero((P["hire"][:n] <= me) & (P["term"][:n] >= ms))
        lo = np.maximum(P["hire"][alive], ms)
        hi = np.minimum(P["term"][alive], me)
        dim = me - ms + 1
        frac = (hi - lo + 1) / dim
        role = P["role"][alive].astype(np.int64)
        k = np.maximum(m - P["hire_m"][alive] + 1, 1)
        # attendance
        ot = np.maximum(
            0.0, P["ot_lat"][alive] * (1.15 if cal >= 9 else 1.0) * np.exp(0.25 * r.standard_normal(len(alive)) - 0.03)
        )
        P["ot_last"][alive] = ot
        lam = 0.9 + (2.5 if cal == 1 else 0.0) + (1.0 if cal == 9 else 0.0)
        leave = r.poisson(2 * lam, len(alive)) / 2.0
        # quota and bookings
        quota = (role == REP) | (role == KA) | (role == LEAD)
        qfull = np.zeros(len(alive))
        for rl, q in QUOTA_BASE.items():
            qfull = np.where(role == rl, q, qfull)
        qfull *= (1 + QUOTA_GROWTH) ** (m / 12) * SEASON[cal]
        q_amt = np.round(qfull * frac / 100) * 100
        tau = np.where(P["mentor"][alive] >= 0, RAMP_TAU[1], RAMP_TAU[0])
        ramp = np.where(k > 24, 1.0, 1 - np.exp(-(k - 0.5) / tau))
        noise = np.exp(0.35 * r.standard_normal(len(alive)) - 0.35**2 / 2)
        att = P["prod"][alive] * self.team_f[P["unit"][alive]] * ramp * noise
        b = np.where(quota, qfull * frac * att, 0.0)
        if m >= 0:
            b = self._orders(
                m, ms, alive[quota], b[quota], lo[quota], hi[quota], k[quota], out=b, where=np.flatnonzero(quota)
            )
        # trailing bookings and quarter attainment
        qa = alive[quota]
        P["b3"][qa] = P["b2"][qa]
        P["b2"][qa] = P["b1"][qa]
        P["b1"][qa] = b[quota]
        P["nb"][qa] = np.minimum(P["nb"][qa] + 1, 100)
        P["qB"][qa] += b[quota]
        P["qQ"][qa] += q_amt[quota]
        P["qfull"][qa] += (frac[quota] >= 1.0).astype(np.int8)
        if cal % 3 == 2:
            idx = np.flatnonzero(P["qQ"][:n] > 0)
            att_q = np.where(P["qfull"][idx] == 3, P["qB"][idx] / P["qQ"][idx], np.nan)
            P["lowq2"][:n] = False
            P["lowq2"][idx] = P["lowq1"][idx]
            P["lowq1"][:n] = False
            P["lowq1"][idx] = att_q < 0.7
            P["qB"][:n] = 0
            P["qQ"][:n] = 0
            P["qfull"][:n] = 0
        if m >= 0:
            self.panel.append(
                {
                    "p": alive,
                    "m": np.full(len(alive), m),
                    "quota": np.where(quota, q_amt, np.nan),
                    "ot": np.round(ot * frac, 1),
                    "leave": np.minimum(leave, np.floor(frac * dim)),
                }
            )

    def _orders(self, m, ms, reps, b, lo, hi, k, out, where):
        """Expand rep-month bookings into orders; returns the bookings actually booked."""
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        tier = c["tier"][:C]
        valid = own >= 0
        ka_c = np.flatnonzero(valid & tier)
        rg_c = np.flatnonzero(valid & ~tier)
        ka_c = ka_c[np.argsort(own[ka_c], kind="stable")]
        rg_c = rg_c[np.argsort(own[rg_c], kind="stable")]
        ka_own, rg_own = own[ka_c], own[rg_c]
        ka_lo = np.searchsorted(ka_own, reps, "left")
        ka_n = np.searchsorted(ka_own, reps, "right") - ka_lo
        rg_lo = np.searchsorted(rg_own, reps, "left")
        rg_n = np.searchsorted(rg_own, reps, "right") - rg_lo
        rt = P["rtype"][reps].astype(np.int64)
        s_ka = np.select([rt == 1, rt == 2], [TYPE_SPLIT[1][0], TYPE_SPLIT[2][0]], TYPE_SPLIT[0][0])
        s_new = np.select([rt == 1, rt == 2], [TYPE_SPLIT[1][1], TYPE_SPLIT[2][1]], TYPE_SPLIT[0][1])
        s_ka = np.where(ka_n > 0, s_ka, 0.0)
        P["ka_since"][reps] = np.where(ka_n > 0, np.minimum(P["ka_since"][reps], m), 10**6)
        lift = np.where((P["ka_m"][reps] >= m - 6) & (P["ka_m"][reps] <= m - 1), 1 + KA_LIFT, 1.0)
        b_ka = b * s_ka * lift
        b_new = b * s_new
        b_rep = b * (1 - s_ka - s_new)
        osz = float(self.p["order_size"])
        n_new = r.poisson(b_new / (ORDER_SIZE["new"] * osz))
        # no new deal this month: the amount is repeat business (or a single new deal if no book)
        zero = (n_new == 0) & (b_new > 0)
        to_rep = zero & (rg_n > 0)
        b_rep = b_rep + np.where(to_rep, b_new, 0)
        b_new = np.where(to_rep, 0, b_new)
        n_new = np.where(zero & ~to_rep, 1, n_new)
        no_book = rg_n == 0
        b_new = b_new + np.where(no_book, b_rep, 0)
        n_new = np.where(no_book & (b_rep > 0) & (n_new == 0), 1, n_new)
        b_rep = np.where(no_book, 0, b_rep)
        n_ka = np.where(b_ka > 0, np.maximum(1, r.poisson(b_ka / (ORDER_SIZE["ka"] * osz))), 0)
        n_rep = np.where(b_rep > 0, np.maximum(1, r.poisson(b_rep / (ORDER_SIZE["rep"] * osz))), 0)
        parts_amt = np.concatenate([b_ka, b_rep, b_new])
        parts_n = np.concatenate([n_ka, n_rep, n_new])
        R = len(reps)
        part_rep = np.tile(np.arange(R), 3)
        part_kind = np.repeat(np.arange(3), R)
        keep = parts_n > 0
        parts_amt, parts_n, part_rep, part_kind = parts_amt[keep], parts_n[keep], part_rep[keep], part_kind[keep]
        pid = np.repeat(np.arange(len(parts_n)), parts_n)
        w = r.gamma(2.0, 1.0, len(pid))
        wsum = np.bincount(pid, weights=w, minlength=len(parts_n))
        amt = np.round(parts_amt[pid] * w / wsum[pid], 2)
        ri = part_rep[pid]
        kind = part_kind[pid]
        u = r.random(len(pid))
        cust = np.full(len(pid), -1, np.int64)
        kk = kind == 0
        cust[kk] = ka_c[ka_lo[ri[kk]] + np.floor(u[kk] * ka_n[ri[kk]]).astype(np.int64)]
        kr = kind == 1
        cust[kr] = rg_c[rg_lo[ri[kr]] + np.floor(u[kr] * rg_n[ri[kr]]).astype(np.int64)]
        day = lo[ri] + np.floor(r.random(len(pid)) * (hi[ri] - lo[ri] + 1)).astype(np.int64)
        kn = np.flatnonzero(kind == 2)
        if len(kn):
            rep_p = reps[ri[kn]]
            newc = self._new_customers(P["unit"][rep_p].astype(np.int64), r.random(len(kn)) < 0.10, day[kn])
            self.c["owner"][newc] = rep_p
            self.c["ofrom"][newc] = day[kn]
            cust[kn] = newc
        # product line
        unit = P["unit"][reps[ri]]
        probs = np.where(
            self.is_np[unit][:, None] & (m >= self.launch), PL_NEW_TEAM, PL_AFTER if m >= self.launch else PL_BEFORE
        )
        plc = (r.random((len(pid), 1)) > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 3)
        self.orders.append({"p": reps[ri], "cust": cust, "day": day, "amt": amt, "pl": plc, "m": np.full(len(pid), m)})
        booked = np.bincount(ri, weights=amt, minlength=R)
        out = out.copy()
        out[where] = booked
        return out
