"""A flat HR export (one row per person: department, position, manager, hire and exit) → several tables.

Like ``HRDataset_v14.csv``. The mapping (documented in docs/import.md, "Flat HR exports"):

- **employees**: the usual column matching (``EmpID`` → external_key, ``DateofHire`` → hire_date,
  ``EmploymentStatus`` → exit_type, ``TermReason`` → exit_reason, ``RecruitmentSource`` → hire_source
  with ``Google Search`` counted as a job board …).
- **org_units**: the company root (the database's, else ``company``); without a region column each
  **department is a region** and each **department + manager is a team** under it (so the app's
  region → team model holds and "by team" means "by manager"); with a region column (``Region``,
  ``Division``, ``大区``) the region is that and each department a team under it. Ids are slugs of
  the names (``IT/IS`` → ``it-is``, team ``production--michael-albert``); both names are the
  source text. Added when missing; stored units are kept as they are.
- **roles**: one per position (``Production Technician I`` → ``production_technician_i``); family
  ``sales`` when the title says Sales / 销售 / Account, else ``support``; sales roles carry a quota.
- **assignments**: one per person, from hire to termination (a flat export has no history), in the
  team, with the role, a job level read from the title (I → 1, II or a plain title → 2, Sr./Senior/
  Lead/Principal → 3, Manager → 4, Director/Head → 5, Chief/CxO/President/VP → 6) and the manager
  resolved by name (``Michael Albert`` finds ``Albert, Michael``; middle initials ignored) among
  the file's people and the database's, or by id when the manager column holds person ids. An
  unresolved manager leaves ``manager_id`` empty with one warning per name.
- **compensation**: ``Salary`` is annual → ``base_monthly = Salary / 12`` (a monthly salary column,
  ``月薪``, is taken as is), valid over the whole employment.
- **performance_reviews**: ``PerformanceScore`` (Exceeds 4, Fully Meets 3, Needs Improvement 2,
  PIP 1) dated ``LastPerformanceReview_Date``, in that date's fiscal quarter; the file has no
  potential rating, so ``potential`` is 2 (the middle); the reviewer is the manager.
- **engagement**: ``EngagementSurvey`` (1–5) dated ``LastPerformanceReview_Date``.
- **person_measures**: ``EmpSatisfaction`` (1–5) → ``satisfaction``, ``SpecialProjectsCount`` →
  ``special_projects``, ``DaysLateLast30`` → ``days_late_30``, ``Absences`` → ``absences``, each dated
  ``LastPerformanceReview_Date`` like the engagement score (a value that is not a number is left out, with a
  warning naming the row and column).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import polars as pl

from analytics.sources.ingest.coerce import coerce, to_numbers
from analytics.sources.ingest.errors import ROW
from analytics.sources.ingest.flat_common import (
    ROLE_SCHEMA,
    FlatBatch,
    find_column,
    first_rows,
    issues,
    org_frame,
    parse_dates,
    per_distinct,
    root_rows,
    row_issues,
    slugs,
    tidy,
)
from analytics.sources.ingest.load import Part
from analytics.sources.ingest.mapping import match_columns
from analytics.sources.ingest.readers import ReadResult

if TYPE_CHECKING:
    from analytics.core.db import Database

ALIASES: dict[str, tuple[str, ...]] = {
    "department": ("Department", "Dept", "Department Name", "部门", "所属部门", "部门名称"),
    "region": ("Region", "Division", "Business Unit", "大区", "区域", "事业部"),
    "position": ("Position", "Job Title", "Title", "Job", "岗位", "职位", "职务", "岗位名称"),
    "manager_name": ("ManagerName", "Manager Name", "Manager", "Supervisor", "Reports To", "Line Manager",
                     "直属上级", "上级", "直属领导", "经理"),
    "manager_id": ("ManagerID", "Manager ID", "Supervisor ID", "上级工号", "直属上级工号"),
    "salary": ("Salary", "Annual Salary", "Base Salary", "年薪"),
    "monthly_salary": ("Monthly Salary", "Monthly Base", "月薪", "月度工资", "基本工资", "底薪"),
    "performance": ("PerformanceScore", "Performance Score", "Performance Rating", "绩效", "绩效等级"),
    "review_date": ("LastPerformanceReview_Date", "Last Performance Review Date", "Review Date", "考核日期"),
    "engagement": ("EngagementSurvey", "Engagement Survey", "Engagement Score", "Engagement", "敬业度"),
    "satisfaction": ("EmpSatisfaction", "Employee Satisfaction", "Satisfaction", "满意度", "员工满意度"),
    "special_projects": ("SpecialProjectsCount", "Special Projects", "专项项目数", "特别项目数"),
    "days_late_30": ("DaysLateLast30", "Days Late Last 30", "Days Late", "近30天迟到天数", "迟到天数"),
    "absences": ("Absences", "Absence Days", "缺勤天数"),
}
#: person_measures codes read from a flat HR export, dated the row's last review (as the engagement score)
MEASURES = ("satisfaction", "special_projects", "days_late_30", "absences")
SALES_TITLE = re.compile(r"sales|销售|account|客户经理", re.IGNORECASE)
PERFORMANCE = {"exceeds": "4", "fully meets": "3", "meets": "3", "needs improvement": "2", "pip": "1"}
HIRE_SOURCES = {"Google Search": "job_board"}   # a web search that led to an application
DEFAULT_POTENTIAL = 2
_LEVELS = ((6, r"\b(chief|president|ceo|cio|cto|cfo|coo|vp|vice president)\b|总裁|总经理"),
           (5, r"\b(director|head)\b|总监"), (4, r"\bmanager\b|经理"),
           (3, r"\b(sr|senior|lead|principal|iii)\b|高级|资深"), (2, r"\bii\b"), (1, r"\bi\b|初级|助理"))


def job_level(title: str) -> int:
    """A level 1–6 read from a job title (the export has none); 2 when the title says nothing."""
    t = title.lower()
    return next((lvl for lvl, pattern in _LEVELS if re.search(pattern, t)), 2)


def fiscal_quarter(date: pl.Expr, fy_start: int = 1) -> pl.Expr:
    """``2025-Q3`` labels as :func:`analytics.core.periods.fiscal_quarter_of` gives them, over a date column."""
    year, month = date.dt.year(), date.dt.month()
    fy = year if fy_start == 1 else pl.when(month < fy_start).then(year).otherwise(year + 1)
    start_year = fy if fy_start == 1 else fy - 1
    quarter = ((year * 12 + month - 1) - (start_year * 12 + fy_start - 1)) // 3 + 1
    return pl.format("{}-Q{}", fy, quarter)


def career_step(title: str) -> int:
    lvl = job_level(title)
    return 3 if lvl >= 5 else 2 if lvl == 4 else 1


def name_key(expr: pl.Expr) -> pl.Expr:
    """A person's name as a comparable key: ``Albert, Michael`` ≡ ``Michael Albert``; initials dropped."""
    words = (expr.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[^\w]+", " ").str.strip_chars()
             .str.split(" ").list.eval(pl.element().filter(pl.element().str.len_chars() > 1)).list.sort())
    joined = words.list.join(" ")
    return pl.when(joined == "").then(None).otherwise(joined)


