"""Each person's top drivers, picked for 50,000 people without a Python loop per person, equal the per-person
picking (risk.pick_drivers) on random effects with ties, hidden pay features and missing values."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analytics.people import risk, risk_report


def _reference(people: pl.DataFrame, pay_ok: pl.Series, top: int = 3) -> pl.DataFrame:
    """with_drivers as it was: a list per person."""
    effect, values, hidden = risk_report.driver_inputs(people, pay_ok)
    picked = risk.pick_drivers(effect, hidden, top)
    return people.select("employee_id", "org_unit_id", "region_id", "team_id", "role_id", "manager_id",
                         "tenure_days", "probability").with_columns(
        drivers=pl.Series([[risk.FEATURES[j] for j in row] for row in picked], dtype=pl.List(pl.Utf8)),
        driver_effects=pl.Series([[float(effect[i, j]) for j in row] for i, row in enumerate(picked)],
                                 dtype=pl.List(pl.Float64)),
        driver_values=pl.Series([[values[i, j] for j in row] for i, row in enumerate(picked)],
                                dtype=pl.List(pl.Utf8)),
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("top", [1, 3, 5])
def test_drivers_equal_the_per_person_picking(seed: int, top: int):
    rng = np.random.default_rng(seed)
    n, f = [0, 1, 7, 300, 40, 1000][seed], len(risk.FEATURES)
    effect = rng.choice([-0.2, -0.01, 0.0, risk.MIN_EFFECT, 0.01, 0.05, 0.05, 0.3], size=(n, f))  # ties, at the edge
    effect[: n // 10] = -0.1  # a tenth of the people have nothing raising their risk: no drivers
    values = rng.choice(np.array(["12", "3.5", None, "yes"], dtype=object), size=(n, f))
    people = pl.DataFrame({
        "employee_id": np.arange(n), "org_unit_id": ["east-01"] * n, "region_id": ["east"] * n,
        "team_id": ["east-01"] * n, "role_id": ["rep"] * n, "manager_id": np.arange(n) % 5,
        "tenure_days": rng.integers(0, 3000, n), "probability": rng.random(n),
        **{f"effect.{c}": effect[:, j] for j, c in enumerate(risk.FEATURES)},
        **{f"value.{c}": pl.Series(values[:, j].tolist(), dtype=pl.Utf8) for j, c in enumerate(risk.FEATURES)},
    })
    pay_ok = pl.Series(rng.random(n) < 0.5)
    got = risk_report.with_drivers(people, pay_ok, top)
    want = _reference(people, pay_ok, top)
    assert got.schema == want.schema
    assert got.to_dicts() == want.to_dicts()
    if n >= 300:
        lengths = got["drivers"].list.len()
        assert lengths.min() == 0 and lengths.max() == top  # people with no driver, and with all of them
