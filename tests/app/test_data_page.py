"""The Data page under AppTest: upload a file, check it (nothing written), load it (data version moves)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data_page.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


def test_upload_check_then_load(own_db: Path):
    db = Database(own_db)
    customer = db.sql("select customer_id from customers limit 1")["customer_id"][0]
    rep = db.sql("select employee_id from quotas limit 1")["employee_id"][0]
    before_version, before_orders = db.data_version, db.table_counts()["orders"]
    csv = (f"Order ID,Sales rep,Customer,Order date,Amount\n"
           f"9000001,{rep},{customer},2025-12-03,\"¥12,500.00\"\n"
           f"9000002,{rep},{customer},12/04/2025,8000\n").encode()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="data_table").set_value("orders").run()
    at.file_uploader(key="data_files").upload("orders.csv", csv, "text/csv").run()
    assert not at.exception, at.exception
    at.button(key="data_check").click().run()
    assert not at.exception, at.exception
    assert any("No errors" in s.value for s in at.success), [e.value for e in at.error]
    assert Database(own_db).table_counts()["orders"] == before_orders  # a check writes nothing
    at.button(key="data_load").click().run()
    assert not at.exception, at.exception
    after = Database(own_db)
    assert after.table_counts()["orders"] == before_orders + 2
    assert after.data_version == before_version + 1
    amount = after.sql("select amount from orders where order_id = 9000001")["amount"][0]
    assert amount == 12500.0


def test_a_file_of_another_table_is_reported_not_loaded(own_db: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at)
    at.run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_table").set_value("orders").run()
    at.file_uploader(key="data_files").upload("people.csv", b"Name,Hire date\nAnn,2024-01-05\n", "text/csv").run()
    before = Database(own_db).table_counts()
    at.button(key="data_check").click().run()
    assert not at.exception, at.exception
    assert at.error, "missing required columns must be reported"
    assert Database(own_db).table_counts() == before


def test_value_maps_are_shown_and_editable(own_db: Path):
    csv = (b"Employee ID,Employee Name,Date of Hire,Date of Termination,Exit Type\n"
           b"E1,Ann,2024-01-05,2024-06-30,Voluntarily Terminated\n"
           b"E2,Bob,2024-02-01,,\n")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at)
    at.run()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_table").set_value("employees").run()
    at.toggle(key="data_flat").set_value(False).run()
    at.file_uploader(key="data_files").upload("people.csv", csv, "text/csv").run()
    assert not at.exception, at.exception
    texts = " ".join(c.value for c in at.caption)
    assert "What the values of Exit Type mean for exit_type" in texts
    frames = [d.value for d in at.dataframe]
    codes = {r["value"]: r["code"] for f in frames if list(f.columns) == ["value", "code"]
             for r in f.to_dict("records")}
    assert codes.get("Voluntarily Terminated") == "voluntary"


def test_after_a_load_the_page_follows_the_pages_being_prepared(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    """A load renews the data token; the views looked at before (the overview, at sign-in) are computed ahead for
    the new data, and the Data page says how far that has come until it is done."""
    from analytics.core.result_store import ResultStore

    monkeypatch.setenv("TANDEM_PREWARM_LIMIT", "50")
    db = Database(own_db)
    customer = db.sql("select customer_id from customers limit 1")["customer_id"][0]
    rep = db.sql("select employee_id from quotas limit 1")["employee_id"][0]
    db.close()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at)
    at.run()  # the overview: its figures stored for this data
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_table").set_value("orders").run()
    csv = f"Order ID,Sales rep,Customer,Order date,Amount\n9000003,{rep},{customer},2025-12-05,900\n".encode()
    at.file_uploader(key="data_files").upload("orders.csv", csv, "text/csv").run()
    at.button(key="data_load").click().run()
    assert not at.exception, at.exception
    labels = [getattr(block, "label", "") for block in at.status]
    ready = [label for label in labels if label.startswith("The pages are ready for the new data:")]
    assert ready, labels
    n = int(ready[0].split(": ")[1].split(" ")[0])
    store = ResultStore(own_db)
    from ui.context import get_database

    token = get_database(str(own_db)).data_token  # the app's own connection to the file
    before = [t for t in store.tokens() if t != token]
    assert before and n == len(list(store.entries(before[0]))) >= 1  # every earlier view, computed again
    assert len(list(store.entries(token))) >= n  # and stored for the new data
