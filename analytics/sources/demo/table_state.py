"""What the table mixins share: the simulation, a random stream of their own, the tables built so far,
and the id maps and arrays that one family of tables hands to the next."""

from __future__ import annotations

import numpy as np
import polars as pl

from analytics.sources.demo.simulation import Simulation


class TableState:
    """The builder's state; the attributes below are set by the steps of `TableBuilder.build`, in its order."""

    emp: np.ndarray  # person index → employee_id (-1 if not employed in the history)
    kept: np.ndarray  # person indices of the employees, in employee_id order
    left: np.ndarray  # per employee: left by the end
    placements: pl.DataFrame  # p, f, unit, role, level, t: every placement of an employee
    assign_np: dict[str, np.ndarray]  # the assignments as arrays: p, f, t, unit, role, mgr (employee_id)
    order_np: dict[str, np.ndarray]  # the orders as arrays: p, cust, day, amt, pl
    panel_np: dict[str, np.ndarray]  # person-months: p, m, quota, ot, leave
    cid: np.ndarray  # customer index → customer_id
    _onb: tuple[np.ndarray, np.ndarray, np.ndarray]  # new hires' onboarding: people, completed, completion day

    def __init__(self, sim: Simulation, size: str, seed: int):
        self.s = sim
        self.size, self.seed = size, seed
        self.rng = np.random.default_rng([seed, 1])
        self.out: dict[str, pl.DataFrame] = {}

    def _assignment_on(self, people, days, column: str) -> pl.DataFrame:
        """Each person's latest assignment starting on or before each day, with `column`, in input order."""
        a = self.assign_np
        df = pl.DataFrame({"p": people, "d": days}).with_row_index("i")
        am = pl.DataFrame({"p": a["p"], "f": a["f"], "t": a["t"], column: a[column]}).sort("f")
        j = df.sort("d").join_asof(am, left_on="d", right_on="f", by="p", strategy="backward", check_sortedness=False)
        return j.sort("i")

    def _manager_on(self, people, days):
        """Manager employee_id of each person on each day (from assignments), -1 if none."""
        j = self._assignment_on(people, days, "mgr")
        j = j.with_columns(mgr=pl.when(pl.col("t") >= pl.col("d")).then(pl.col("mgr")).otherwise(-1))
        return j["mgr"].fill_null(-1).to_numpy()

    def _role_on(self, people, days):
        """Role code of each person's latest assignment started by each day, -1 if none."""
        return self._assignment_on(people, days, "role")["role"].fill_null(-1).to_numpy()