def detect_hr(read: ReadResult) -> bool:
    """A flat HR export: person id, name and hire date, plus a department and a position or manager."""
    if find_column(read, ALIASES["department"]) is None:
        return False
    if find_column(read, ALIASES["position"]) is None and find_column(read, ALIASES["manager_name"]) is None:
        return False
    mapped = set(match_columns(read.headers, "employees").columns.values())
    return {"external_key", "name", "hire_date"} <= mapped


def hr_parts(read: ReadResult, *, db: Database | None = None, fy_start: int = 1,
             today: dt.date | None = None) -> FlatBatch:
    """The parts of a flat HR export: employees, org units, roles, assignments, pay, reviews, engagement."""
    file = read.info.name
    mapping = match_columns(read, "employees")
    by_header = match_columns(read.headers, "employees")     # how detect_hr recognised the file
    for source, target in by_header.columns.items():
        if target in ("external_key", "name", "hire_date") and target not in mapping.columns.values():
            mapping.set(source, target)   # values that do not parse become errors of that column, row by row
    for raw, code in HIRE_SOURCES.items():
        if "hire_source" not in mapping.values or raw not in mapping.values["hire_source"]:
            mapping.set_value("hire_source", raw, code)
    emp = coerce(mapping.apply(read), "employees", values=mapping.values, date_order=mapping.date_order, today=today)
    out = FlatBatch(kinds={file: "hr"})
    out.parts.append(Part("employees", emp, file=file, mapping=mapping))
    src = read.frame
    col = {k: find_column(read, v) for k, v in ALIASES.items()}
    people = emp.frame.select(ROW, "external_key", "name", "hire_date",
                              *([pl.col("termination_date")] if "termination_date" in emp.frame.columns else []))
    if "termination_date" not in people.columns:
        people = people.with_columns(termination_date=pl.lit(None, pl.Date))
    text = {k: (tidy(pl.col(h)) if h else pl.lit(None, pl.Utf8)).alias(k) for k, h in col.items()}
    people = pl.concat([people, src.select(list(text.values()))], how="horizontal")
    managers, manager_issues = _managers(people, file, col["manager_name"], col["manager_id"], db)
    people = people.with_columns(manager_key=managers)
    out.parts.extend(_org_and_roles(people, file, db, col["region"] is not None))
    out.parts.append(_assignments(people, file, col, manager_issues, col["region"] is not None))
    out.parts.extend(_pay_reviews_engagement(people, src, file, col, fy_start, today))
    out.notes.append(f"{file} looks like a flat HR export: besides employees it fills "
                     f"{', '.join(p.table for p in out.parts[1:])}.")
    return out


