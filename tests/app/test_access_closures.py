"""Access closures under AppTest: who may write goals, who gets an upload widget, downloads built only on a
click, user text shown as plain text, and no pay driver on the flight-risk page without pay rights."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


@pytest.fixture(scope="module")
def own_db_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy these tests may write to (goals, audit entries), apart from the shared page-test copy."""
    path = tmp_path_factory.mktemp("closures") / "c.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture
def own_db(own_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANDEM_DB", str(own_db_path))
    return own_db_path


def open_page(page: str, user: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    """Every markdown-rendered text of the page: titles, headers, captions, markdown, boxes."""
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    return out


# ── D: goals ─────────────────────────────────────────────────────────────
def test_a_manager_edits_only_their_teams_goals_on_the_page(own_db: Path):
    at = open_page("pages/goals.py", "demo.manager.east-01")
    assert at.selectbox(key="goal_unit").options == ["East Team 1"]  # their team; no "Company"
    assert at.selectbox(key="goal_pick").options == ["New goal"]  # every demo goal is the company's or Northwest's
    # typing a company goal's id into the form does not change it: refused in analytics/reviews/goals.py
    db = Database(own_db)
    before = db.sql("select * from goals order by goal_id").rows()
    at.text_input[0].input("G1")
    at.text_input[1].input("Hijacked")
    at.text_input[2].input("劫持")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert any("company goal" in e.value for e in at.error), [e.value for e in at.error]
    assert db.sql("select * from goals order by goal_id").rows() == before


def test_the_analyst_gets_no_goal_editor(own_db: Path):
    at = open_page("pages/goals.py", "demo.analyst")
    assert not [s for s in at.selectbox if s.key in ("goal_pick", "goal_unit")]


# ── B: uploads ───────────────────────────────────────────────────────────
ROLE_FILE = b'[users."demo.analyst"]\nroles = ["analyst@company"]\n'


@pytest.mark.parametrize("crafted", ["../../data/scorecard.toml", "/tmp/x/../../secrets.toml",
                                     "..\\..\\evil.toml"])
def test_a_crafted_upload_name_touches_no_path(own_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               crafted: str):
    import tempfile

    temp_root = tmp_path / "a" / "b"  # the private directories are made under here
    temp_root.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    scorecard = Path(APP).parent / "data" / "scorecard.toml"
    before = scorecard.read_bytes()
    at = open_page("pages/admin.py", "demo.admin")
    at.file_uploader(key="admin_roles_file").set_value((crafted, ROLE_FILE, "application/toml")).run()
    assert not at.exception, at.exception
    assert at.success and not at.error, texts(at)
    # nothing anywhere the name points to, nothing left in the private directory, the real file untouched
    assert not (tmp_path / "a" / "data").exists() and not (tmp_path / "secrets.toml").exists()
    assert not Path("/secrets.toml").exists() and not Path("/tmp/secrets.toml").exists()
    assert list(temp_root.iterdir()) == []
    assert scorecard.read_bytes() == before
    db = Database(own_db)
    row = db.sql("select actor, target, detail from audit_log where action = 'upload' order by event_id desc "
                 "limit 1").row(0, named=True)
    assert row["actor"] == "demo.admin" and row["target"] == "roles_file"
    assert '"outcome": "applied"' in row["detail"] and "/" not in row["detail"].split('"name": ')[1].split(",")[0]


def test_uploads_are_checked_on_the_server(own_db: Path):
    at = open_page("pages/admin.py", "demo.admin")
    # (another extension Streamlit itself refuses before the page runs; ui/uploads.check refuses it again)
    at.file_uploader(key="admin_roles_file").set_value(("roles.toml", b"\x00\x01binary", "application/toml")).run()
    assert any("must be a TOML text file" in e.value for e in at.error), texts(at)
    at.file_uploader(key="admin_roles_file").set_value(("roles.toml", b"#" * (1024 * 1024 + 1),
                                                        "application/toml")).run()
    assert any("larger than 1 MB" in e.value for e in at.error), texts(at)
    at.file_uploader(key="admin_roles_file").set_value(("roles.toml", b"\xff\xfe\x00bad", "application/toml")).run()
    assert any("must be a TOML text file" in e.value for e in at.error), texts(at)
    outcomes = Database(own_db).sql("select detail from audit_log where action = 'upload' order by event_id desc "
                                    "limit 3")["detail"].to_list()
    assert ['"refused: type"' in d or '"refused: size"' in d for d in outcomes] == [True, True, True]


@pytest.mark.parametrize(("user", "widget"), [("demo.hr", True), ("demo.director.east", False),
                                              ("demo.manager.east-01", False), ("demo.analyst", False),
                                              ("demo.admin", False)])
def test_only_the_hr_head_gets_the_snapshot_upload(own_db: Path, user: str, widget: bool):
    at = open_page("pages/risk.py", user)
    assert bool([u for u in at.get("file_uploader") if u.key == "risk_snapshot_file"]) is widget


def test_a_snapshot_upload_is_audited_once(own_db: Path):
    import csv
    import io
    import random

    rng = random.Random(3)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Age", "Dept", "Attrition"])
    for _ in range(120):
        age = rng.randint(20, 60)
        writer.writerow([age, rng.choice(["a", "b"]), "Yes" if rng.random() < (0.5 if age < 30 else 0.1) else "No"])
    at = open_page("pages/risk.py", "demo.hr")
    at.file_uploader(key="risk_snapshot_file").set_value(("../../x.csv", out.getvalue().encode(), "text/csv")).run()
    assert not at.exception and not at.error, texts(at)
    at.run()  # a rerun with the same file: no second entry
    rows = Database(own_db).sql("select detail from audit_log where action = 'upload' and target = 'risk_snapshot'")
    assert rows.height == 1 and '"name": "x.csv"' in rows["detail"][0] and '"evaluated"' in rows["detail"][0]


# ── C: downloads built and audited on click ──────────────────────────────
def test_payout_and_statement_files_are_built_only_on_click(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    from analytics.reviews import export

    calls = []
    for name in ("csv_bytes", "xlsx_bytes"):
        real = getattr(export, name)
        monkeypatch.setattr(export, name, lambda *a, _real=real, _n=name, **k: calls.append(_n) or _real(*a, **k))
    at = open_page("pages/incentives.py", "demo.hr")
    assert at.selectbox(key="statement_rep").value is not None  # the statement tab ran too
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b for b in at.get("download_button")}
    assert {"pay_csv", "pay_xlsx", "stmt_csv", "stmt_xlsx"} <= {k for k in buttons}, list(buttons)
    assert all(not b.proto.url for b in at.get("download_button"))  # nothing served at a /media address
    assert calls == []  # no file built by a plain run
    db = Database(own_db)
    assert not db.scalar("select count(*) from audit_log where action = 'export'")


def test_the_audit_log_file_is_built_only_on_click(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    from analytics.reviews import export

    calls = []
    monkeypatch.setattr(export, "csv_bytes", lambda *a, **k: calls.append(1) or b"")
    at = open_page("pages/admin.py", "demo.admin")
    assert [b for b in at.get("download_button") if b.proto.id.endswith("audit_csv")]
    assert calls == [] and all(not b.proto.url for b in at.get("download_button"))


# ── E: user text as plain text ───────────────────────────────────────────
IMAGE = "![x](http://example.com/x.png)"


def test_an_org_unit_name_with_markdown_shows_as_text(own_db: Path):
    db = Database(own_db)
    with db.transaction() as cur:
        cur.execute("update org_units set name_en = $n where org_unit_id = 'east'", {"n": IMAGE})
    try:
        at = open_page("pages/attrition.py", "demo.hr", attr_drill=["region", "east"])
        shown = texts(at)
        assert any("example" in t for t in shown), shown  # the name is on the page ...
        assert not any(IMAGE in t or "](http" in t for t in shown), shown  # ... but never as markdown
    finally:
        with db.transaction() as cur:
            cur.execute("update org_units set name_en = 'East' where org_unit_id = 'east'")


def test_a_goal_title_with_markdown_shows_as_text(own_db: Path):
    from analytics.reviews.goals import upsert_goal

    db = Database(own_db)
    upsert_goal(db, {"goal_id": "GM", "level": "strategy", "title_en": IMAGE, "title_zh": IMAGE}, "operator")
    at = open_page("pages/goals.py", "demo.hr")
    assert not any(IMAGE in t or "](http" in t for t in texts(at))
    assert IMAGE in at.dataframe[0].value.iloc[:, 0].str.strip().to_list()  # in a table cell, as typed


# ── A: the flight-risk page without pay rights ───────────────────────────
def _page_text(at: AppTest) -> str:
    cells = [str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()]
    return "\n".join(texts(at) + cells)


def test_no_pay_driver_on_the_risk_page_for_a_manager(own_db: Path):
    hr = _page_text(open_page("pages/risk.py", "demo.hr"))
    assert "Base pay vs peers:" in hr  # the HR head sees pay drivers: the check below can fail
    manager = open_page("pages/risk.py", "demo.manager.east-01")
    text = _page_text(manager)
    assert manager.dataframe and "Base pay vs peers" not in text
    names = set(Database(own_db).sql("select name from employees e join assignments a using (employee_id) "
                                     "where a.org_unit_id <> 'east-01' and a.valid_to is null")["name"])
    shown = set(manager.dataframe[0].value.iloc[:, 0])
    assert shown and not (shown & names - set(Database(own_db).sql(
        "select name from employees e join assignments a using (employee_id) where a.org_unit_id = 'east-01'")["name"]))


# ── F: exclusion counts in the viewer's scope ────────────────────────────
def test_the_exclusion_note_counts_the_viewers_scope(demo_db_path: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    from tests.analytics.metrics.test_exclusions import broken

    broken(demo_db_path, tmp_path).close()  # unknown exit types: 2 in east-01, 3 in north
    monkeypatch.setenv("TANDEM_DB", str(tmp_path / "x.duckdb"))
    hr = [c for c in texts(open_page("pages/attrition.py", "demo.hr")) if "unknown exit type" in c]
    east = [c for c in texts(open_page("pages/attrition.py", "demo.director.east")) if "unknown exit type" in c]
    assert len(hr) == 1 and "5 exits with an unknown exit type" in hr[0]
    assert len(east) == 1 and "2 exits with an unknown exit type" in east[0]


def test_pressing_a_pay_download_builds_the_file_and_audits_it(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = open_page("pages/incentives.py", "demo.director.east")
    db = Database(own_db)
    before = db.scalar("select count(*) from audit_log where action = 'export'")
    button = next(b for b in at.get("download_button") if b.proto.id.endswith("pay_csv"))
    data = deferred[button.proto.deferred_file_id]()  # what the server runs when the button is pressed
    lines = data.decode("utf-8-sig").strip().splitlines()
    entry = db.sql("select * from audit_log where action = 'export' order by event_id desc limit 1").row(0, named=True)
    assert db.scalar("select count(*) from audit_log where action = 'export'") == before + 1
    assert entry["actor"] == "demo.director.east" and entry["target"].startswith("payouts ")
    assert entry["n_rows"] == len(lines) - 1 and entry["scope"].startswith("demo.director.east|east|")


def test_pay_drivers_on_the_risk_page_are_an_audited_pay_view(own_db: Path):
    db = Database(own_db)

    def views() -> int:
        return int(db.scalar("select count(*) from audit_log where action = 'view_pay' and target like "
                             "'flight-risk drivers%'"))

    before = views()
    manager = open_page("pages/risk.py", "demo.manager.east-01")
    assert views() == before  # no pay driver shown, nothing to record
    hr = open_page("pages/risk.py", "demo.hr")
    assert views() == before + 1
    hr.run()
    assert views() == before + 1  # once per session and view, not per rerun
    entry = db.sql("select actor, n_rows from audit_log where action = 'view_pay' order by event_id desc limit 1")
    assert entry["actor"][0] == "demo.hr" and entry["n_rows"][0] > 0
    assert manager.dataframe
