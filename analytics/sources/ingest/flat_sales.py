"""Flat sales exports → tables: a CRM's deals with agents, managers and offices; AdventureWorks quotas.

**CRM (Maven "CRM Sales Opportunities": sales_teams, accounts, products, sales_pipeline)**, loaded as one
batch (docs/import.md, "Flat sales exports"):

- people: every agent and manager becomes an employee (external key = the name, which is the only
  id the export has); an agent's hire date is their first ``engage_date`` — for agents without deals
  and for managers, the earliest date in the pipeline (a placeholder: the export has no hire dates);
- org units: the company root, one region per ``regional_office``, one team per manager under it;
- roles: ``sales_rep`` for agents, ``team_lead`` for managers (the demo's definitions; stored ones win);
- assignments: agents in their manager's team with the manager as manager_id; managers on the region;
- customers: one per account (external key = name); **KA = the top fifth of accounts by annual
  revenue** (``ceil(n / 5)`` largest ``revenue``), the rest regular; sector → industry, with the
  source's ``technolgy`` read as ``technology`` through the column's value map;
- product lines: one per product (id ``gtx-pro``); deal products are matched to the product list
  ignoring spaces and case, so ``GTXPro`` is ``GTX Pro``;
- orders: Won deals — order_date = close_date, amount = close_value; the alphanumeric opportunity id
  read as a base-36 number is the order id (``1C1I7A6R`` → 104576591187), so a re-import matches;
  ``is_new_customer`` is derived by the loader;
- opportunities: every deal, stage Prospecting/Engaging/Won/Lost → prospecting/engaging/won/lost,
  created = engage_date, closed = close_date, amount = the product's list price; open deals keep
  empty account, close date and value; deals without an engage date (the Prospecting ones) cannot
  have the required created date and are left out with a warning each.

**AdventureWorks (SalesPerson, SalesTerritory, SalesPersonQuotaHistory; tab-separated, no header)**:
territory → region; sales person → employee (external key = BusinessEntityID, name "Sales person
274": names live in another table), hired at the earlier of the row's ModifiedDate and their first
quota month; people with a territory are ``sales_rep`` in its region, those without are
``regional_manager`` at the company root. A quota row is a quarter: AdventureWorks stamps it on the
last day of the month before the quarter or on its first day (2011-05-31, 2011-12-01), so the
quarter starts on the first of the nearest month (day ≤ 15: that month, else the next) and each of
its three months gets ``SalesQuota / 3``.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from analytics.core.periods import add_months_expr
from analytics.sources.ingest.coerce import to_numbers
from analytics.sources.ingest.errors import ROW, ImportProblem
from analytics.sources.ingest.flat_common import (
    FlatBatch,
    column,
    first_rows,
    issues,
    org_frame,
    parse_dates,
    per_distinct,
    root_rows,
    row_issues,
    slug,
    slugs,
    standard_roles,
    tidy,
)
from analytics.sources.ingest.load import Part
from analytics.sources.ingest.mapping import compact
from analytics.sources.ingest.readers import ReadResult

if TYPE_CHECKING:
    from analytics.core.db import Database

CRM_KINDS = ("crm_teams", "crm_accounts", "crm_products", "crm_pipeline")
AW_KINDS = ("aw_territory", "aw_sales_person", "aw_quota_history")
INDUSTRY_FIXES = {"technolgy": "technology"}
KA_SHARE = 0.2
AW_COLUMNS = {
    "aw_sales_person": ["BusinessEntityID", "TerritoryID", "SalesQuota", "Bonus", "CommissionPct", "SalesYTD",
                        "SalesLastYear", "rowguid", "ModifiedDate"],
    "aw_quota_history": ["BusinessEntityID", "QuotaDate", "SalesQuota", "rowguid", "ModifiedDate"],
    "aw_territory": ["TerritoryID", "Name", "CountryRegionCode", "Group", "SalesYTD", "SalesLastYear", "CostYTD",
                     "CostLastYear", "rowguid", "ModifiedDate"],
}
_ID36 = re.compile(r"^[0-9A-Za-z]{1,12}$")


def order_number(opportunity_id: str | None) -> str | None:
    """A whole-number order id from a CRM id: digits as they are, else base 36 (``1C1I7A6R`` → 104576591187)."""
    if opportunity_id is None or not _ID36.match(opportunity_id):
        return None
    return opportunity_id if opportunity_id.isdigit() else str(int(opportunity_id, 36))


def _text(read: ReadResult, name: str) -> pl.Expr:
    return tidy(pl.col(column(read, [name]))).alias(name)


def _one(kind: str, reads: Mapping[str, list[ReadResult]]) -> ReadResult | None:
    found = reads.get(kind, [])
    if len(found) > 1:
        raise ImportProblem(f"two files look like the same export ({kind}): {', '.join(r.info.name for r in found)}; "
                            "import one at a time.", code="batch")
    return found[0] if found else None


# ── CRM ─────────────────────────────────────────────────────────────────────────────────────────

def crm_parts(reads: Mapping[str, list[ReadResult]], *, db: Database | None = None,
              today: dt.date | None = None) -> FlatBatch:
    """The parts of a CRM export set (any of sales_teams, accounts, products, sales_pipeline)."""
    teams, accounts, products, pipeline = (_one(k, reads) for k in CRM_KINDS)
    out = FlatBatch(kinds={r.info.name: k for k in CRM_KINDS for r in reads.get(k, [])})
    canon: dict[str, str] = {}
    if products is not None:
        prod = products.frame.select(ROW, _text(products, "product"), _text(products, "sales_price"))
        canon = {compact(p): p for p in prod["product"].drop_nulls()}
        lines = first_rows(prod.with_columns(product_line_id=slugs(pl.col("product"))), ["product_line_id"])
        out.parts.append(Part("product_lines", lines.select(ROW, "product_line_id", name_en="product",
                                                            name_zh="product"), file=products.info.name,
                              insert_only=True))
    if accounts is not None:
        out.parts.append(_customers(accounts))
    deals = None
    if pipeline is not None:
        deals = pipeline.frame.select(ROW, *(_text(pipeline, c) for c in (
            "opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
            "close_value")))
        if not canon:      # no product list: spellings that differ in spaces only are one product, spaced
            for name in sorted(deals["product"].drop_nulls().unique().to_list(), key=lambda n: -n.count(" ")):
                canon.setdefault(compact(name), name)
        deals = deals.with_columns(
            product=per_distinct(pl.col("product"), lambda p: canon.get(compact(p), p)),
            engaged=parse_dates(deals["engage_date"], today=today),
            closed=parse_dates(deals["close_date"], "opportunities", "closed_date", today))
        if products is None:
            lines = first_rows(deals.with_columns(product_line_id=slugs(pl.col("product"))), ["product_line_id"])
            out.parts.append(Part("product_lines", lines.select(ROW, "product_line_id", name_en="product",
                                                                name_zh="product"),
                                  file=pipeline.info.name, insert_only=True))
        prices = products.frame.select(_text(products, "product"), _text(products, "sales_price")) \
            if products is not None else pl.DataFrame(schema={"product": pl.Utf8, "sales_price": pl.Utf8})
        out.parts.extend(_deals(deals, pipeline.info.name, prices))
    if teams is not None or deals is not None:
        out.parts.extend(_people(teams, deals, pipeline, db))
    out.notes.append(f"{', '.join(out.kinds)}: a CRM export; it fills {', '.join(out.tables)}.")
    return out


def _customers(accounts: ReadResult) -> Part:
    frame = accounts.frame.select(ROW, _text(accounts, "account"), _text(accounts, "sector"),
                                  _text(accounts, "revenue"))
    revenue, _ = to_numbers(frame["revenue"], whole=False)
    n_ka = math.ceil(KA_SHARE * frame["account"].drop_nulls().n_unique())
    ranked = frame.with_columns(revenue=revenue).with_columns(
        rank=pl.col("revenue").rank("ordinal", descending=True))
    out = ranked.select(ROW, external_key="account", name="account", industry="sector",
                        tier=pl.when(pl.col("rank") <= n_ka).then(pl.lit("KA")).otherwise(pl.lit("regular")))
    unread = frame.filter(revenue.is_null() & pl.col("revenue").is_not_null())
    problems = row_issues(unread, accounts.info.name, "revenue", "revenue", "not an amount: the account is ranked "
                          "as regular, not by revenue", "an amount such as 1223.72", "warning", "type") \
        if unread.height else None
    return Part("customers", out, file=accounts.info.name, values={"industry": INDUSTRY_FIXES}, issues=problems)


def _deals(deals: pl.DataFrame, file: str, prices: pl.DataFrame) -> list[Part]:
    deals = deals.with_columns(product_line_id=slugs(pl.col("product"))).join(
        prices.rename({"sales_price": "list_price"}), on="product", how="left", maintain_order="left")
    won = deals.filter(pl.col("deal_stage").str.to_lowercase() == "won").with_columns(
        order_id=per_distinct(pl.col("opportunity_id"), order_number))
    bad_ids = won.filter(pl.col("order_id").is_null())
    orders = won.filter(pl.col("order_id").is_not_null()).select(
        ROW, "order_id", employee_id="sales_agent", customer_id="account", order_date="close_date",
        amount="close_value", product_line_id="product_line_id")
    problems = row_issues(bad_ids, file, "opportunity_id", "opportunity_id",
                          "cannot be made into an order number", "up to 12 letters and digits", "error", "order_id")
    no_date = deals.filter(pl.col("engage_date").is_null())
    skipped = row_issues(no_date, file, "engage_date", "deal_stage",
                         "no engage date: the deal is not loaded (an opportunity needs the date it was created)",
                         "an engage date", "warning", "skipped")
    opportunities = deals.filter(pl.col("engage_date").is_not_null()).select(
        ROW, external_key="opportunity_id", employee_id="sales_agent", customer_id="account",
        product_line_id="product_line_id", stage="deal_stage", amount="list_price", created_date="engage_date",
        closed_date="close_date", close_value="close_value")
    return [Part("orders", orders, file=file, issues=problems),
            Part("opportunities", opportunities, file=file, issues=skipped)]


def _people(teams: ReadResult | None, deals: pl.DataFrame | None, pipeline: ReadResult | None,
            db: Database | None) -> list[Part]:
    if deals is None or deals.select(pl.col("engaged").is_not_null().any()).item() is False:
        raise ImportProblem("the CRM's people need hire dates, which come from the deals: import sales_teams.csv "
                            "together with sales_pipeline.csv.", file=teams.info.name if teams else None,
                            code="batch", expected="sales_pipeline.csv in the same import")
    assert pipeline is not None
    earliest = deals.select(pl.min_horizontal(pl.col("engaged").min(), pl.col("closed").min())).item()
    first = deals.group_by("sales_agent").agg(hired=pl.col("engaged").min())
    staff = teams.frame.select(ROW, _text(teams, "sales_agent"), _text(teams, "manager"),
                               _text(teams, "regional_office")) if teams is not None else \
        pl.DataFrame(schema={ROW: pl.Int64, "sales_agent": pl.Utf8, "manager": pl.Utf8, "regional_office": pl.Utf8})
    parts: list[Part] = []
    file = teams.info.name if teams is not None else pipeline.info.name
    agents = first_rows(staff, ["sales_agent"]).join(first, on="sales_agent", how="left", maintain_order="left")
    only_in_deals = first_rows(deals, ["sales_agent"]).join(staff, on="sales_agent", how="anti").join(
        first, on="sales_agent", how="left")
    managers = first_rows(staff, ["manager"]).filter(~pl.col("manager").is_in(agents["sales_agent"].implode()))
    hire = pl.coalesce("hired", pl.lit(earliest)).cast(pl.Utf8)
    people = pl.concat([
        agents.select(ROW, external_key="sales_agent", name="sales_agent", hire_date=hire),
        managers.select(ROW, external_key="manager", name="manager", hire_date=pl.lit(earliest).cast(pl.Utf8)),
    ])
    if people.height:
        parts.append(Part("employees", people, file=file))
    if only_in_deals.height:
        warn = row_issues(only_in_deals, pipeline.info.name, "sales_agent", "sales_agent",
                          "agent not in the sales teams file: added without a team", "an agent of sales_teams.csv",
                          "warning", "no_team") if teams is not None else None
        parts.append(Part("employees", only_in_deals.select(ROW, external_key="sales_agent", name="sales_agent",
                                                            hire_date=hire), file=pipeline.info.name, issues=warn))
    if teams is None:
        return parts
    root, rows = root_rows(db, int(staff[ROW].min()))
    units = staff.with_columns(region_id=slugs(pl.col("regional_office"))).with_columns(
        team_id=pl.col("region_id") + "--" + slugs(pl.col("manager")))
    for r in first_rows(units, ["region_id"]).iter_rows(named=True):
        rows.append({ROW: r[ROW], "org_unit_id": r["region_id"], "parent_id": root, "level": "region",
                     "name_en": r["regional_office"], "name_zh": r["regional_office"]})
    for r in first_rows(units, ["team_id"]).iter_rows(named=True):
        label = f"{r['regional_office']} · {r['manager']}"
        rows.append({ROW: r[ROW], "org_unit_id": r["team_id"], "parent_id": r["region_id"], "level": "team",
                     "name_en": label, "name_zh": label})
    first_row = int(staff[ROW].min())
    parts += [Part("org_units", org_frame(rows), file=file, insert_only=True),
              Part("roles", standard_roles(["sales_rep", "team_lead"], first_row), file=file, insert_only=True)]
    placed = first_rows(units, ["sales_agent"]).join(agents.select("sales_agent", hire), on="sales_agent", how="left")
    bosses = first_rows(units, ["manager"]).filter(~pl.col("manager").is_in(agents["sales_agent"].implode()))
    assignments = pl.concat([
        placed.select(ROW, employee_id="sales_agent", org_unit_id="team_id", manager_id="manager",
                      role_id=pl.lit("sales_rep"), job_level=pl.lit(1, pl.Int64), valid_from="hired"),
        bosses.select(ROW, employee_id="manager", org_unit_id="region_id", manager_id=pl.lit(None, pl.Utf8),
                      role_id=pl.lit("team_lead"), job_level=pl.lit(3, pl.Int64),
                      valid_from=pl.lit(earliest).cast(pl.Utf8)),
    ])
    parts.append(Part("assignments", assignments, file=file))
    return parts


# ── AdventureWorks ──────────────────────────────────────────────────────────────────────────────

def quarter_start(d: pl.Expr) -> pl.Expr:
    """The first of the month nearest to a quota date: day ≤ 15 → that month, else the next."""
    return pl.when(d.dt.day() <= 15).then(d.dt.month_start()).otherwise(d.dt.offset_by("1mo").dt.month_start())


def aw_parts(reads: Mapping[str, list[ReadResult]], *, db: Database | None = None,
             today: dt.date | None = None) -> FlatBatch:
    """The parts of AdventureWorks sales files (any of territories, sales people, quota history)."""
    territories, people, history = (_one(k, reads) for k in AW_KINDS)
    out = FlatBatch(kinds={r.info.name: k for k in AW_KINDS for r in reads.get(k, [])})
    quotas = None
    if history is not None:
        quotas = _aw_quotas(history, today)
        out.parts.append(quotas)
    names: dict[str, str] = {}
    if territories is not None:
        terr = territories.frame.select(ROW, _text(territories, "TerritoryID"), _text(territories, "Name"))
        names = dict(zip(terr["TerritoryID"].to_list(), terr["Name"].to_list(), strict=True))
        root, rows = root_rows(db, int(terr[ROW].min()))
        rows += [{ROW: r[ROW], "org_unit_id": slug(r["Name"]), "parent_id": root, "level": "region",
                  "name_en": r["Name"], "name_zh": r["Name"]} for r in first_rows(terr, ["Name"]).iter_rows(named=True)]
        out.parts.append(Part("org_units", org_frame(rows), file=territories.info.name, insert_only=True))
    if people is not None:
        out.parts.extend(_aw_people(people, quotas, names, db, territories is None, today))
    out.notes.append(f"{', '.join(out.kinds)}: AdventureWorks sales files; they fill {', '.join(out.tables)}.")
    return out


def _aw_quotas(history: ReadResult, today: dt.date | None) -> Part:
    file = history.info.name
    frame = history.frame.select(ROW, _text(history, "BusinessEntityID"), _text(history, "QuotaDate"),
                                 _text(history, "SalesQuota"))
    dates = parse_dates(frame["QuotaDate"], "orders", "order_date", today)
    amounts, _ = to_numbers(frame["SalesQuota"], whole=False)
    frame = frame.with_columns(d=dates, amount=amounts / 3).with_columns(start=quarter_start(pl.col("d")))
    bad_date = frame.filter(pl.col("start").is_null() & pl.col("QuotaDate").is_not_null())
    bad_amount = frame.filter(pl.col("amount").is_null() & pl.col("SalesQuota").is_not_null())
    problems = pl.concat([
        row_issues(bad_date, file, "QuotaDate", "QuotaDate", "not a date", "a date such as 2011-05-31", "error",
                   "type"),
        row_issues(bad_amount, file, "SalesQuota", "SalesQuota", "not an amount", "an amount such as 28000",
                   "error", "type"),
    ])
    months = frame.filter(pl.col("start").is_not_null() & pl.col("amount").is_not_null()).with_columns(
        k=pl.lit([0, 1, 2])).explode("k").with_columns(
        month=add_months_expr(pl.col("start"), pl.col("k")))
    quotas = months.select(ROW, employee_id="BusinessEntityID", month="month", amount="amount")
    return Part("quotas", quotas, file=file, issues=problems)


def _aw_people(people: ReadResult, quotas: Part | None, names: dict[str, str], db: Database | None,
               make_regions: bool, today: dt.date | None) -> list[Part]:
    file = people.info.name
    frame = people.frame.select(ROW, _text(people, "BusinessEntityID"), _text(people, "TerritoryID"),
                                _text(people, "ModifiedDate"))
    modified = parse_dates(frame["ModifiedDate"], "orders", "order_date", today)
    frame = frame.with_columns(modified=modified)
    if quotas is not None:
        firsts = quotas.data.group_by("employee_id").agg(first=pl.col("month").min())
        frame = frame.join(firsts, left_on="BusinessEntityID", right_on="employee_id", how="left",
                           maintain_order="left")
    else:
        frame = frame.with_columns(first=pl.lit(None, pl.Date))
    frame = frame.with_columns(hired=pl.min_horizontal("modified", "first").cast(pl.Utf8),
                               region_id=per_distinct(pl.col("TerritoryID"),
                                                      lambda t: slug(names.get(t, f"territory {t}"))))
    first_row = int(frame[ROW].min())
    root, rows = root_rows(db, first_row)
    employees = frame.select(ROW, external_key="BusinessEntityID",
                             name=pl.format("Sales person {}", pl.col("BusinessEntityID")), hire_date="hired")
    missing = frame.filter(pl.col("hired").is_null())
    problems = row_issues(missing, file, "ModifiedDate", "ModifiedDate",
                          "no date to take a hire date from (ModifiedDate or a first quota month)",
                          "a date such as 2011-05-24", "error", "required") if missing.height else issues([])
    parts = [Part("employees", employees, file=file, issues=problems)]
    if make_regions:
        rows += [{ROW: r[ROW], "org_unit_id": r["region_id"], "parent_id": root, "level": "region",
                  "name_en": f"Territory {r['TerritoryID']}", "name_zh": f"Territory {r['TerritoryID']}"}
                 for r in first_rows(frame, ["region_id"]).iter_rows(named=True)]
    if rows:
        parts.append(Part("org_units", org_frame(rows), file=file, insert_only=True))
    parts.append(Part("roles", standard_roles(["sales_rep", "regional_manager"], first_row), file=file,
                      insert_only=True))
    rep = pl.col("TerritoryID").is_not_null()
    parts.append(Part("assignments", frame.filter(pl.col("hired").is_not_null()).select(
        ROW, employee_id="BusinessEntityID", org_unit_id=pl.coalesce("region_id", pl.lit(root)),
        role_id=pl.when(rep).then(pl.lit("sales_rep")).otherwise(pl.lit("regional_manager")),
        job_level=pl.when(rep).then(pl.lit(2, pl.Int64)).otherwise(pl.lit(4, pl.Int64)), valid_from="hired"),
        file=file))
    return parts