def _managers(people: pl.DataFrame, file: str, name_col: str | None, id_col: str | None,
              db: Database | None) -> tuple[pl.Series, pl.DataFrame]:
    """Each row's manager as an external key (null when unknown), and a warning per unresolved name."""
    keys = set(people["external_key"].drop_nulls().to_list())
    if db is not None:
        keys |= set(db.sql("select external_key from employees where external_key is not null")["external_key"])
    ids = people["manager_id"]
    if id_col and ids.drop_nulls().len() and ids.drop_nulls().is_in(list(keys)).all():
        resolved = ids                                           # the manager column holds person ids
    else:
        directory = people.select(k=name_key(pl.col("name")), e="external_key")
        if db is not None:
            stored = db.sql("select name, external_key from employees where external_key is not null")
            directory = pl.concat([directory, stored.select(k=name_key(pl.col("name")), e="external_key")])
        directory = directory.drop_nulls().unique(["k", "e"])
        unique = directory.filter(pl.len().over("k") == 1)       # a name shared by two people resolves nowhere
        wanted = people.select(k=name_key(pl.col("manager_name")))
        resolved = wanted.join(unique, on="k", how="left", maintain_order="left")["e"]
    resolved = pl.select(pl.when(resolved == people["external_key"]).then(None).otherwise(resolved)).to_series()
    missing = people.with_columns(resolved=resolved).filter(
        pl.col("manager_name").is_not_null() & pl.col("resolved").is_null())
    if missing.height == 0 or not name_col:
        return resolved, issues([])
    per_name = missing.group_by("manager_name").agg(pl.col(ROW).min(), n=pl.len()).sort(ROW)
    rows = [{"file": file, "row": r[ROW], "column": name_col, "value": r["manager_name"],
             "problem": f"not an employee in this file or the database: manager left empty for {r['n']} person(s)",
             "expected": "the name of an employee (or a person id)", "severity": "warning",
             "code": "manager_unresolved"} for r in per_name.iter_rows(named=True)]
    return resolved, issues(rows)


