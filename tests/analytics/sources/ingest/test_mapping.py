"""Header matching (normalised, bilingual synonyms, value-aware) and mapping profiles."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from analytics.sources.ingest import (
    ROW,
    ColumnMapping,
    ImportProblem,
    list_profiles,
    match_columns,
    normalise,
    read_file,
)
from analytics.sources.ingest.mapping import CHECK_BELOW, profile_path
from tests.datasets import dataset

from .conftest import AW_QUOTA_COLUMNS


@pytest.mark.parametrize(("header", "snake"), [
    ("DateofHire", "dateof_hire"), ("Hire Date", "hire_date"), ("hire_date", "hire_date"), ("HireDate", "hire_date"),
    ("EmpID", "emp_id"), ("BusinessEntityID", "business_entity_id"), ("入职日期", "入职日期"),
    ("入职日期（必填）", "入职日期"), ("Amount (CNY)*", "amount"), ("  Last-Name  ", "last_name"),
])
def test_normalise(header: str, snake: str):
    assert normalise(header) == snake


@pytest.mark.parametrize("header", ["DateofHire", "Hire Date", "hire_date", "入职日期", "HIRE_DATE", "入职日期（必填）",
                                    "Date of Hire", "Dates / Hire"])
def test_hire_date_spellings(header: str):
    assert match_columns([header], "employees").columns == {header: "hire_date"}


def test_chinese_headers():
    m = match_columns(["员工编号", "姓名", "入职日期", "离职日期", "离职原因", "招聘渠道", "性别"], "employees")
    assert m.columns == {"员工编号": "external_key", "姓名": "name", "入职日期": "hire_date",
                         "离职日期": "termination_date", "离职原因": "exit_reason", "招聘渠道": "hire_source",
                         "性别": "gender"}
    m = match_columns(["部门", "岗位", "直属上级", "工号"], "assignments")
    assert m.columns == {"部门": "org_unit_id", "岗位": "role_id", "直属上级": "manager_id", "工号": "employee_id"}
    m = match_columns(["订单日期", "金额", "销售", "客户"], "orders")
    assert m.columns == {"订单日期": "order_date", "金额": "amount", "销售": "employee_id", "客户": "customer_id"}


def test_values_keep_a_numeric_code_off_a_code_column():
    frame = pl.DataFrame({"GenderID": ["0", "1", "1"], "Name": ["a", "b", "c"]})
    m = match_columns(frame, "employees")
    assert "GenderID" not in m.columns and m.columns["Name"] == "name"


def test_hr_v14_headers_map_to_employees_and_assignments():
    read = read_file(dataset("hr_dataset_v14/HRDataset_v14.csv"))
    m = match_columns(read, "employees")
    assert {s: m.columns.get(s) for s in ["EmpID", "Employee_Name", "DateofHire", "DateofTermination", "TermReason",
                                          "EmploymentStatus", "RecruitmentSource", "Sex", "DOB"]} == {
        "EmpID": "external_key", "Employee_Name": "name", "DateofHire": "hire_date",
        "DateofTermination": "termination_date", "TermReason": "exit_reason", "EmploymentStatus": "exit_type",
        "RecruitmentSource": "hire_source", "Sex": "gender", "DOB": "birth_year"}
    assert m.missing_required == [] and m.to_check == []
    for other in ("ManagerName", "Department", "Position", "Zip", "GenderID", "MarriedID", "Salary"):
        assert other not in m.columns, other           # no such employees column: left unmapped
    a = match_columns(read, "assignments")
    assert a.columns["Department"] == "org_unit_id" and a.columns["Position"] == "role_id"
    assert a.targets["manager_id"] in ("ManagerName", "ManagerID")
    assert a.columns["EmpID"] == "employee_id" and a.columns["DateofHire"] == "valid_from"
    assert a.confidence["DateofHire"] < CHECK_BELOW      # a weak guess: shown for checking
    assert a.missing_required == ["job_level"]


def test_crm_pipeline_headers_map_to_opportunities_and_orders():
    read = read_file(dataset("crm_sales_opportunities/sales_pipeline.csv"))
    o = match_columns(read, "opportunities")
    assert o.columns == {"opportunity_id": "external_key", "sales_agent": "employee_id", "product": "product_line_id",
                         "account": "customer_id", "deal_stage": "stage", "engage_date": "created_date",
                         "close_date": "closed_date", "close_value": "close_value"}
    assert "not whole numbers" in o.reasons["opportunity_id"]     # text ids → the natural key
    r = match_columns(read, "orders")
    assert {k: v for k, v in r.columns.items()} == {"sales_agent": "employee_id", "product": "product_line_id",
                                                     "account": "customer_id", "close_date": "order_date",
                                                     "close_value": "amount"}
    assert r.missing_required == ["order_id"]


def test_adventureworks_quota_history_maps_to_quotas():
    read = read_file(dataset("adventureworks_sales_quota/SalesPersonQuotaHistory.csv"), has_header=False,
                     column_names=AW_QUOTA_COLUMNS)
    m = match_columns(read, "quotas")
    assert m.columns == {"BusinessEntityID": "employee_id", "QuotaDate": "month", "SalesQuota": "amount"}
    assert m.unmapped == ["rowguid", "ModifiedDate"] and m.missing_required == []


def test_editing_and_applying_a_mapping():
    frame = pl.DataFrame({ROW: [2, 3], "工号": ["1", "2"], "名字": ["A", "B"], "备注": ["x", "y"]})
    m = match_columns(frame, "employees")
    m.set("名字", "name")
    m.set("备注", None)
    assert m.columns == {"工号": "external_key", "名字": "name"} and m.confidence["名字"] == 1.0
    m.set("备注", "name")                                   # a target has one source: it moves
    assert m.columns == {"工号": "external_key", "备注": "name"}
    applied = m.apply(frame)
    assert applied.columns == [ROW, "external_key", "name"] and applied["name"].to_list() == ["x", "y"]
    with pytest.raises(ImportProblem, match="no column 'nope'"):
        m.set("nope", "name")
    with pytest.raises(KeyError, match="no column 'nope'"):
        m.set("工号", "nope")
    with pytest.raises(ImportProblem, match="does not have"):
        m.apply(frame.drop("备注"), file="f.csv")


def test_profile_round_trip_with_value_maps(tmp_path: Path):
    m = match_columns(["EmpID", "Employee_Name", "DateofHire", "EmploymentStatus", "Extra"], "employees")
    m.set_value("exit_type", "Retired", "other")
    m.set_value("exit_type", "On leave", None)
    m.set_date_order("hire_date", "DMY")
    path = m.save("hris export", folder=tmp_path)
    assert path == tmp_path / "hris export.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["values"] == {"exit_type": {"Retired": "other", "On leave": None}}
    assert list_profiles(tmp_path) == ["hris export"] and list_profiles(tmp_path, table="orders") == []
    again = ColumnMapping.load("hris export", folder=tmp_path, sources=["EmpID", "Employee_Name", "EmploymentStatus"])
    assert again.columns == {"EmpID": "external_key", "Employee_Name": "name", "EmploymentStatus": "exit_type"}
    assert any("DateofHire" in n for n in again.notes)
    assert again.value_map("exit_type")["retired"] == "other"
    assert again.value_map("exit_type")["voluntarily terminated"] == "voluntary"     # built-ins stay
    assert again.date_order == {"hire_date": "DMY"}
    reused = match_columns(["EmpID", "Employee_Name", "入职日期"], "employees", profile="hris export", folder=tmp_path)
    assert reused.columns == {"EmpID": "external_key", "Employee_Name": "name", "入职日期": "hire_date"}
    assert reused.reasons["EmpID"] == "profile"


def test_profile_names_cannot_escape_the_folder(tmp_path: Path):
    for bad in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ImportProblem, match="not a valid profile name"):
            profile_path(bad, tmp_path)
    (tmp_path / "broken.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(ImportProblem, match="not valid JSON"):
        ColumnMapping.load("broken", folder=tmp_path)
    with pytest.raises(ImportProblem, match="no mapping profile"):
        ColumnMapping.load("absent", folder=tmp_path)
