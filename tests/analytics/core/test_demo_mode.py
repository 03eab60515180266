"""Demo mode ends with the first import of real data: the demo accounts are disabled and signed out, the sign-in
page stops publishing them, and autologin is refused."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analytics.core import auth, sessions
from analytics.core.auth import AuthError, Throttle
from analytics.core.db import Database
from analytics.core.demo_mode import end_demo_mode, is_demo


@pytest.fixture
def demo(demo_copy_db: Database) -> Database:
    return demo_copy_db


def test_ending_demo_mode_disables_the_demo_accounts_and_their_sessions(demo: Database):
    assert is_demo(demo)
    assert auth.authenticate(demo, "demo.hr", auth.DEMO_PASSWORD, throttle=Throttle()).user == "demo.hr"
    token = sessions.create_session(demo, "demo.hr")
    assert sessions.validate(demo, token, 60) == "demo.hr"
    with demo.transaction() as cur:
        assert end_demo_mode(demo, cur, "someone") is True
    assert not is_demo(demo)
    with pytest.raises(AuthError):
        auth.authenticate(demo, "demo.hr", auth.DEMO_PASSWORD, throttle=Throttle())
    assert sessions.validate(demo, token, 60) is None
    assert demo.scalar("select count(*) from users where is_demo and not disabled") == 0
    assert demo.scalar("select count(*) from audit_log where action = 'demo_mode_end' and actor = 'someone'") == 1
    with demo.transaction() as cur:  # only once
        assert end_demo_mode(demo, cur, "someone") is False


def test_the_first_import_of_real_data_ends_demo_mode_after_a_backup(demo_db_path: Path, tmp_path: Path, capsys):
    from analytics.cli.main import main

    path = tmp_path / "company.duckdb"
    shutil.copy(demo_db_path, path)
    skills = tmp_path / "skills.csv"
    skills.write_text("skill_id,name_en,name_zh,category\ncrm_hygiene,CRM hygiene,客户资料维护,sales\n",
                      encoding="utf-8")
    assert main(["import", "--file", str(skills), "--db", str(path), "--quiet"]) == 0, capsys.readouterr().err
    db = Database(path, read_only=True)
    try:
        assert not is_demo(db)
        assert db.scalar("select count(*) from users where is_demo and not disabled") == 0
        assert db.scalar("select count(*) from skills where skill_id = 'crm_hygiene'") == 1
    finally:
        db.close()
    backups = list((tmp_path / "backups").glob("*import*.tar"))
    assert len(backups) == 1  # taken before the import, beside the database
    capsys.readouterr()
    assert main(["info", "--db", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["mode"] == "real data" and info["demo"] is False