def _units(people: pl.DataFrame, with_region: bool) -> pl.DataFrame:
    """Region and team names and ids per row."""
    if with_region:
        region, team = pl.col("region"), pl.col("department")
    else:
        region, team = pl.col("department"), pl.col("manager_name").fill_null("team")
    return people.with_columns(region_name=region, team_name=team).with_columns(
        region_id=slugs(pl.col("region_name")),
        team_slug=slugs(pl.col("team_name")),
    ).with_columns(team_id=pl.when(pl.col("region_id").is_not_null() & pl.col("team_slug").is_not_null())
                   .then(pl.col("region_id") + "--" + pl.col("team_slug")))


def _org_and_roles(people: pl.DataFrame, file: str, db: Database | None, with_region: bool) -> list[Part]:
    units = _units(people, with_region)
    first = int(people[ROW].min()) if people.height else 2
    root, rows = root_rows(db, first)
    for r in first_rows(units, ["region_id"]).iter_rows(named=True):
        rows.append({ROW: r[ROW], "org_unit_id": r["region_id"], "parent_id": root, "level": "region",
                     "name_en": r["region_name"], "name_zh": r["region_name"]})
    for r in first_rows(units, ["team_id"]).iter_rows(named=True):
        label = f"{r['region_name']} · {r['team_name']}" if not with_region else r["team_name"]
        rows.append({ROW: r[ROW], "org_unit_id": r["team_id"], "parent_id": r["region_id"], "level": "team",
                     "name_en": label, "name_zh": label})
    roles = first_rows(people.with_columns(role_id=slugs(pl.col("position"), "_")), ["role_id"])
    role_rows = [{ROW: r[ROW], "role_id": r["role_id"], "name_en": r["position"], "name_zh": r["position"],
                  "family": "sales" if SALES_TITLE.search(r["position"]) else "support",
                  "carries_quota": bool(SALES_TITLE.search(r["position"])),
                  "career_step": career_step(r["position"]) if SALES_TITLE.search(r["position"]) else None}
                 for r in roles.iter_rows(named=True)]
    return [Part("org_units", org_frame(rows), file=file, insert_only=True),
            Part("roles", pl.DataFrame(role_rows, schema=ROLE_SCHEMA), file=file, insert_only=True)]


def _assignments(people: pl.DataFrame, file: str, col: dict[str, str | None], manager_issues: pl.DataFrame,
                 with_region: bool) -> Part:
    units = _units(people, with_region).with_columns(
        role_id=slugs(pl.col("position"), "_"),
        job_level=per_distinct(pl.col("position"), job_level, pl.Int64))
    placed = units.filter(pl.col("external_key").is_not_null() & pl.col("hire_date").is_not_null())
    unplaced = placed.filter(pl.col("team_id").is_null() | pl.col("role_id").is_null())
    warn = [manager_issues]
    if unplaced.height:
        what = col["department"] if col["department"] else "Department"
        warn.append(row_issues(unplaced.with_columns(v=pl.lit(None, pl.Utf8)), file, what, "v",
                               "no department or position: the person is not placed in the org tree",
                               "a department and a position", "warning", "unplaced"))
    frame = placed.join(unplaced.select(ROW), on=ROW, how="anti").select(
        ROW, employee_id="external_key", org_unit_id="team_id", manager_id="manager_key", role_id="role_id",
        job_level="job_level", valid_from="hire_date", valid_to="termination_date")
    return Part("assignments", frame, file=file, issues=pl.concat(warn))


