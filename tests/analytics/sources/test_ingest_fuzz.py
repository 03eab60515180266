"""Random damage to a small clean CSV, through the import command: no exception escapes, a refusal changes
nothing, and whatever is loaded is what the clean file says — or the report has an issue about it."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cli.main import main
from analytics.core.db import Database

CLEAN = "EmpID,Employee_Name,DateofHire\nE1,Müller,2024-01-05\nE2,Gómez,2023-11-20\nE3,Åberg,2022-07-01\n"
CLEAN_ROWS = {("E1", "Müller", "2024-01-05"), ("E2", "Gómez", "2023-11-20"), ("E3", "Åberg", "2022-07-01")}
BASE = "EmpID,Employee_Name,DateofHire\nB1,Base One,2020-01-01\n"


def truncate(data: bytes, at: int) -> bytes:
    return data[:max(1, at % len(data))]


def insert(data: bytes, at: int, junk: bytes) -> bytes:
    k = at % len(data)
    return data[:k] + junk + data[k:]


def duplicate_line(data: bytes, at: int) -> bytes:
    lines = data.splitlines(keepends=True)
    k = at % len(lines)
    return b"".join([*lines[:k + 1], lines[k], *lines[k + 1:]])


def swap_encoding(data: bytes, at: int) -> bytes:
    codec = ["cp1252", "utf-16", "utf-16-le", "gb18030", "utf-8-sig"][at % 5]
    return data.decode("utf-8").encode(codec, errors="replace")


def delete_delimiter(data: bytes, at: int) -> bytes:
    spots = [i for i, b in enumerate(data) if b == ord(",")]
    k = spots[at % len(spots)]
    return data[:k] + data[k + 1:]


MUTATIONS = st.lists(st.tuples(
    st.sampled_from(["truncate", "insert", "duplicate", "swap", "delete"]),
    st.integers(min_value=0, max_value=10_000),
    # bytes that break structure or encoding (an inserted letter would be data, indistinguishable from a real name)
    st.sampled_from([b"\x00", b"\xff", b"\r", b"\"", b",", b"\n", b"\xe5\xbc", b"\xa0", b"\r\n"]),
), min_size=1, max_size=3)


def mutate(data: bytes, steps: list[tuple[str, int, bytes]]) -> bytes:
    for kind, at, junk in steps:
        if kind == "truncate":
            data = truncate(data, at)
        elif kind == "insert":
            data = insert(data, at, junk)
        elif kind == "duplicate":
            data = duplicate_line(data, at)
        elif kind == "swap":
            with contextlib.suppress(UnicodeDecodeError):
                data = swap_encoding(data, at)
        elif b"," in data:
            data = delete_delimiter(data, at)
    return data


def state(path: Path) -> tuple[dict[str, int], int, set[tuple]]:
    db = Database(path, read_only=True)
    try:
        rows = db.sql("select external_key, name, cast(hire_date as varchar) as hire_date from employees")
        return db.table_counts(), db.data_version, set(rows.rows())
    finally:
        db.close()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    base = folder / "employees.csv"
    base.write_text(BASE, encoding="utf-8")
    db = folder / "base.duckdb"
    assert main(["import", "--quiet", "--db", str(db), "--file", str(base)]) == 0
    return db


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=MUTATIONS)
def test_damaged_files_are_refused_or_loaded_faithfully(steps, base_db: Path, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("case")
    db = folder / "t.duckdb"
    db.write_bytes(base_db.read_bytes())
    path = folder / "employees.csv"
    path.write_bytes(mutate(CLEAN.encode("utf-8"), steps))
    before = state(db)
    report = folder / "report.csv"
    code = main(["import", "--quiet", "--db", str(db), "--file", str(path), "--report", str(report)])
    out = capsys.readouterr()
    assert code in (0, 1, 2), out.err                      # 3 would be an unexpected failure
    after = state(db)
    if code != 0:
        assert after == before                             # refused: nothing changed
        return
    loaded = after[2] - before[2]
    unexpected = {r for r in loaded if r not in CLEAN_ROWS}
    if unexpected:                                          # accepted but different: the report must say so
        text = report.read_bytes().decode("utf-8-sig") if report.exists() else ""
        assert ",warning," in text, (unexpected, out.out)
