"""The simulation: the company month by month, from a burn-in before the window to its last month."""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.sources.demo.config import KA_ROLE_P
from analytics.sources.demo.sim_exits import ExitSim
from analytics.sources.demo.sim_sales import SalesSim
from analytics.sources.demo.sim_staffing import StaffingSim
from analytics.sources.demo.sim_state import Progress
from analytics.sources.demo.vocabulary import KA, LEAD, REP, RM, SOURCE_P, SOURCES


class Simulation(StaffingSim, ExitSim, SalesSim):
    """Runs the months in order; each month's steps draw from one random stream, in a fixed order."""

    def __init__(self, params: dict, end: date, seed: int, progress: Progress | None):
        super().__init__(params, end, seed, progress)
        self._build_org()

    # ── initial population ──
    def _initial(self):
        r = self.rng
        m = -self.B
        ms = int(self.mstart[0])
        seats = self._seats(m)
        g = np.repeat(np.arange(len(seats)), seats)
        unit = g // 8
        cls = g % 8
        role = np.where(cls == 0, np.where(r.random(len(g)) < KA_ROLE_P, KA, REP), cls)
        mean_ten = np.select([role == RM, role == LEAD], [2200.0, 1600.0], default=900.0)
        ten = (30 + r.exponential(mean_ten)).astype(np.int64)
        hire = np.maximum(ms - ten, self.founding + 30)
        hire_m = self.month_of(hire)
        src = r.choice(len(SOURCES), len(g), p=SOURCE_P)
        idx = self._new_people(unit, role.astype(np.int8), hire, hire_m, src)
        self.P["level"][idx] = self._level(role, ms - hire)
        self.pend = {
            k: np.zeros(0, dtype=np.int64)
            for k in ("group", "role", "hire", "opened", "filled", "target", "source", "key", "recruiter")
        }

    # ── one month ──
    def run(self):
        self._initial()
        total = self.B + self.M
        for i, m in enumerate(range(-self.B, self.M)):
            if m == 0:
                self.snap = {k: self.P[k][: self.n].copy() for k in ("unit", "role", "level")}
                self.snap_n = self.n
                self._init_customers()
            self._month(m)
            if i % max(1, total // 5) == 0:
                self.progress(0.05 + 0.6 * i / total, f"Simulating month {i + 1} of {total}")

    def _month(self, m: int):
        i = m + self.B
        ms, me = int(self.mstart[i]), int(self.mstart[i + 1] - 1)
        cal = (self.ym0 + m) % 12
        self._arrivals(m, ms, me)
        if m > -self.B:
            self._promotions(m, ms)
            self._transfers(m, ms)
        self._vacancies(m, ms, me)
        if cal in (2, 8):
            self._survey(m, ms)
        self._exits(m, ms, me)
        if m >= 0:
            self._reassign(m, ms)
            if cal in (2, 8):
                self._ka_wave(m, ms, me)
        self._sell(m, ms, me, cal)
