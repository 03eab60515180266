"""Recruiting tables: requisitions (filled, open and cancelled) and the applications to them."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import concat_parts, date_col, decode, nullable
from analytics.sources.demo.config import BIG
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import FUNNEL, RECRUITERS, ROLE_IDS, SOURCE_P, SOURCES


class RecruitingTables(TableState):
    """One requisition per hire plus the open and cancelled ones; the hire's application and the drop-outs."""

    def _recruiting(self):
        s, P, r = self.s, self.s.P, self.rng
        arr = {
            k: concat_parts(s.reqs, k)
            for k in ("group", "role", "hire", "opened", "filled", "target", "source", "key", "recruiter", "person")
        }
        pend = s.pend
        k_p = len(pend["hire"])
        # pending at the end: filled if the offer is accepted by then
        nreq = {
            "unit": np.concatenate([arr["group"] // 8, pend["group"] // 8]),
            "role": np.concatenate([arr["role"], pend["role"]]),
            "key": np.concatenate([arr["key"], pend["key"]]).astype(bool),
            "opened": np.concatenate([arr["opened"], pend["opened"]]),
            "target": np.concatenate([arr["target"], pend["target"]]),
            "filled": np.concatenate([arr["filled"], pend["filled"]]),
            "source": np.concatenate([arr["source"], pend["source"]]),
            "recruiter": np.concatenate([arr["recruiter"], pend["recruiter"]]),
            "person": np.concatenate([arr["person"], np.full(k_p, -1)]),
            "cancelled": np.full(len(arr["hire"]) + k_p, BIG),
        }
        nreq["open_end"] = nreq["filled"] > s.END
        # drop pending requisitions not yet opened by the end
        keep = nreq["opened"] <= s.END
        nreq = {k: v[keep] for k, v in nreq.items()}
        # cancelled requisitions (a few percent extra)
        # (a copy of a real requisition's unit and role, opened near it: never before a unit staffs up)
        nc = max(2, int(0.04 * len(nreq["opened"])))
        like = r.integers(0, len(nreq["unit"]), nc)
        cu, c_role = nreq["unit"][like], nreq["role"][like]
        c_open = np.clip(nreq["opened"][like] + r.integers(0, 30, nc), s.W0, s.END - 20)
        c_canc = np.minimum(c_open + r.integers(20, 80, nc), s.END)
        for k, v in {
            "unit": cu,
            "role": c_role,
            "key": nreq["key"][like],
            "opened": c_open,
            "target": c_open + r.integers(45, 61, nc),
            "filled": np.full(nc, BIG),
            "source": r.choice(len(SOURCES), nc, p=SOURCE_P),
            "recruiter": r.integers(0, len(RECRUITERS), nc),
            "person": np.full(nc, -1),
            "cancelled": c_canc,
            "open_end": np.ones(nc, bool),
        }.items():
            nreq[k] = np.concatenate([nreq[k], v])
        order = np.lexsort((nreq["unit"], nreq["opened"]))
        nreq = {k: v[order] for k, v in nreq.items()}
        R = len(order)
        rid = np.arange(1, R + 1, dtype=np.int64)
        filled_null = nreq["open_end"]
        person = nreq["person"]
        hired = np.where(person >= 0, self.emp[np.maximum(person, 0)], -1)
        self.out["requisitions"] = pl.DataFrame(
            {
                "requisition_id": rid,
                "org_unit_id": pl.Series(np.array(s.units["id"])[nreq["unit"]]),
                "role_id": decode(nreq["role"], ROLE_IDS),
                "key_position": pl.Series(nreq["key"].astype(bool)),
                "opened_date": date_col(nreq["opened"]),
                "target_date": date_col(nreq["target"]),
                "filled_date": date_col(np.where(filled_null, 0, nreq["filled"]), filled_null),
                "cancelled_date": date_col(
                    np.where(nreq["cancelled"] < BIG, nreq["cancelled"], 0), nreq["cancelled"] >= BIG
                ),
                "recruiter": decode(nreq["recruiter"], RECRUITERS),
                "hired_employee_id": nullable(hired, hired < 0, pl.Int64),
            }
        )
        # applications: the accepted one for each filled requisition, plus drop-outs
        filled = ~filled_null
        fi = np.flatnonzero(filled)
        ttf = nreq["filled"][fi] - nreq["opened"][fi]
        fr = np.sort(r.random((len(fi), 4)), axis=1)
        st = nreq["opened"][fi][:, None] + np.floor(fr * ttf[:, None]).astype(np.int64)
        ref_h = np.where(person[fi] >= 0, P["referrer"][np.maximum(person[fi], 0)], -1)
        ref_h = np.where(ref_h >= 0, self.emp[np.maximum(ref_h, 0)], -1)
        src_h = np.where(person[fi] >= 0, P["source"][np.maximum(person[fi], 0)], nreq["source"][fi])
        acc = {
            "req": rid[fi],
            "channel": src_h,
            "applied": st[:, 0],
            "screened": st[:, 1],
            "interviewed": st[:, 2],
            "offered": st[:, 3],
            "accepted": nreq["filled"][fi],
            "hired": hired[fi],
            "ref": np.where(src_h == 0, ref_h, -1),
        }
        n_oth = r.poisson(9, R) + 2
        ri = np.repeat(np.arange(R), n_oth)
        K = len(ri)
        ch = r.choice(len(SOURCES), K, p=SOURCE_P)
        stop = np.where(
            nreq["filled"][ri] < BIG, np.minimum(nreq["filled"][ri], s.END), np.minimum(nreq["cancelled"][ri], s.END)
        )
        span = np.maximum(stop - nreq["opened"][ri], 1)
        applied = nreq["opened"][ri] + np.floor(r.random(K) * span).astype(np.int64)
        conv = FUNNEL[ch]
        u = r.random((K, 3))
        reach = np.cumprod(u < conv[:, :3], axis=1).astype(bool)  # screened, interviewed, offered
        gaps = np.cumsum(r.integers(2, 9, (K, 3)), axis=1)
        dates = applied[:, None] + gaps
        reach &= dates <= s.END
        reach = np.cumprod(reach, axis=1).astype(bool)
        ref_o = np.where(ch == 0, self._random_employee_at(applied), -1)
        oth = {
            "req": rid[ri],
            "channel": ch,
            "applied": applied,
            "screened": np.where(reach[:, 0], dates[:, 0], -1),
            "interviewed": np.where(reach[:, 1], dates[:, 1], -1),
            "offered": np.where(reach[:, 2], dates[:, 2], -1),
            "accepted": np.full(K, -1),
            "hired": np.full(K, -1),
            "ref": ref_o,
        }
        apps = {k: np.concatenate([acc[k], oth[k]]) for k in acc}
        order = np.lexsort((apps["req"], apps["applied"]))
        apps = {k: v[order] for k, v in apps.items()}
        A = len(order)

        def dcol(v):
            return date_col(np.where(v < 0, 0, v), v < 0)

        self.out["applications"] = pl.DataFrame(
            {
                "application_id": np.arange(1, A + 1, dtype=np.int64),
                "requisition_id": apps["req"],
                "channel": decode(apps["channel"], SOURCES),
                "applied_date": date_col(apps["applied"]),
                "screened_date": dcol(apps["screened"]),
                "interviewed_date": dcol(apps["interviewed"]),
                "offered_date": dcol(apps["offered"]),
                "accepted_date": dcol(apps["accepted"]),
                "hired_employee_id": nullable(apps["hired"], apps["hired"] < 0, pl.Int64),
                "referrer_id": nullable(apps["ref"], apps["ref"] < 0, pl.Int64),
            }
        )

    def _random_employee_at(self, days):
        """A random kept employee employed on each day (-1 if five draws miss)."""
        P, r = self.s.P, self.rng
        kept = self.kept
        out = np.full(len(days), -1, np.int64)
        for _ in range(5):
            miss = out < 0
            if not miss.any():
                break
            c = kept[r.integers(0, len(kept), miss.sum())]
            ok = (P["hire"][c] <= days[miss]) & (P["term"][c] >= days[miss])
            tmp = out[miss]
            tmp[ok] = self.emp[c[ok]]
            out[miss] = tmp
        return out
