"""Nothing raw: every page, in both languages, shows words a reader would write — no column names, no codes,
no None / NaN, no time of day on a date, no float with four decimals, and no English on a Chinese page.

Everything a reader sees is collected (titles, captions, markdown, metric labels and values, table headers and
cells, widget labels and options, tabs, expanders, info and warning boxes) and checked against the rules below.
``tests/app/test_matrix.py`` applies them to every page for every role, language, period grain and scope level;
this module holds the rules, checks that they catch what they should, and checks the sign-in page.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

PAGES = sorted(p.name for p in (Path(APP).parent / "pages").glob("*.py") if p.name != "no_access.py")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
NULLS = re.compile(r"(?<![\w.])(None|nan|NaN|NaT)(?![\w.])")
MIDNIGHT = re.compile(r"\b00:00:00\b")
LONG_FLOAT = re.compile(r"(?<![\w.,])\d+\.\d{3,}(?![\d%])")
LATIN = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")
# Latin words a Chinese page may show: file formats, KA, model scores, fiscal-year and business-partner
# abbreviations, the language switch's own name, the glossary's other-language column, names of methods and companies
ZH_ALLOWED = {"KA", "PNG", "SVG", "PDF", "PPTX", "CSV", "XLSX", "HTML", "TOML", "Parquet", "CRM", "ROC", "AUC", "PR",
              "FY", "HRBP", "ID", "English", "EN", "Brier", "DSO", "CSAT", "SHRM", "Kaplan", "Meier", "IBM",
              "QuotaPath", "Tandem", "Greenwood", "PostgreSQL", "DuckDB", "Apache", "Spark",
              "UTF", "CP", "GB", "BIG", "SHIFT", "JIS", "EUC", "KR"}  # names of text encodings (the Data page)
FILE_PATH = re.compile(r"\b[\w./-]+\.(?:toml|csv|xlsx|py)\b")  # a file the page names (data/scorecard.toml)
# What a page shows verbatim on purpose, by page: (kind of text, column header or widget label key). Account names
# are names; the audit log keeps what happened as recorded (target, detail, the viewer's scope key); the grants
# box shows the syntax it takes; the glossary's id is the name the command line takes (`metrics <id>`); a feedback
# note is its writer's own words.
VERBATIM = {
    "admin.py": {("cell", "col.username"), ("cell", "col.display_name"), ("cell", "col.actor"), ("cell", "col.target"),
                 ("cell", "col.detail"), ("cell", "col.scope"), ("option", "admin.user"),
                 ("text_area", "admin.grants")},
    "glossary.py": {("cell", "col.id")},
    "usage.py": {("cell", "col.note")},  # a feedback note, in the words (and language) its writer chose
}


@cache
def code_values(db_path: str) -> tuple[frozenset[str], frozenset[str]]:
    """(every code a table or widget could show raw, the codes that cannot be ordinary words)."""
    from analytics.core.auth import ROLES
    from analytics.core.db import Database
    from analytics.people import recruiting, skills
    from analytics.reviews import goals, store
    from analytics.sales import scorecard
    from analytics.sources.demo import vocabulary as demo

    db = Database(Path(db_path))
    units = set(db.sql("select org_unit_id from org_units")["org_unit_id"].to_list())
    roles = set(db.sql("select role_id from roles")["role_id"].to_list())
    codes = {*units, *roles, *ROLES, *skills.TIERS, *(s for s, _ in recruiting.STAGES), *demo.SOURCES,
             *demo.EXIT_TYPES, *demo.EXIT_REASONS, *store.STATUSES, *goals.STATUSES,
             *scorecard.load_config().weights, *demo.SKILL_IDS}
    distinctive = {c for c in codes if re.search(r"[_\-\d]", c)} | {"backbone", "novice", "hr_head"}
    return frozenset(codes), frozenset(distinctive)


@cache
def usernames(db_path: str) -> tuple[str, ...]:
    from analytics.core.db import Database

    names = Database(Path(db_path)).sql("select username from users")["username"].to_list()
    return tuple(sorted(names, key=len, reverse=True))


def _cell_text(value: object) -> str | None:
    """How a table cell reads, or None for a cell that is fine as it is (numbers with two decimals at most)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "None"
    if isinstance(value, dt.datetime) or type(value).__name__ == "Timestamp":
        return str(value)
    if isinstance(value, float):
        return str(value) if abs(round(value, 2) - value) > 1e-9 else None
    return str(value) if isinstance(value, str) else None


