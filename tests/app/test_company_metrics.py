"""The company's own metrics in the app: the shipped one in the glossary in both languages, marked as the company's;
the Admin page's form previews a metric by region (the admin's masks applied, nothing raw on screen), saves it as a
file (audited) that the glossary then lists, and refuses a hostile one with its reason in the page's language."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.core.registry import REGISTRY, all_metrics
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible

SHARE_SQL = ("select employee_id, order_date as event_date, case when is_new_customer then 1 else 0 end as "
             "numerator, 1 as denominator from orders where order_date between $start and $end and amount > 0")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_glossary_lists_the_shipped_metric_as_the_company_s_own(app_db: Path, lang: str):
    at = open_signed_in("glossary.py", "demo.hr", lang)
    table = at.dataframe[0].value
    assert len(table) == len(all_metrics()) == len(REGISTRY) + 1
    own = table[table[t("col.id", lang)] == "new_customer_order_share"].iloc[0]
    assert own[t("col.metric", lang)] == ("新客户订单占比" if lang == "zh" else "Share of orders from new customers")
    assert own[t("glossary.origin", lang)] == t("glossary.own", lang)
    assert set(table[t("glossary.origin", lang)]) == {t("glossary.own", lang), t("glossary.builtin", lang)}


@pytest.fixture
def own(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    db, folder = tmp_path / "admin.duckdb", tmp_path / "metrics"
    shutil.copy(demo_db_path, db)
    folder.mkdir()
    monkeypatch.setenv("TANDEM_DB", str(db))
    monkeypatch.setenv("TANDEM_METRICS_DIR", str(folder))
    return db, folder


def _fill(at, lang: str, sql: str) -> None:
    for key, value in (("custom_id", "first_order_share"), ("custom_name_en", "First-order share"),
                       ("custom_name_zh", "首单占比"), ("custom_numerator_en", "first orders"),
                       ("custom_numerator_zh", "首单数"), ("custom_denominator_en", "orders"),
                       ("custom_denominator_zh", "订单数")):
        at.text_input(key=key).input(value)
    at.text_area(key="custom_formula_en").input("First orders over orders.")
    at.text_area(key="custom_formula_zh").input("首单数除以订单数。")
    at.text_area(key="custom_sql").input(sql)
    at.selectbox(key="custom_domain").select("sales")
    at.selectbox(key="custom_unit").select("ratio")
    at.selectbox(key="custom_direction").select("up")


def _press(at, label_key: str, lang: str):
    return next(b for b in at.button if b.label == t(label_key, lang)).click().run()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_admin_previews_saves_and_refuses(own, lang: str):
    db_path, folder = own
    at = open_signed_in("admin.py", "demo.admin", lang)
    assert t("custom.none", lang) in [c.value for c in at.caption]
    _fill(at, lang, "select employee_id, 1 as numerator, 1 as denominator from users")
    _press(at, "custom.preview", lang)
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any("first_order_share.toml" in e and "users" in e for e in errors), errors
    if lang == "zh":
        assert any("指标不可读取" in e for e in errors), errors
    _fill(at, lang, SHARE_SQL)
    _press(at, "custom.preview", lang)
    assert not at.exception and not at.error, [e.value for e in at.error]
    preview = next(d.value for d in at.dataframe if t("custom.note", lang) in d.value.columns)
    db = Database(db_path)  # the app's file and configuration: DuckDB shares the open instance
    regions = set(db.sql("select name_en, name_zh from org_units where level = 'region'")[f"name_{lang}"].to_list())
    groups = set(preview[t("col.group", lang)])
    assert regions <= groups and t("custom.total", lang) in groups
    assert all(v.endswith("%") or v == "—" for v in preview["首单占比" if lang == "zh" else "First-order share"])
    assert not problems(visible(at, "admin.py", lang), lang, str(db_path))
    assert not list(folder.iterdir())  # a preview writes nothing
    if lang == "en":
        _press(at, "custom.save", lang)
        assert [s.value for s in at.success] == [t("custom.saved", lang, name="First-order share",
                                                   file="first_order_share.toml")]
        assert (folder / "first_order_share.toml").exists()
        assert db.scalar("select count(*) from audit_log where action = 'custom_metric_saved' and "
                         "target = 'first_order_share.toml'") == 1
        at = open_signed_in("glossary.py", "demo.admin", lang)
        assert "first_order_share" in set(at.dataframe[0].value[t("col.id", lang)])
        # change it: "Start from" fills the form from its file; saved over it only with "replace" ticked
        at = open_signed_in("admin.py", "demo.admin", lang)
        at.selectbox(key="custom_start_from").select("first_order_share").run()
        assert at.text_area(key="custom_sql").value == SHARE_SQL and at.checkbox(key="custom_replace").value
        assert at.text_input(key="custom_name_zh").value == "首单占比"
        at.text_input(key="custom_name_en").input("First orders of all orders")
        at.checkbox(key="custom_replace").uncheck()
        _press(at, "custom.save", lang)
        refused = t("custom.error.exists", lang, file="first_order_share.toml", value="first_order_share")
        assert [e.value.replace("\\", "") for e in at.error] == [refused]
        at.checkbox(key="custom_replace").check()
        _press(at, "custom.save", lang)
        assert not at.error and 'name_en = "First orders of all orders"' in (
            folder / "first_order_share.toml").read_text(encoding="utf-8")
        assert db.scalar("select count(*) from audit_log where action = 'custom_metric_replaced' and "
                         "target = 'first_order_share.toml'") == 1
        assert not problems(visible(at, "admin.py", lang), lang, str(db_path))
