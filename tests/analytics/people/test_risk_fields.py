"""Flight-risk rows carry only the fields the viewer may see, where the frames are built: no pay-derived
driver or value for a viewer without pay rights for that person, nobody outside the scope; `risk list` refuses
aggregate-only and roleless users (exit 2, one line) and audits what it lists."""
from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analytics.cli.main import main
from analytics.core import auth
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_report, risk_store

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def db_path(risk_demo_path, tmp_path_factory):
    """The small demo company with its flight-risk model stored (fitted once per session), and a roleless user."""
    path = tmp_path_factory.mktemp("risk_fields") / "r.duckdb"
    shutil.copy(risk_demo_path, path)
    db = Database(path)
    auth.add_user(db, "norole", "long enough", [], "test")
    db.close()
    return path


def test_the_frames_hold_no_pay_derived_field_without_pay_rights(db_path):
    risk_store.clear_memo()
    db = Database(db_path)
    try:
        as_of = as_of_date(db)
        hr = risk_report.ranked(db, auth.viewer_for(db, "demo.hr"), as_of)
        # a manager's rights (person-level, no pay) over a team where the HR head's list names pay for someone
        team = sorted(hr.filter(pl.col("drivers").list.contains("base_vs_peers") & pl.col("team_id").is_not_null())
                      ["team_id"].unique().to_list())[0]
        manager_viewer = dataclasses.replace(auth.viewer_for(db, "demo.manager.east-01"), org_units=frozenset({team}))
        assert not manager_viewer.sees_any_pay
        manager = risk_report.ranked(db, manager_viewer, as_of)
        # nothing but the listed columns: no per-feature values or effects, pay among them, reach a view
        assert not [c for c in manager.columns if c.startswith(("value.", "effect.")) or "base" in c]
        assert set(manager["team_id"]) == {team} and manager.height < hr.height
        # the HR head's drivers name pay for some of these very people; the manager's never do (the next visible
        # driver takes its place, with its own value)
        both = manager.join(hr, on="employee_id", suffix="_hr")
        paid = both.filter(pl.col("drivers_hr").list.contains("base_vs_peers"))
        assert paid.height > 0
        for row in paid.iter_rows(named=True):
            assert not set(row["drivers"]) & set(risk.PAY_FEATURES)
            assert len(row["drivers"]) == len(row["driver_values"])
        # the text a page makes from them never mentions pay
        text = "; ".join(risk_report.describe_driver(f, v, "en") for fs, vs in
                         zip(manager["drivers"], manager["driver_values"], strict=True)
                         for f, v in zip(fs, vs, strict=True))
        assert text and "Base pay" not in text
    finally:
        db.close()


@pytest.mark.parametrize(("user", "words"), [("demo.analyst", "aggregates only"), ("demo.admin", "aggregates only"),
                                             ("norole", "no role")])
def test_risk_list_refuses_users_without_person_level_rights(db_path, tmp_path, user, words):
    copy = tmp_path / "c.duckdb"
    shutil.copy(db_path, copy)
    done = subprocess.run([sys.executable, "-m", "analytics", "risk", "list", "--user", user, "--db", str(copy)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr and user in done.stderr


def test_risk_list_for_a_manager_lists_their_team_without_pay_and_is_audited(db_path, capsys):
    risk_store.clear_memo()
    code = main(["risk", "list", "--db", str(db_path), "--user", "demo.manager.east-01", "--format", "csv",
                 "--top", "500"])
    out = capsys.readouterr()
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert rows and {r["team_id"] for r in rows} == {"east-01"}
    assert not any("base_vs_peers" in r["drivers"] for r in rows)
    db = Database(db_path, read_only=True)
    try:
        entry = db.sql("select * from audit_log where action = 'export' order by event_id desc limit 1")
        assert entry["actor"][0] == "demo.manager.east-01" and entry["target"][0].startswith("risk list")
        assert entry["n_rows"][0] == len(rows) and entry["scope"][0].startswith("demo.manager.east-01|east-01|")
    finally:
        db.close()
