"""Bookkeeping writes — sign-ins, failed sign-ins, account changes, pay views, exports — change no fact, so they
leave ``data_version`` (and every result cached on it) as it was; a write of facts still moves it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.core import auth
from analytics.core.db import Database
from analytics.reviews.export import record_export
from analytics.sales.incentives_report import record_pay_view


def test_sign_in_pay_view_and_download_keep_the_data_version(demo_db_path: Path, tmp_path: Path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    before = db.data_version
    viewer = auth.authenticate(db, "demo.hr", auth.DEMO_PASSWORD)
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "demo.hr", "wrong password")
    auth.set_password(db, "demo.analyst", "another long password 42", actor="demo.admin")
    record_pay_view(db, viewer, "payouts", 12)
    record_export(db, viewer.user, "chart attrition.png", viewer.scope_key, None)
    assert db.data_version == before
    actions = db.sql("select action from audit_log order by event_id desc limit 5")["action"].to_list()
    assert {"login", "login_failed", "view_pay", "export"} <= set(actions)
    with db.transaction() as cur:  # a write of facts moves it
        cur.execute("update employees set name = name where employee_id = (select min(employee_id) from employees)")
    assert db.data_version == before + 1
    db.close()
