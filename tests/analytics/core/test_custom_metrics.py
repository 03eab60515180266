"""Metric files of the company's own (metrics/*.toml): every key and the SQL checked on load, hostile SQL refused
with one sentence naming the file and what was expected, a trial run on the database, a broken file never stopping
the others, and the registry listing them apart from the built-in metrics."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from analytics.core import custom_metrics, custom_sql, registry
from analytics.core.custom_metrics import CustomMetricError
from analytics.core.i18n import CATALOGUE
from analytics.core.registry import REGISTRY

REPO_METRICS = Path(__file__).resolve().parents[3] / "metrics"
SCHEMA = Path(__file__).resolve().parents[3] / "sql" / "schema.sql"
SHARE_SQL = """
select employee_id, order_date as event_date,
       case when is_new_customer then 1 else 0 end as numerator, 1 as denominator
from orders where order_date between $start and $end and amount > 0
"""


def fields(**over: object) -> dict[str, object]:
    """A valid rate's keys (the shipped example's), with some replaced."""
    base = {"id": "first_order_share", "domain": "sales", "name_en": "First-order share", "name_zh": "首单占比",
            "formula_en": "First orders over orders.", "formula_zh": "首单数除以订单数。", "unit": "ratio",
            "direction": "up", "numerator_en": "first orders", "numerator_zh": "首单数",
            "denominator_en": "orders", "denominator_zh": "订单数", "groupings": ["region", "team", "rep"],
            "sql": SHARE_SQL}
    return {k: v for k, v in {**base, **over}.items() if v is not None}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "metrics"
    target.mkdir()
    monkeypatch.setenv("TANDEM_METRICS_DIR", str(target))
    return target


def refusal(**over: object) -> CustomMetricError:
    with pytest.raises(CustomMetricError) as info:
        custom_metrics.parse(fields(**over), "first_order_share.toml", REGISTRY)
    return info.value


# ── the SQL ──────────────────────────────────────────────────────────────
HOSTILE = [
    ("create table stolen as select * from employees", "sql_kind", "CREATE"),
    ("delete from employees", "sql_kind", "DELETE"),
    ("insert into orders select * from orders", "sql_kind", "INSERT"),
    ("update employees set name = 'x'", "sql_kind", "UPDATE"),
    ("drop table orders", "sql_kind", "DROP"),
    ("copy orders to '/tmp/orders.csv'", "sql_kind", "COPY"),
    ("attach '/tmp/other.duckdb' as other", "sql_kind", "ATTACH"),
    ("install httpfs", "sql_kind", "INSTALL"),
    ("load httpfs", "sql_kind", "COMMAND"),
    ("set threads = 1", "sql_kind", "SET"),
    ("pragma database_list", "sql_kind", "PRAGMA"),
    ("select 1 as employee_id, 1 as numerator, 1 as denominator; drop table orders", "sql_statements", "2"),
    ("select * from read_csv('/etc/passwd')", "sql_table_function", "read_csv"),
    ("select employee_id, 1 as numerator, 1 as denominator from read_parquet('/x.parquet')", "sql_table_function",
     "read_parquet"),
    ("select employee_id, 1 as numerator, 1 as denominator from '/etc/passwd'", "sql_table", "/etc/passwd"),
    ("select employee_id, 1 as numerator, 1 as denominator from glob('/*')", "sql_table_function", "glob"),
    ("select 1 as employee_id, length(getenv('HOME')) as numerator, 1 as denominator", "sql_function", "getenv"),
    ("select 1 as employee_id, 1 as numerator, length(read_text('/etc/passwd')) as denominator", "sql_function",
     "read_text"),
    ("select 1 as employee_id, 1 as numerator, length(current_setting('threads')) as denominator", "sql_function",
     "current_setting"),
    ("select employee_id, 1 as numerator, 1 as denominator from users", "sql_table", "users"),
    ("select 1 as employee_id, count(*) as numerator, 1 as denominator from audit_log", "sql_table", "audit_log"),
    ("select employee_id, base_monthly as numerator, 1 as denominator from compensation", "sql_table",
     "compensation"),
    ("select employee_id, 1 as numerator, 1 as denominator from panels.sales_placed", "sql_qualified",
     "panels.sales_placed"),
    ("select employee_id, 1 as numerator, 1 as denominator from duckdb_settings()", "sql_table_function",
     "duckdb_settings"),
    ("select employee_id, 1 as numerator, 1 as denominator from orders where $units is null", "sql_parameter",
     "$units"),
    ("select employee_id, 1 as numerator, 1 as denominator from orders where order_date > ?", "sql_parameter", "?"),
    ("select employee_id, case when gender = 'F' then 1 else 0 end as numerator, 1 as denominator from employees",
     "sql_column", "gender"),
    ("select e.employee_id, 1 as numerator, 1 as denominator from employees as e where e.birth_year > 1990",
     "sql_column", "birth_year"),
    ("select employee_id, 1 as numerator, 1 as denominator from performance_reviews where veto_reason like '%x%'",
     "sql_column", "veto_reason"),
    ("with users as (select 1 as x) select employee_id, 1 as numerator, 1 as denominator from orders",
     "sql_cte_name", "users"),
    ("with orders as (select 1 as employee_id) select employee_id, 1 as numerator, 1 as denominator from orders",
     "sql_cte_name", "orders"),
    ("with a as (select * from b), b as (select 1 as employee_id) "
     "select employee_id, 1 as numerator, 1 as denominator from a", "sql_table", "b"),
    ("select employee_id, 1 as numerator, 1 as denominator from (with x as (select * from orders) select * from x)",
     "sql_with", ""),
    ("with recursive r as (select 1 as employee_id) select employee_id, 1 as numerator, 1 as denominator from r",
     "sql_with", ""),
    ("select * from orders", "sql_star", ""),
    ("select employee_id, 1 as numerator, 1 as denominator, length(cast(e as varchar)) as x from employees as e",
     "sql_whole_row", "e"),
    ("select employee_id, 1 as numerator from orders", "sql_columns", "employee_id, numerator"),
    ("select 1 as numerator, 1 as denominator", "sql_keys", ""),
    ("select 'x' as org_unit_id, 1 as employee_id, 1 as numerator, 1 as denominator", "sql_keys", ""),
    ("selec employee_id from orders", "sql_parse", ""),
]


@pytest.mark.parametrize(("sql", "key", "named"), HOSTILE, ids=[h[1] + ":" + h[0][:30] for h in HOSTILE])
def test_hostile_or_wrong_sql_is_refused_with_its_reason(sql, key, named):
    err = refusal(sql=sql)
    assert err.key == key
    assert err.file == "first_order_share.toml" and str(err).startswith("first_order_share.toml: ")
    assert named in str(err)
    assert len(str(err).splitlines()) == 1
    assert re.search(r"[\u4e00-\u9fff]", err.text("zh")) and err.file in err.text("zh")


def test_what_runs_is_the_checked_statement_without_comments():
    checked = custom_sql.check("-- */ drop table orders\n" + SHARE_SQL + " /* ; delete from orders */")
    assert "drop" not in checked.text.lower() and "delete" not in checked.text.lower() and "/*" not in checked.text
    assert checked.columns == ("employee_id", "event_date", "numerator", "denominator") and checked.rows == "person"
    wrapped = custom_sql.scoped(checked)
    assert "$all_units" in wrapped and "list_contains($units, b.org_unit_id)" in wrapped


def test_ctes_joins_windows_and_date_functions_are_allowed():
    sql = """
    with placed as (
        select o.employee_id, o.order_date, o.amount, cu.tier,
               row_number() over (partition by o.customer_id order by o.order_date) as nth
        from orders as o join customers as cu using (customer_id)
        where o.order_date between $start and $end
    ),
    counted as (select employee_id, count(*) filter (where tier = 'KA') as ka, count(*) as n from placed group by all)
    select employee_id, cast(ka as double) as numerator, coalesce(n, 0) as denominator from counted
    union all
    select employee_id, 0, count(*) from orders
    where date_trunc('month', order_date) = date_trunc('month', $as_of::date) and date_diff('day', order_date, $end) < 5
    group by all
    """
    assert custom_sql.check(sql).rows == "person"


def test_the_allowed_tables_are_facts_of_the_schema():
    schema = SCHEMA.read_text(encoding="utf-8")
    tables = set(re.findall(r"create table if not exists (\w+)", schema)) | {"org_paths"}
    assert tables >= custom_sql.FACT_TABLES
    never = {"users", "user_roles", "user_sessions", "audit_log", "meta", "compensation", "assistance_referrals",
             "alerts", "alert_actions", "alert_requests", "alert_sends", "goals", "reviews", "action_items"}
    assert never <= tables and not never & custom_sql.FACT_TABLES


# ── the other keys ───────────────────────────────────────────────────────
@pytest.mark.parametrize(("over", "key"), [
    ({"colour": "red"}, "unknown_keys"),
    ({"sql": None}, "missing"),
    ({"name_en": 3}, "not_text"),
    ({"id": "First Share"}, "id"),
    ({"id": "share_ttm"}, "id"),
    ({"id": "other_id"}, "file_name"),
    ({"unit": "percent"}, "choice"),
    ({"direction": "sideways"}, "choice"),
    ({"domain": "finance"}, "choice"),
    ({"name_zh": "First share"}, "language_zh"),
    ({"formula_en": "首单数"}, "language_en"),
    ({"denominator_zh": None}, "ratio_parts"),
    ({"groupings": ["region", "galaxy"]}, "groupings"),
    ({"min_base": 0}, "min_base"),
    ({"unit": "count"}, "sql_columns"),
    ({"sql": "select org_unit_id, 1 as numerator, 1 as denominator from org_units"}, "groupings_person"),
])
def test_every_key_is_checked(over, key):
    err = refusal(**over)
    assert err.key == key, str(err)
    assert f"custom.error.{key}" in CATALOGUE["en"] and f"custom.error.{key}" in CATALOGUE["zh"]


def test_a_built_in_id_is_refused():
    with pytest.raises(CustomMetricError, match="is a built-in metric"):
        custom_metrics.parse(fields(id="bookings"), "bookings.toml", REGISTRY)


def test_the_shipped_example_loads_and_is_a_rate_by_person():
    path = REPO_METRICS / "new_customer_order_share.toml"
    cm = custom_metrics.read_file(path, REGISTRY)
    assert cm.metric.unit == "ratio" and cm.checked.rows == "person" and "rep" in cm.groupings
    assert tomllib.loads(path.read_text(encoding="utf-8"))["id"] == cm.id


# ── the folder ───────────────────────────────────────────────────────────
def test_a_broken_file_is_refused_and_the_others_load(folder: Path):
    write(folder, "first_order_share.toml", custom_metrics.to_toml(fields()))
    write(folder, "leak.toml", custom_metrics.to_toml(fields(id="leak", sql="select * from users")))
    write(folder, "garbled.toml", "id = 'garbled\nsql = ")
    cat = custom_metrics.loaded(REGISTRY)
    assert list(cat.metrics) == ["first_order_share"]
    assert set(cat.refused) == {"leak.toml", "garbled.toml"}
    assert cat.refused["leak.toml"].key == "sql_table" and cat.refused["garbled.toml"].key == "toml"
    # the registry lists it after the built-in metrics, finds it by id, never mixes it into REGISTRY
    assert list(registry.all_metrics())[-1] == "first_order_share" and "first_order_share" not in REGISTRY
    assert registry.get_metric("first_order_share").name("zh") == "首单占比" and registry.is_custom("first_order_share")
    with pytest.raises(registry.UnknownMetricError, match="Did you mean 'first_order_share'"):
        registry.get_metric("first_order_shar")


def test_a_file_changed_on_disk_is_read_again(folder: Path):
    path = write(folder, "first_order_share.toml", custom_metrics.to_toml(fields()))
    assert registry.custom()["first_order_share"].name_en == "First-order share"
    path.write_text(custom_metrics.to_toml(fields(name_en="Share of first orders")), encoding="utf-8")
    assert registry.custom()["first_order_share"].name_en == "Share of first orders"
    path.unlink()
    assert "first_order_share" not in registry.custom()


# ── the trial run ────────────────────────────────────────────────────────
def test_the_trial_run_refuses_what_only_the_database_can_tell(folder: Path, tiny_db):
    write(folder, "first_order_share.toml", custom_metrics.to_toml(fields()))
    write(folder, "wrong_type.toml", custom_metrics.to_toml(fields(
        id="wrong_type", sql="select employee_id, 'many' as numerator, 1 as denominator from orders")))
    write(folder, "no_column.toml", custom_metrics.to_toml(fields(
        id="no_column", sql="select employee_id, colour as numerator, 1 as denominator from orders")))
    assert set(custom_metrics.loaded(REGISTRY).metrics) == {"first_order_share", "wrong_type", "no_column"}
    cat = custom_metrics.check_on(tiny_db, REGISTRY)
    assert list(cat.metrics) == ["first_order_share"]
    assert cat.refused["wrong_type.toml"].key == "sql_type_number"
    assert cat.refused["no_column.toml"].key == "trial" and "colour" in str(cat.refused["no_column.toml"])
    assert "no_column" not in registry.custom()


def test_a_slow_query_is_stopped(tiny_db):
    joins = ", ".join(f"orders as o{i}" for i in range(16))  # 5 ** 16 rows
    cm = custom_metrics.parse(fields(sql=f"select o0.employee_id, 1 as numerator, 1 as denominator from {joins}"),
                              "first_order_share.toml", REGISTRY)
    started = dt.datetime.now()
    with pytest.raises(CustomMetricError) as info:
        custom_metrics.trial(tiny_db, cm, seconds=0.5)
    assert info.value.key == "timeout" and (dt.datetime.now() - started).total_seconds() < 10
    assert tiny_db.scalar("select 42") == 42  # the cursor is usable afterwards, no transaction left open


def test_a_trial_that_ran_out_of_time_is_tried_again_later(folder: Path, tiny_db, monkeypatch):
    """A busy moment is not a verdict: a timed-out trial is tried again after RETRY_AFTER_TIMEOUT; other refusals
    stand until the file changes."""
    write(folder, "first_order_share.toml", custom_metrics.to_toml(fields()))
    write(folder, "wrong_type.toml", custom_metrics.to_toml(fields(
        id="wrong_type", sql="select employee_id, 'many' as numerator, 1 as denominator from orders")))
    real, calls = custom_metrics.trial, []

    def busy_once(db, cm, seconds=custom_metrics.TRIAL_SECONDS):
        calls.append(cm.id)
        if cm.id == "first_order_share" and calls.count(cm.id) == 1:
            raise CustomMetricError("timeout", cm.file, seconds="5")
        return real(db, cm, seconds)

    monkeypatch.setattr(custom_metrics, "trial", busy_once)
    cat = custom_metrics.check_on(tiny_db, REGISTRY)
    assert list(cat.metrics) == [] and cat.refused["first_order_share.toml"].key == "timeout"
    assert list(custom_metrics.check_on(tiny_db, REGISTRY).metrics) == [] and len(calls) == 2  # not yet again
    monkeypatch.setattr(custom_metrics, "RETRY_AFTER_TIMEOUT", 0.0)
    cat = custom_metrics.check_on(tiny_db, REGISTRY)
    assert list(cat.metrics) == ["first_order_share"] and cat.refused["wrong_type.toml"].key == "sql_type_number"
    assert calls == ["first_order_share", "wrong_type", "first_order_share"]  # the wrong type is not tried again


def test_save_writes_the_file_and_audits_delete_removes_it(folder: Path, tiny_db):
    cm = custom_metrics.save(fields(min_base=3), tiny_db, REGISTRY, "demo.admin")
    path = folder / "first_order_share.toml"
    assert cm.file == path.name and tomllib.loads(path.read_text(encoding="utf-8"))["min_base"] == 3
    assert custom_metrics.read_file(path, REGISTRY).checked == cm.checked
    with pytest.raises(CustomMetricError, match="exists already"):
        custom_metrics.save(fields(), tiny_db, REGISTRY, "demo.admin")
    custom_metrics.delete("first_order_share", tiny_db, "demo.admin")
    assert not path.exists()
    actions = tiny_db.sql("select action, target from audit_log where action like 'custom_metric%' order by event_id")
    assert actions.rows() == [("custom_metric_saved", "first_order_share.toml"),
                              ("custom_metric_deleted", "first_order_share.toml")]
    with pytest.raises(CustomMetricError, match="no metric 'nothing_here'"):
        custom_metrics.delete("nothing_here", tiny_db, "demo.admin")
