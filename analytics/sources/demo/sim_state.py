"""The simulation's state: one numpy array per person attribute, the calendar and the logs.

Every person ever employed is a row of the arrays in `P` (vectorised numpy: the only Python
loop is over months). The mixins in the `sim_*` modules change this state month by month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from analytics.sources.demo.config import BIG, BURN_IN, HUNTER_P, POOR_COLLECTOR_P
from analytics.sources.demo.dates import add_months
from analytics.sources.demo.vocabulary import CS, HRBP, KA, LEAD, OPS, REP, RM

Progress = Callable[[float, str], None]

PERSON_FIELDS = {
    "unit": (np.int32, -1),
    "role": (np.int8, -1),
    "level": (np.int8, 1),
    "hire": (np.int64, 0),
    "hire_m": (np.int32, 0),
    "term": (np.int64, BIG),
    "source": (np.int8, 1),
    "referrer": (np.int64, -1),
    "mentor": (np.int64, -1),
    "mentor_start": (np.int64, 0),
    "prod": (np.float64, 1.0),
    "rtype": (np.int8, 0),
    "poor": (np.bool_, False),
    "eng_lat": (np.float64, 3.7),
    "eng_obs": (np.float64, np.nan),
    "ot_lat": (np.float64, 18.0),
    "ot_last": (np.float64, np.nan),
    "quality": (np.float64, 0.0),
    "intensity": (np.float64, 1.0),
    "gender": (np.int8, 0),
    "birth": (np.int32, 1990),
    "pot": (np.float64, 0.0),
    "u_base": (np.float64, 0.5),
    "lowq1": (np.bool_, False),
    "lowq2": (np.bool_, False),
    "qB": (np.float64, 0.0),
    "qQ": (np.float64, 0.0),
    "qfull": (np.int8, 0),
    "b3": (np.float64, 0.0),
    "b2": (np.float64, 0.0),
    "b1": (np.float64, 0.0),
    "nb": (np.int16, 0),
    "ka_m": (np.int32, -999),
    "ka_since": (np.int32, 10**6),
    "ka_enr": (np.bool_, False),
    "never_assessed": (np.bool_, False),
    "exit_type": (np.int8, -1),
    "exit_reason": (np.int8, -1),
}


class SimState:
    """Person arrays, the month calendar and the fact logs, shared by the simulation's mixins."""

    def __init__(self, params: dict, end: date, seed: int, progress: Progress | None):
        self.p = params
        self.rng = np.random.default_rng(seed)
        self.progress = progress or (lambda f, msg: None)
        self.M = 12 * int(params["years"])
        self.B = BURN_IN
        self.end = end
        self.start = add_months(end, -(self.M - 1))
        self.ym0 = self.start.year * 12 + self.start.month - 1
        months = np.arange(self.ym0 - self.B, self.ym0 + self.M + 1) - 1970 * 12
        self.mstart = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        self.W0 = int(self.mstart[self.B])
        self.END = int(self.mstart[self.B + self.M] - 1)  # last day of history
        self.nw_open = 24  # start of year 3
        self.launch = 36 if self.M >= 48 else self.M - 12
        self.cap = 0
        self.n = 0
        self.P: dict[str, np.ndarray] = {}
        self._grow(4096)
        # logs
        self.ev: list[tuple] = []  # placement events (p, day, unit, role, level)
        self.reqs: list[dict] = []  # requisitions of arrivals / pending
        self.panel: list[dict] = []
        self.orders: list[dict] = []
        self.surveys: list[dict] = []
        self.ka_enr: list[dict] = []
        self.own_rows: list[tuple] = []

    # ── storage ──
    def _grow(self, need: int):
        if need <= self.cap:
            return
        new = max(need, int(self.cap * 1.6) + 1024)
        for k, (dt_, dflt) in PERSON_FIELDS.items():
            arr = np.full(new, dflt, dtype=dt_)
            if k in self.P:
                arr[: self.cap] = self.P[k][: self.cap]
            self.P[k] = arr
        self.cap = new

    def _new_people(self, unit, role, hire, hire_m, source):
        """Create people with fresh latent traits; returns their indices."""
        k = len(unit)
        self._grow(self.n + k)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        r, P = self.rng, self.P
        P["unit"][idx] = unit
        P["role"][idx] = role
        P["hire"][idx] = hire
        P["hire_m"][idx] = hire_m
        P["source"][idx] = source
        z = r.standard_normal(k)
        P["prod"][idx] = np.exp(np.log(0.89) + 0.30 * z)
        P["pot"][idx] = 0.6 * z + 0.8 * r.standard_normal(k)
        is_rep = (role == REP) | (role == KA)
        rt = np.where(r.random(k) < HUNTER_P, 1, 0)
        P["rtype"][idx] = np.where(role == KA, 2, np.where(role == REP, rt, 0))
        P["poor"][idx] = is_rep & (r.random(k) < POOR_COLLECTOR_P)
        P["eng_lat"][idx] = np.clip(3.7 + 0.55 * r.standard_normal(k), 1.3, 5.0)
        P["ot_lat"][idx] = 18.0 * np.exp(0.45 * r.standard_normal(k) - 0.1)
        P["quality"][idx] = r.standard_normal(k)
        P["intensity"][idx] = np.exp(0.25 * (0.4 * z + 0.9 * r.standard_normal(k)))
        P["gender"][idx] = (r.random(k) < 0.46).astype(np.int8)  # 1 = F
        age = np.where(
            role == RM, r.integers(32, 46, k), np.where(role == LEAD, r.integers(27, 40, k), r.integers(21, 36, k))
        )
        hy = (hire.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int32)
        P["birth"][idx] = hy - age
        P["u_base"][idx] = r.random(k)
        P["never_assessed"][idx] = r.random(k) < 0.10
        P["level"][idx] = self._level(role, np.zeros(k))
        return idx

    @staticmethod
    def _level(role, tenure_days):
        yrs = np.asarray(tenure_days) / 365.25
        step = np.where(yrs < 2, 0, np.where(yrs < 4, 1, 2))
        base = np.select(
            [role == REP, role == KA, role == LEAD, role == RM, role == HRBP],
            [1, 2, 4, 5, 3],
            default=2,
        )
        lvl = np.where(
            (role == REP) | (role == KA),
            base + step,
            np.where((role == OPS) | (role == CS), base + np.minimum(step, 1), base),
        )
        return lvl.astype(np.int8)

    def month_of(self, day):
        """Month index (relative to window start) of day numbers."""
        ym = np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
        return (ym - self.ym0).astype(np.int32)

    def _alive_at(self, day):
        P, n = self.P, self.n
        return np.flatnonzero((P["hire"][:n] <= day) & (P["term"][:n] >= day))

    def _draw(self, w):
        c = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
        return (self.rng.random((len(w), 1)) > c).sum(axis=1).clip(0, w.shape[1] - 1)
