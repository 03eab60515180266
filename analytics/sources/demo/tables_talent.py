"""Talent tables: attendance, engagement, performance reviews, mentorships and onboarding."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.columns import concat_parts, date_col, nullable
from analytics.sources.demo.table_state import TableState


class TalentTables(TableState):
    """How people work and are rated; also marks regretted exits on the employees table."""

    def _attendance_engagement(self):
        """Attendance per person-month and the twice-yearly engagement survey."""
        s, P = self.s, self.s.P
        emp = self.emp
        pn = self.panel_np
        month_day = s.mstart[s.B + pn["m"]]
        self.out["attendance"] = pl.DataFrame(
            {
                "employee_id": emp[pn["p"]],
                "month": date_col(month_day),
                "overtime_hours": pn["ot"],
                "leave_days": pn["leave"],
            }
        )
        # engagement
        sv = {
            k: concat_parts(s.surveys, k, np.float64 if k in ("eng", "mgr") else None)
            for k in ("p", "day", "eng", "mgr", "enps")
        }
        ok = P["term"][sv["p"]] >= sv["day"]
        self.out["engagement"] = pl.DataFrame(
            {
                "employee_id": emp[sv["p"][ok]],
                "survey_date": date_col(sv["day"][ok]),
                "engagement_score": sv["eng"][ok],
                "manager_score": sv["mgr"][ok],
                "enps": pl.Series(sv["enps"][ok]).cast(pl.Int32),
            }
        )

    def _reviews(self):
        s, P, r = self.s, self.s.P, self.rng
        pn = self.panel_np
        op = self.order_np
        q_of_m = (s.ym0 + pn["m"]) // 3  # absolute quarter number
        # bookings per person-month from the orders
        om = s.month_of(op["day"]).astype(np.int64)
        bk = pl.DataFrame({"p": op["p"], "m": om, "b": op["amt"]}).group_by("p", "m").agg(pl.col("b").sum())
        pm = pl.DataFrame(
            {"p": pn["p"], "m": pn["m"].astype(np.int64), "q": q_of_m, "quota": np.nan_to_num(pn["quota"])}
        ).join(bk, on=["p", "m"], how="left")
        pq = pm.group_by("p", "q").agg(pl.col("quota").sum(), pl.col("b").fill_null(0).sum()).sort(["p", "q"])
        # quarters complete within the window
        q_first = -(-s.ym0 // 3)
        q_last = (s.ym0 + s.M) // 3 - 1
        pq = pq.filter((pl.col("q") >= q_first) & (pl.col("q") <= q_last))
        q = pq["q"].to_numpy()
        qend = (((q + 1) * 3 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)) - 1
        p = pq["p"].to_numpy()
        ok = (P["hire"][p] <= qend - 30) & (P["term"][p] >= qend)
        pq, q, qend, p = pq.filter(pl.Series(ok)), q[ok], qend[ok], p[ok]
        quota = pq["quota"].to_numpy()
        att = np.where(quota > 0, pq["b"].to_numpy() / np.maximum(quota, 1), np.nan)
        lat = np.log(P["prod"][p]) / 0.30 * 0.8 + 0.6 * r.standard_normal(len(p))
        by_att = np.digitize(att, [0.5, 0.8, 1.05, 1.25]) + 1
        by_lat = np.digitize(lat, [-1.3, -0.5, 0.6, 1.4]) + 1
        rating = np.where(np.isnan(att), by_lat, by_att)
        jig = r.random(len(p))
        rating = np.clip(rating + np.where(jig < 0.1, -1, np.where(jig > 0.9, 1, 0)), 1, 5)
        potential = np.digitize(P["pot"][p] + 0.3 * r.standard_normal(len(p)), [-0.5, 0.8]) + 1
        reviewer = self._manager_on(p, qend)
        label = pl.Series((q // 4).astype(str)) + "-Q" + pl.Series((q % 4 + 1).astype(str))
        df = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "quarter": label,
                "review_date": date_col(qend),
                "rating": pl.Series(rating).cast(pl.Int32),
                "potential": pl.Series(potential).cast(pl.Int32),
                "reviewer_id": nullable(reviewer, reviewer < 0, pl.Int64),
            }
        ).sort(["review_date", "employee_id"])
        self.out["performance_reviews"] = df
        # regretted: a share of voluntary exits of good performers (last rating ≥ 4)
        last = df.group_by("employee_id").agg(pl.col("rating").sort_by("review_date").last())
        kept = self.kept
        rating = np.zeros(len(kept), np.int64)
        pos = last["employee_id"].to_numpy() - 100_001  # employee ids are 100001 + position in kept
        rating[pos] = last["rating"].to_numpy()
        good = (rating >= 4) | ((rating == 0) & (P["prod"][kept] >= 1.15))
        vol = (P["exit_type"][kept] == 0) & self.left
        reg = vol & good & (r.random(len(kept)) < 0.75)
        self.out["employees"] = self.out["employees"].with_columns(regretted=nullable(reg, ~self.left, pl.Boolean))

    def _mentoring_onboarding(self):
        s, P, r = self.s, self.s.P, self.rng
        kept = self.kept
        ment = kept[(P["mentor"][kept] >= 0) & (self.emp[np.maximum(P["mentor"][kept], 0)] >= 0)]
        ment = ment[P["hire"][ment] <= s.END]
        mentor = P["mentor"][ment]
        start = np.minimum(P["mentor_start"][ment], np.minimum(P["term"][ment], P["term"][mentor]))
        start = np.maximum(np.minimum(start, s.END), P["hire"][ment])
        endd = np.minimum(start + 89, np.minimum(P["term"][ment], P["term"][mentor]))
        endd = np.maximum(endd, start)
        open_ = endd > s.END
        order = np.lexsort((ment, start))
        ment, mentor, start, endd, open_ = ment[order], mentor[order], start[order], endd[order], open_[order]
        self.out["mentorships"] = pl.DataFrame(
            {
                "mentorship_id": np.arange(1, len(ment) + 1, dtype=np.int64),
                "mentor_id": self.emp[mentor],
                "mentee_id": self.emp[ment],
                "start_date": date_col(start),
                "end_date": date_col(np.minimum(endd, s.END), open_),
            }
        )
        new = kept[P["hire"][kept] >= s.W0]
        k = len(new)
        total = r.integers(10, 13, k)
        mentored = P["mentor"][new] >= 0
        rate = np.clip(
            0.72 + np.where(mentored, 0.15, 0.0) + 0.05 * P["quality"][new] + 0.1 * r.standard_normal(k), 0, 1
        )
        done = np.minimum(total, np.round(total * rate)).astype(np.int64)
        days_left = np.minimum(P["term"][new], s.END) - P["hire"][new]
        done = np.where(days_left < 30, np.floor(done * np.clip(days_left, 0, 30) / 30), done).astype(np.int64)
        comp_day = P["hire"][new] + r.integers(14, 31, k)
        completed = (done == total) & (comp_day <= np.minimum(P["term"][new], s.END))
        self._onb = (new, completed, comp_day)
        self.out["onboarding"] = pl.DataFrame(
            {
                "employee_id": self.emp[new],
                "plan_start": date_col(P["hire"][new]),
                "tasks_total": pl.Series(total).cast(pl.Int32),
                "tasks_done": pl.Series(done).cast(pl.Int32),
                "completed_on": date_col(np.where(completed, comp_day, 0), ~completed),
            }
        )