def visible(at: AppTest, page: str = "", lang: str = "en") -> list[tuple[str, str, bool]]:
    """(where, text, is a whole value) for everything a reader sees; whole values are cells, options, metric
    values — checked for equality with a code as well as for the patterns. What ``VERBATIM`` lists is left out."""
    from analytics.core.i18n import t

    verbatim = {(kind, t(key, lang)) for kind, key in VERBATIM.get(page, set())}
    out: list[tuple[str, str, bool]] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [(kind, str(e.value), False) for e in getattr(at, kind)]
    for m in at.metric:
        out += [("metric label", m.label, False), ("metric value", str(m.value), True)]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            out.append((kind, w.label, False))
            if ("option", w.label) not in verbatim:
                out += [(f"{kind} {w.label!r} option", str(o), True) for o in w.options]
    for kind in ("button", "toggle", "checkbox", "slider", "text_input", "number_input", "expander", "tabs",
                 "date_input", "text_area"):
        out += [(kind, str(getattr(e, "label", "")), False) for e in getattr(at, kind)
                if (kind, str(getattr(e, "label", ""))) not in verbatim]
    for d in [*at.dataframe, *at.table]:
        frame = d.value
        frame = frame.data if hasattr(frame, "data") and hasattr(frame, "render") else frame  # a Styler
        for header in frame.columns:
            out.append(("table header", str(header), True))
            if str(header) == "EN" or ("cell", str(header)) in verbatim:  # EN: the glossary's other language
                continue
            for value in frame[header].tolist():
                text = _cell_text(value)
                if text is not None:
                    out.append((f"cell of {header!r}", text, True))
    return out


def problems(texts: list[tuple[str, str, bool]], lang: str, db_path: str) -> set[str]:
    codes, distinctive = code_values(db_path)
    from analytics.core.auth import DEMO_PASSWORD

    accounts = (*usernames(db_path), DEMO_PASSWORD)
    found = set()
    for where, text, whole in texts:
        text = FILE_PATH.sub("", text)
        for account in accounts:  # account names are names (the sidebar's signed-in user, who froze a review)
            text = text.replace(account, "")
        why = []
        if SNAKE.search(text):
            why.append("snake_case")
        tokens = re.findall(r"[a-z][a-z0-9_\-]*[a-z0-9]", text)
        if (whole and text.strip() in codes) or any(tok in distinctive for tok in tokens):
            why.append("code value")
        if NULLS.search(text):
            why.append("None/NaN")
        if MIDNIGHT.search(text):
            why.append("time of day")
        if LONG_FLOAT.search(text) or (where.startswith("cell") and re.fullmatch(r"-?\d+\.\d{3,}", text)):
            why.append("more than 2 decimals")
        if lang == "zh":
            latin = {w for w in LATIN.findall(text) if w not in ZH_ALLOWED}
            if latin:
                why.append("Latin " + "/".join(sorted(latin)[:4]))
        if why:
            found.add(f"{where}: {text[:90]!r} ({', '.join(why)})")
    return found


def render(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.admin" if page == "admin.py" else "demo.hr")
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    return at


def test_the_checks_catch_raw_text(app_db: Path):
    raw = [("cell", "hr_head", True), ("cell", "west", True), ("caption", "0.8788 of them", False),
           ("cell", "2026-09-04 00:00:00", True), ("cell", "None", True), ("markdown", "team central-01", False),
           ("caption", "未计入：applications too recent to judge", False)]
    found = problems(raw, "zh", str(app_db))
    assert len(found) == len(raw), found
    fine = [("cell", "Southwest", True), ("caption", "¥3,750万 · 12 days · 2026年9月4日", False),
            ("cell", "PNG", True), ("metric value", "0.81", True)]
    assert problems(fine, "en", str(app_db)) == set()


def test_the_sign_in_page_switches_language(app_db: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="lang_signin").value == "en"
    at.radio(key="lang_signin").set_value("zh").run()
    assert not at.exception, at.exception
    assert any("\u4e00" <= ch <= "\u9fff" for ch in at.title[0].value)
    assert at.session_state["lang"] == "zh"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_sign_in_page_shows_nothing_raw(app_db: Path, lang: str):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    found = problems(visible(at, "sign-in", lang), lang, str(app_db))
    assert not found, "\n".join(sorted(found))


def test_a_refused_sign_in_is_said_in_the_page_language(app_db: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    at.text_input(key="login_user").input("nobody")
    at.text_input(key="login_password").input("wrong-password")
    next(b for b in at.button if b.proto.is_form_submitter).click().run()
    assert not at.exception, at.exception
    assert at.error and all(not LATIN.findall(e.value) for e in at.error), [e.value for e in at.error]