def _pay_reviews_engagement(people: pl.DataFrame, src: pl.DataFrame, file: str, col: dict[str, str | None],
                            fy_start: int, today: dt.date | None) -> list[Part]:
    parts: list[Part] = []
    known = people.filter(pl.col("external_key").is_not_null() & pl.col("hire_date").is_not_null())
    pay_col = col["monthly_salary"] or col["salary"]
    if pay_col:
        amounts, _ = to_numbers(src[pay_col].cast(pl.Utf8).str.strip_chars(), whole=False)
        monthly = amounts if col["monthly_salary"] else amounts / 12
        pay = people.with_columns(base_monthly=monthly, raw=src[pay_col]).join(known.select(ROW), on=ROW, how="semi")
        bad = pay.filter(pl.col("base_monthly").is_null() & tidy(pl.col("raw")).is_not_null())
        frame = pay.filter(pl.col("base_monthly").is_not_null()).select(
            ROW, employee_id="external_key", valid_from="hire_date", valid_to="termination_date",
            base_monthly="base_monthly")
        problems = row_issues(bad, file, pay_col, "raw", "not an amount", "an amount such as 62506", "error", "type")
        parts.append(Part("compensation", frame, file=file, issues=problems))
    if col["review_date"]:
        dates = parse_dates(src[col["review_date"]], "performance_reviews", "review_date", today)
        dated = people.with_columns(review_date=dates, raw_date=src[col["review_date"]]).join(
            known.select(ROW), on=ROW, how="semi")
        undated = dated.filter(pl.col("review_date").is_null() & tidy(pl.col("raw_date")).is_not_null())
        unread = row_issues(undated, file, col["review_date"], "raw_date", "not a date: this row's performance "
                            "rating and engagement score are left out", "a date such as 2024-01-05", "warning",
                            "type") if undated.height else None
        reviewed = dated.filter(pl.col("review_date").is_not_null())
        if col["performance"]:
            frame = reviewed.with_columns(quarter=fiscal_quarter(pl.col("review_date"), fy_start)).filter(
                pl.col("performance").is_not_null()).select(
                ROW, employee_id="external_key", quarter="quarter", review_date="review_date",
                rating="performance", potential=pl.lit(DEFAULT_POTENTIAL, pl.Int64), reviewer_id="manager_key")
            parts.append(Part("performance_reviews", frame, file=file, values={"rating": PERFORMANCE}, issues=unread))
            unread = None
        if col["engagement"]:
            frame = reviewed.filter(pl.col("engagement").is_not_null()).select(
                ROW, employee_id="external_key", survey_date="review_date", engagement_score="engagement")
            parts.append(Part("engagement", frame, file=file, issues=unread))
            unread = None
        measures = _measures(reviewed, file, col, unread)
        if measures is not None:
            parts.append(measures)
    return parts


def _measures(reviewed: pl.DataFrame, file: str, col: dict[str, str | None],
              unread: pl.DataFrame | None) -> Part | None:
    """person_measures from the columns of :data:`MEASURES` the file has, one row per person and measure, dated the
    row's last review; a value that is not a number is a warning naming its row and column."""
    frames, problems = [], [] if unread is None else [unread]
    for code in MEASURES:
        if not col[code]:
            continue
        values, _ = to_numbers(reviewed[code].cast(pl.Utf8).str.strip_chars(), whole=False)
        rows = reviewed.with_columns(value=values)
        bad = rows.filter(pl.col("value").is_null() & pl.col(code).is_not_null())
        if bad.height:
            problems.append(row_issues(bad, file, col[code], code, "not a number: left out", "a number such as 3",
                                       "warning", "type"))
        frames.append(rows.filter(pl.col("value").is_not_null()).select(
            ROW, employee_id="external_key", measured_on="review_date", measure=pl.lit(code), value="value"))
    if not frames:
        return None
    return Part("person_measures", pl.concat(frames), file=file,
                issues=pl.concat(problems) if problems else None)
