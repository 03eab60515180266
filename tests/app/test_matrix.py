"""Every page renders for every demo role, in both languages, for each period grain and each scope level the
role can choose (company, region, team): no exception, no error box, no missing catalogue key, a title, and
nothing raw (the rules of ``test_raw_text``).

One AppTest per role × page; the choices are made the way a person makes them (sidebar state, then a rerun).
The review pages have no grain picker (their period is the meeting's): they are rendered for the last
complete meeting period and for the running, partial one. The role's menu decides which pages it reaches
(``test_access_pages`` checks the menus themselves).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from tests.app.test_raw_text import problems, visible

ROLES = ("demo.hr", "demo.director.east", "demo.director.north", "demo.manager.east-01", "demo.analyst",
         "demo.admin")
PAGES = sorted(p.name for p in (Path(APP).parent / "pages").glob("*.py") if p.name != "no_access.py")
LANGS = ("en", "zh")
GRAINS = ("quarter", "month", "fiscal_year")
MEETINGS = {"review_monthly.py": "meeting_monthly", "review_quarterly.py": "meeting_quarterly"}
ALL = "__all__"
MISSING_KEY = "⟦"


def _open(user: str, page: str) -> AppTest | None:
    """The page opened by ``user``, or None when it is not in the user's menu."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    assert not at.exception, at.exception
    try:
        at.switch_page(f"pages/{page}")
    except ValueError:  # "is not registered": not in this role's menu
        return None
    at.run()
    assert not at.exception, at.exception
    return at


def _scopes(at: AppTest) -> list[tuple[str, str, str]]:
    """(level, region, team) for each scope level the sidebar offers this viewer."""
    regions = [r for r in at.selectbox(key="scope_region").options if r != "All"]
    out = [("company", ALL, ALL)] if len(regions) > 1 else []
    if regions:
        region = _value_of(at.selectbox(key="scope_region"), regions[0])
        out.append(("region", region, ALL))
        at.selectbox(key="scope_region").set_value(region).run()
        teams = [t for t in at.selectbox(key="scope_team").options if t != "All"]
        if teams:
            out.append(("team", region, _value_of(at.selectbox(key="scope_team"), teams[0])))
    return out


def _value_of(box, label: str) -> str:
    """The org unit a scope picker shows as ``label`` (in English: the matrix reads the options first)."""
    return _UNITS[label]


_UNITS: dict[str, str] = {}


def _choose(at: AppTest, lang: str, region: str, team: str, period: tuple[str, str]) -> None:
    """Choose as a person does: language, region, team, then the period (each a rerun when it changes)."""
    if at.radio(key="lang").value != lang:
        at.radio(key="lang").set_value(lang).run()
    if at.selectbox(key="scope_region").value != region:
        at.selectbox(key="scope_region").set_value(region).run()
    if region != ALL and at.selectbox(key="scope_team").value != team:
        at.selectbox(key="scope_team").set_value(team).run()
    key, value = period
    box = at.selectbox(key=key)
    if box.value != value:
        box.set_value(value).run()
    else:
        at.run()


def _periods(at: AppTest, page: str) -> list[tuple[str, str]]:
    if page in MEETINGS:
        box = at.selectbox(key=MEETINGS[page])
        return [(MEETINGS[page], box.value), (MEETINGS[page], box.options[0])]  # last complete, running
    return [("grain", g) for g in GRAINS]


def _faults(at: AppTest, page: str, lang: str, db_path: str) -> list[str]:
    if at.exception:
        return [f"exception: {at.exception[0].value}"]
    found = [f"error box: {e.value}" for e in at.error]
    texts = visible(at, page, lang)
    found += [f"missing key in {where}: {text[:80]!r}" for where, text, _ in texts if MISSING_KEY in text]
    if not at.title:
        found.append("no title")
    found += sorted(problems(texts, lang, db_path))
    return found


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", ROLES)
def test_every_page_for_every_role_language_grain_and_scope(app_db: Path, user: str, page: str):
    if not _UNITS:
        from analytics.core.db import Database

        _UNITS.update(Database(app_db).sql("select name_en, org_unit_id from org_units").rows())
    at = _open(user, page)
    if at is None:
        return  # not in this role's menu
    faults: dict[str, list[str]] = {}
    renders = 0
    for level, region, team in _scopes(at):
        for lang in LANGS:
            for period in _periods(at, page):
                _choose(at, lang, region, team, period)
                renders += 1
                if found := _faults(at, page, lang, str(app_db)):
                    faults[f"{level} {region}/{team} {lang} {period[1]}"] = found
    assert renders >= 2 * 2 * (2 if page in MEETINGS else 3) or user.startswith("demo.manager"), renders
    assert not faults, f"{page} as {user}:\n" + "\n".join(
        f"  [{case}] " + "\n      ".join(found[:6]) for case, found in faults.items())
