"""Training and skills: enrolments, skill assessments, and the course and skill catalogues."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from analytics.sources.demo.columns import concat_parts, date_col, decode, nullable
from analytics.sources.demo.table_state import TableState
from analytics.sources.demo.vocabulary import COURSES, LEAD, ROLE_IDS, ROLE_SKILLS, SKILL_IDS, SKILLS


class TrainingTables(TableState):
    """Who took which course and how they scored; skill scores twice a year against the role's needs."""

    def _enrollments(self):
        s, P, r = self.s, self.s.P, self.rng
        rows = []  # (p, course, enrolled, completed_day or -1)
        new = self._onb[0]
        onb_done = (r.random(len(new)) < 0.9) & (np.minimum(P["term"][new], s.END) >= P["hire"][new] + 30)
        rows.append(
            (
                new,
                0,
                P["hire"][new],
                np.where(onb_done, np.minimum(P["hire"][new] + r.integers(20, 31, len(new)), s.END), -1),
            )
        )
        ka = {k: concat_parts(s.ka_enr, k) for k in ("p", "enr", "done", "day")}
        rows.append((ka["p"], 1, ka["enr"], np.where(ka["done"].astype(bool), ka["day"], -1)))
        # product training for the new line, prospecting and closing waves, coaching for new leads
        pn = self.panel_np
        qm = ~np.isnan(pn["quota"])
        for course, month_of_year, share in ((3, 3, 0.12), (4, 9, 0.10)):
            sel = qm & ((s.ym0 + pn["m"]) % 12 == month_of_year)
            pp, mm = pn["p"][sel], pn["m"][sel]
            pick = r.random(len(pp)) < share
            pp, mm = pp[pick], mm[pick]
            enr = s.mstart[s.B + mm] + r.integers(0, 10, len(pp))
            dd = enr + r.integers(5, 30, len(pp))
            ok = enr <= np.minimum(P["term"][pp], s.END)
            done = ok & (r.random(len(pp)) < 0.82) & (dd <= np.minimum(P["term"][pp], s.END))
            rows.append((pp[ok], course, enr[ok], np.where(done, dd, -1)[ok]))
        sel = qm & (pn["m"] == s.launch)
        pp = pn["p"][sel]
        pick = s.is_np[P["unit"][pp]] | (r.random(len(pp)) < 0.3)
        pp = pp[pick]
        enr = s.mstart[s.B + s.launch] + r.integers(0, 10, len(pp))
        dd = enr + r.integers(3, 20, len(pp))
        done = (r.random(len(pp)) < 0.9) & (dd <= np.minimum(P["term"][pp], s.END))
        ok = enr <= np.minimum(P["term"][pp], s.END)
        rows.append((pp[ok], 2, enr[ok], np.where(done, dd, -1)[ok]))
        pl_ = self.placements.filter((pl.col("role") == LEAD) & (pl.col("f") >= s.W0))
        lp, lf = pl_["p"].to_numpy(), pl_["f"].to_numpy()
        enr = lf + r.integers(0, 30, len(lp))
        ok = enr <= np.minimum(P["term"][lp], s.END)
        dd = enr + r.integers(10, 40, len(lp))
        done = (dd <= np.minimum(P["term"][lp], s.END)) & (r.random(len(lp)) < 0.85)
        rows.append((lp[ok], 5, enr[ok], np.where(done, dd, -1)[ok]))
        p = np.concatenate([x[0] for x in rows]).astype(np.int64)
        course = np.concatenate([np.full(len(x[0]), x[1]) for x in rows])
        enr = np.concatenate([x[2] for x in rows]).astype(np.int64)
        dd = np.concatenate([x[3] for x in rows]).astype(np.int64)
        keep = self.emp[p] >= 0
        p, course, enr, dd = p[keep], course[keep], enr[keep], dd[keep]
        done = dd >= 0
        pre = np.clip(np.round(55 + 8 * np.log(P["prod"][p]) / 0.30 + 10 * r.standard_normal(len(p))), 5, 95)
        post = np.clip(np.round(pre + 15 + 7 * r.standard_normal(len(p))), 0, 100)
        order = np.lexsort((course, p, enr))
        p, course, enr, dd, done, pre, post = (x[order] for x in (p, course, enr, dd, done, pre, post))
        self.out["enrollments"] = pl.DataFrame(
            {
                "enrollment_id": np.arange(1, len(p) + 1, dtype=np.int64),
                "employee_id": self.emp[p],
                "course_id": decode(course, [x[0] for x in COURSES]),
                "enrolled_date": date_col(enr),
                "completed_date": date_col(np.maximum(dd, 0), ~done),
                "completed": pl.Series(done),
                "pre_score": pre.astype(np.float64),
                "post_score": nullable(post.astype(np.float64), ~done, pl.Float64),
            }
        )

    def _skills(self):
        s, P, r = self.s, self.s.P, self.rng
        waves = []
        for y in range(s.start.year, s.end.year + 1):
            for mo, dd in ((6, 30), (12, 31)):
                d = np.datetime64(date(y, mo, dd)).astype(np.int64)
                if s.W0 <= d <= s.END:
                    waves.append(int(d))
        kept = self.kept
        req = np.array([[np.nan if v is None else v for v in ROLE_SKILLS[rid]] for rid in ROLE_IDS])
        parts = []
        for d in waves:
            pp = kept[(P["hire"][kept] <= d - 90) & (P["term"][kept] >= d) & ~P["never_assessed"][kept]]
            pp = pp[r.random(len(pp)) < 0.85]
            role = self._role_on(pp, np.full(len(pp), d))
            pp, role = pp[role >= 0], role[role >= 0]
            rq = req[role]  # people × skills
            ii, jj = np.nonzero(~np.isnan(rq))
            person = pp[ii]
            ten = (d - P["hire"][person]) / 365.25
            z = np.log(P["prod"][person]) / 0.30
            sc = rq[ii, jj] - 0.9 + 0.35 * z + 0.15 * np.minimum(ten, 4) + 0.45 * r.standard_normal(len(ii))
            trained = (jj == 1) & (P["ka_m"][person] > -999)
            trained &= s.mstart[s.B + np.maximum(P["ka_m"][person], -s.B)] < d
            sc = sc + np.where(trained, 0.6, 0.0)
            sc = np.clip(np.round(sc * 2) / 2, 1, 5)
            parts.append((person, jj, np.full(len(ii), d), sc))
        p = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
        sk = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, np.int64)
        dd = np.concatenate([x[2] for x in parts]) if parts else np.zeros(0, np.int64)
        sc = np.concatenate([x[3] for x in parts]) if parts else np.zeros(0)
        self.out["skill_assessments"] = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "skill_id": decode(sk, SKILL_IDS),
                "assessed_date": date_col(dd),
                "score": sc.astype(np.float64),
            }
        )

    def _static(self):
        self.out["courses"] = pl.DataFrame(
            {
                "course_id": [c[0] for c in COURSES],
                "name_en": [c[1] for c in COURSES],
                "name_zh": [c[2] for c in COURSES],
                "category": [c[3] for c in COURSES],
                "skill_id": [c[4] for c in COURSES],
                "target_metric": [c[5] for c in COURSES],
                "hours": [c[6] for c in COURSES],
            }
        )
        self.out["skills"] = pl.DataFrame(
            {
                "skill_id": SKILL_IDS,
                "name_en": [x[1] for x in SKILLS],
                "name_zh": [x[2] for x in SKILLS],
                "category": [x[3] for x in SKILLS],
            }
        )
        rr, ss, vv = [], [], []
        for rid in ROLE_IDS:
            for sid, v in zip(SKILL_IDS, ROLE_SKILLS[rid], strict=True):
                if v is not None:
                    rr.append(rid)
                    ss.append(sid)
                    vv.append(float(v))
        self.out["role_skill_requirements"] = pl.DataFrame({"role_id": rr, "skill_id": ss, "required_score": vv})
