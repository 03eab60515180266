"""Uploaded files: the browser's name never a path, type and size checked here, a private random file."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from ui import uploads


@pytest.mark.parametrize(("sent", "shown"), [
    ("../../data/scorecard.toml", "scorecard.toml"),
    ("/tmp/x/../../secrets.toml", "secrets.toml"),
    ("..\\..\\evil.toml", "evil.toml"),
    ("a\x00b\nc.toml", "abc.toml"),
    ("", "upload"),
    ("x" * 300 + ".toml", "x" * uploads.NAME_CHARS),
])
def test_a_sent_name_is_only_text(sent, shown):
    assert uploads.shown_name(sent) == shown


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("roles.csv", b"a = 1", "type"),                      # wrong extension
    ("roles.toml", b"a = 1\x00", "type"),                 # NUL bytes: not text
    ("roles.toml", b"\xff\xfe\xfa", "type"),              # not UTF-8
    ("roles.toml", b"#" * (uploads.LIMITS["roles_file"].max_bytes + 1), "size"),
    ("../../roles.TOML.exe", b"a = 1", "type"),
])
def test_type_and_size_are_checked(name, data, reason):
    with pytest.raises(uploads.UploadRefused) as err:
        uploads.check("roles_file", name, data)
    assert err.value.reason == reason


def test_accepted_files():
    uploads.check("roles_file", "../../Roles.TOML", "[users]\n# 中文\n".encode())
    uploads.check("risk_snapshot", "snap.csv", "\ufeffAge,Attrition\n1,Yes\n".encode())
    assert uploads.max_megabytes("roles_file") == 1 and uploads.max_megabytes("risk_snapshot") == 20


def test_the_private_copy_has_a_random_name_in_a_private_directory_and_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with uploads.private_copy(b"a = 1", ".toml") as path:
        assert path.read_bytes() == b"a = 1" and path.suffix == ".toml"
        assert path.parent.parent == tmp_path and path.parent.name.startswith("tandem-upload-")
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(Path(tmp_path).iterdir()) == []


def test_an_upload_is_audited(demo_db_path, tmp_path):
    import shutil

    from analytics.core import auth
    from analytics.core.db import Database

    shutil.copy(demo_db_path, tmp_path / "u.duckdb")
    db = Database(tmp_path / "u.duckdb")
    version = db.data_version
    uploads.record_upload(db, auth.viewer_for(db, "demo.admin"), "roles_file", "../../x.toml", 12, "applied", 1)
    row = db.sql("select * from audit_log order by event_id desc limit 1").row(0, named=True)
    assert (row["actor"], row["action"], row["target"], row["n_rows"]) == ("demo.admin", "upload", "roles_file", 1)
    assert '"name": "x.toml"' in row["detail"] and '"bytes": 12' in row["detail"]
    assert db.data_version == version  # no fact changed: caches stay valid
    db.close()
