"""``python -m analytics usage``: the quarter's use printed, the PDF written and audited, names for admins only."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.core import usage_log
from analytics.core.db import Database


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "usage.duckdb"
    db = Database(path)
    with db.transaction(bump=False) as cur:
        for user, role in (("ann", "admin"), ("hal", "hr_head")):
            cur.execute("insert into users (username, created_at) values ($u, $t)", {"u": user, "t": dt.datetime.now()})
            cur.execute("insert into user_roles values ($u, $r, 'company')", {"u": user, "r": role})
    usage_log.record_view(db, "hal", ["hr_head"], "attrition", "s1", at=dt.datetime(2025, 11, 3, 9))
    usage_log.record_view(db, "hal", ["hr_head"], "risk", "s1", at=dt.datetime(2025, 11, 3, 9, 5))
    db.close()
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


def test_prints_the_quarter_without_names_for_the_operator(db_path: Path, capsys: pytest.CaptureFixture):
    assert main(["usage", "--quarter", "2025-Q4"]) == 0
    out = capsys.readouterr().out
    assert "attrition" in out and "hal" not in out and "by user" not in out


def test_writes_the_pdf_and_audits_it(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    out = tmp_path / "usage.pdf"
    assert main(["usage", "--quarter", "2025-Q4", "--pdf", str(out), "--lang", "zh", "--user", "ann"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    db = Database(db_path)
    try:
        assert db.sql("select actor, target from audit_log where action = 'export'").rows() == [
            ("ann", "usage report 2025-Q4.pdf")]
    finally:
        db.close()


def test_a_month_is_not_a_quarter(db_path: Path, capsys: pytest.CaptureFixture):
    assert main(["usage", "--quarter", "2025-11"]) == 2
    assert "not a quarter" in capsys.readouterr().err
