"""The Backups panel under AppTest: the HR head backs up from the Data page, then restores behind a tick; the
restored data is the backed-up data; the panel reads plainly in both languages."""
from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core import backup as bk
from analytics.core.db import Database
from analytics.core.i18n import t
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from tests.app.test_raw_text import problems, visible


@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "panel.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    monkeypatch.delenv("TANDEM_BACKUP_DIRS", raising=False)
    monkeypatch.delenv("TANDEM_BACKUP_KEEP", raising=False)
    return path


def data_page(lang: str = "en", user: str = "demo.hr") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def differing(a: dict[str, list], b: dict[str, list]) -> list[str]:
    """Tables whose rows differ (a short failure message: the rows themselves are thousands)."""
    return sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))


def rows(path: Path) -> dict[str, list]:
    """Every table's rows but what a restore adds on purpose (its data version and audit entry). The app holds the
    file open read-write in this process, so this connection shares it (and is closed before any restore)."""
    con = duckdb.connect(str(path))
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                                           "order by 1").fetchall()]  # the facts (panels: derived, left out)
        out = {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()
    out["meta"] = [r for r in out["meta"] if r[0] not in {"data_version", "data_token"}]  # a restore renews both
    out["audit_log"] = [r for r in out["audit_log"] if r[3] != "restore"]
    return out


def test_back_up_now_then_restore_it_behind_the_tick(own_db: Path):
    at = data_page()
    assert t("backup.title") in [s.value for s in at.subheader]
    assert t("backup.none") in [i.value for i in at.info]
    at.button(key="data_backup_now").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Backed up at ") and s.value.endswith("1 copy.") for s in at.success)
    (taken,) = bk.list_backups(own_db)
    original = rows(own_db)
    db = Database(own_db)  # a change after the backup: one rep's orders gone
    with db.transaction() as cur:
        cur.execute("delete from orders where employee_id = (select min(employee_id) from orders)")
    db.close()
    assert differing(rows(own_db), original) == ["orders"]
    at.run()
    assert len(at.dataframe[-1].value) == 1
    assert at.button(key="data_backup_restore").disabled  # nothing happens before the tick
    at.checkbox(key="data_backup_sure_0").check().run()
    at.button(key="data_backup_restore").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Restored the backup of ") for s in at.success), [e.value for e in at.error]
    assert differing(rows(own_db), original) == []
    kinds = sorted(b.kind for b in bk.list_backups(own_db))
    assert kinds == ["before-restore", "manual"]
    assert not at.checkbox(key="data_backup_sure_1").value  # a fresh tick box: the next restore asks again
    assert taken.path.exists()


def test_a_damaged_backup_is_refused_on_the_page(own_db: Path):
    at = data_page()
    at.button(key="data_backup_now").click().run()
    (taken,) = bk.list_backups(own_db)
    with tarfile.open(taken.path) as tar:
        member = tar.getmember("database.duckdb.gz")
    data = bytearray(taken.path.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF  # one byte in the middle of the payload
    taken.path.write_bytes(bytes(data))
    before = rows(own_db)
    at.run()
    at.checkbox(key="data_backup_sure_0").check().run()
    at.button(key="data_backup_restore").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("backup.damaged")]
    assert differing(rows(own_db), before) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_panel_reads_plainly(own_db: Path, lang: str):
    bk.backup(own_db)
    bk.before_change(own_db, "import")
    at = data_page(lang)
    assert len(at.dataframe[-1].value) == 2
    found = problems(visible(at, "data.py", lang), lang, str(own_db))
    assert not found, "\n".join(sorted(found))
    kinds = at.dataframe[-1].value[t("backup.col_kind", lang)].tolist()
    assert kinds == [t("backup.kind_before_import", lang), t("backup.kind_manual", lang)]
