"""The large demo company walked end to end in real Chromium: every page of the navigation and both review
packs, on one real server, with no crash. Each page's first view and the server's peak memory are written to
test-artifacts/large_company_walk.json.

Deselected by default (it builds a 115,000-person company and takes minutes): ``bash scripts/test.sh -m large``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.core.i18n import t
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.large]
USER = "demo.hr"
# app.py gives each page its title key; some pages only to some viewers (the condition on the line before)
PAGE = re.compile(r'page\("pages/(\w+)\.py", "(nav\.\w+)"')


def expected_titles(db_path: Path, user: str, lang: str = "en") -> set[str]:
    """The navigation's titles for ``user``: every page app.py registers, less those its conditions withhold
    from this viewer (pay, person-level lists, data import, admin) and the page shown only to a viewer without
    any access."""
    from analytics.core.auth import viewer_for
    from analytics.core.db import Database

    db = Database(db_path, read_only=True)
    try:
        viewer = viewer_for(db, user)
    finally:
        db.close()
    keys = {key for _, key in PAGE.findall((ROOT / "app.py").read_text(encoding="utf-8"))}
    assert {"nav.overview", "nav.review_quarterly", "nav.review_monthly", "nav.admin"} <= keys, keys
    withheld = {"nav.no_access": True, "nav.admin": not viewer.is_admin,
                "nav.scorecard": not viewer.person_level, "nav.key_accounts": not viewer.person_level,
                "nav.incentives": not viewer.sees_any_pay, "nav.data": not (viewer.is_admin or viewer.sees_pay),
                "nav.usage": not (viewer.is_admin or "hr_head" in viewer.roles)}
    return {t(key, lang) for key in keys if not withheld.get(key, False)}


@pytest.mark.timeout(3600)
def test_large_company_every_page_and_both_packs(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium; CI must have it.")
        pytest.skip("Debian chromium is not installed")
    from benchmarks.browser_walk import walk

    db = tmp_path / "large.duckdb"
    build = subprocess.run([sys.executable, "-m", "analytics", "demo", "--size", "large", "--seed", "7", "--end",
                            "2025-12", "--db", str(db), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                           check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    expected = expected_titles(db, USER)

    result = walk(db, tmp_path / "walk", user=USER)  # raises, naming the page and the server's output, on a failure

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "large_company_walk.json").write_text(json.dumps(result, ensure_ascii=False, indent=2),
                                                       encoding="utf-8")
    assert set(result["pages"]) == expected, (sorted(expected - set(result["pages"])),
                                              sorted(set(result["pages"]) - expected))
    assert set(result["packs"]) == {"quarterly PPTX", "monthly PDF"}
    assert result["pack_pages"]["quarterly PPTX"] >= 5
    assert result["pack_pages"]["monthly PDF"] >= 2
    assert (tmp_path / "walk" / "quarterly_pack.pptx").stat().st_size > 10_000
    assert (tmp_path / "walk" / "monthly_pack.pdf").stat().st_size > 10_000
    assert result["peak_mb"] > 0
