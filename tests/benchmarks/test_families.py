"""benchmarks/families.py: the metric engine, the exact DuckDB floors and the pandas implementations return the
same rows for the three benchmark families — on the small demo company and on a hand-made company with the
edge cases of placement (movers, leavers with quota after their last day, orders before the hire date, people
with no assignment, a termination before the hire date)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.db import Database
from benchmarks import families
from tests.conftest import open_db, tiny_frames

D = dt.date
FAMILIES = list(families.FAMILIES)


def _edge_frames() -> dict[str, pl.DataFrame]:
    frames = tiny_frames()
    extra_emp = pl.DataFrame({
        # 6 leaves 2024-05-10 with quota to June and an order after the last day; 7 has an order before the hire
        # date; 8 is employed with no assignment; 9 moves from east to north mid-quarter; 10 ends before starting
        "employee_id": [6, 7, 8, 9, 10],
        "name": ["L", "E", "U", "M", "X"],
        "hire_date": [D(2023, 1, 1), D(2024, 4, 15), D(2023, 3, 1), D(2022, 6, 1), D(2024, 3, 1)],
        "termination_date": [D(2024, 5, 10), None, None, None, D(2024, 2, 1)],
        "exit_type": ["voluntary", None, None, None, "other"],
        "regretted": [False, None, None, None, None],
        "hire_source": ["agency"] * 5,
        "probation_months": [3] * 5,
    }, schema_overrides={"termination_date": pl.Date, "regretted": pl.Boolean})
    extra_asg = pl.DataFrame({
        "assignment_id": [7, 8, 9, 10, 11],
        "employee_id": [6, 7, 9, 9, 10],
        "org_unit_id": ["east-01", "east-02", "east-01", "north-01", "north-01"],
        "manager_id": [None] * 5,
        "role_id": ["sales_rep"] * 5,
        "job_level": [1] * 5,
        "valid_from": [D(2023, 1, 1), D(2024, 4, 15), D(2022, 6, 1), D(2024, 5, 20), D(2024, 3, 1)],
        "valid_to": [D(2024, 5, 10), None, D(2024, 5, 19), None, None],
    }, schema_overrides={"manager_id": pl.Int64})
    extra_orders = pl.DataFrame({
        "order_id": [105, 106, 107, 108, 109, 110, 111],
        "employee_id": [6, 6, 7, 8, 9, 9, 9],
        "customer_id": [10, 11, 11, 12, 12, 10, 12],
        "order_date": [D(2024, 4, 20), D(2024, 6, 5), D(2024, 4, 1), D(2024, 5, 5), D(2024, 4, 2), D(2024, 6, 1),
                       D(2024, 5, 25)],
        "amount": [70.0, 20.0, 15.0, 33.0, 60.0, -10.0, 45.0],
        "is_new_customer": [False] * 7,
    }, schema_overrides={"employee_id": pl.Int64})
    extra_quotas = pl.DataFrame({
        "employee_id": [6, 6, 6, 7, 8, 9, 9, 9],
        "month": [D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1), D(2024, 4, 1), D(2024, 5, 1), D(2024, 4, 1),
                  D(2024, 5, 1), D(2024, 6, 1)],
        "amount": [50.0, 50.0, 50.0, 20.0, 40.0, 30.0, 30.0, 30.0],
    })
    frames["employees"] = pl.concat([frames["employees"], extra_emp], how="diagonal_relaxed")
    frames["assignments"] = pl.concat([frames["assignments"], extra_asg])
    frames["orders"] = pl.concat([frames["orders"], extra_orders])
    frames["quotas"] = pl.concat([frames["quotas"], extra_quotas])
    return frames


@pytest.fixture(scope="module")
def edge_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("families") / "edge.duckdb"
    open_db(path, _edge_frames(), as_of=D(2024, 6, 30)).close()
    return path


def _three(path: Path, name: str) -> tuple[pl.DataFrame, pl.DataFrame, object]:
    family = families.FAMILIES[name]
    db = Database(path, read_only=True)
    try:
        as_of = families.data_as_of(path)
        return (family.engine(db, as_of), families.run_floor(family, db, as_of),
                families.run_pandas(family, db, as_of))
    finally:
        db.close()


@pytest.mark.parametrize("name", FAMILIES)
def test_engine_floor_and_pandas_agree_on_the_demo(demo_db_path: Path, name: str) -> None:
    engine, floor, pandas = _three(demo_db_path, name)
    assert engine.height > 50 and engine["value"].drop_nulls().len() > 50  # a real comparison, not empty frames
    families.assert_same(name, "engine", engine, "floor", floor)
    families.assert_same(name, "engine", engine, "pandas", pandas)


@pytest.mark.parametrize("name", FAMILIES)
def test_engine_floor_and_pandas_agree_on_the_edge_cases(edge_db_path: Path, name: str) -> None:
    engine, floor, pandas = _three(edge_db_path, name)
    assert engine["value"].drop_nulls().len() > 0
    families.assert_same(name, "engine", engine, "floor", floor)
    families.assert_same(name, "engine", engine, "pandas", pandas)


def test_edge_case_attainment_by_hand(edge_db_path: Path) -> None:
    """2024-Q2 by team, by hand: L (6) books 70 in east-01 and 20 after his last day (placed on it, east-01) on
    quota 150 (June's placed on his last day); E (7) books 15 before his hire date (placed on it, east-02) on
    quota 20; U (8) has no assignment (team unplaced); M (9) books 60 in east-01, then −10 and 45 in north-01
    after his move, quota April in east-01, May and June (month ends after the move) in north-01."""
    engine, _, _ = _three(edge_db_path, "attainment")
    q2 = {r["group"]: (r["numerator"], r["denominator"])
          for r in engine.filter(pl.col("period_start") == D(2024, 4, 1)).iter_rows(named=True)}
    assert q2 == {"east-01": (150.0, 180.0), "east-02": (15.0, 20.0), "north-01": (35.0, 60.0), None: (33.0, 40.0)}


def test_a_wrong_value_is_named() -> None:
    good = pl.DataFrame({"period_start": [D(2024, 1, 1), D(2024, 2, 1)], "group": ["east", None],
                         "value": [0.5, 0.25], "numerator": [1.0, 1.0], "denominator": [2.0, 4.0]})
    families.assert_same("x", "engine", good, "floor", good.with_columns(pl.col("value") * (1 + 1e-12)))
    with pytest.raises(families.Mismatch, match=r"period 2024-02-01, group \(unplaced\): value differs"):
        families.assert_same("x", "engine", good, "floor", good.with_columns(
            value=pl.when(pl.col("group").is_null()).then(0.2500001).otherwise(pl.col("value"))))
    with pytest.raises(families.Mismatch, match="group east"):
        families.assert_same("x", "engine", good, "pandas", good.filter(pl.col("group").is_null()))


def test_one_round_checks_the_engine_on_the_panels_and_on_the_facts_against_the_floor(demo_db_path: Path) -> None:
    as_of = families.data_as_of(demo_db_path)
    result = families.run_family(demo_db_path, families.FAMILIES["attainment"], as_of, pandas=False)
    assert {"engine_cold", "facts_cold", "floor_cold", "facts_over_floor_cold"} <= set(result)
    assert result["rows"] > 50
    assert "on the facts" in families.markdown({"attainment": result})
