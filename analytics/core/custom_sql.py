"""The SQL of a custom metric (``metrics/<id>.toml``): checked against allow-lists, then wrapped in the scope.

An author writes one SELECT over the facts with ``$start``, ``$end`` and ``$as_of``; :func:`check` parses it
(sqlglot, DuckDB dialect) and refuses anything but a read of fact tables through plain functions — statements other
than one SELECT, table functions and files, tables outside :data:`FACT_TABLES`, functions outside
:data:`FUNCTIONS`, other parameters, personal details, WITH clauses below the top. What runs is sqlglot's own text
of the checked tree (comments left out), so the statement DuckDB sees is the one that was checked.

:func:`scoped` wraps it for the engine: rows are placed (by org unit, or by person on the event's date), the
viewer's scope is applied by the same rule as the named queries, and rows are summed per unit (and person) — an
author never sees, and cannot widen, the scope.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from analytics.core.sql_files import SQL_DIR

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # parse warnings become our own refusals

PARAMETERS = ("start", "end", "as_of")
#: the facts a metric may read: HR and sales facts of sql/schema.sql and the org_paths view; never pay
#: (compensation), assistance referrals, goals, reviews, plans, accounts, sessions, the audit log or alerts
FACT_TABLES = frozenset({
    "org_units", "org_paths", "roles", "employees", "assignments", "requisitions", "applications",
    "application_traits", "courses", "enrollments", "skills", "role_skill_requirements", "skill_assessments",
    "performance_reviews", "engagement", "attendance", "travel", "person_measures", "mentorships", "onboarding",
    "product_lines", "customers", "account_owners", "quotas", "orders", "collections", "opportunities", "activities",
    "complaints", "csat", "leads",
})
#: personal details no metric may read (its figures reach every role in scope); a veto's reason is free text about
#: a person's conduct
HIDDEN_COLUMNS = frozenset({"gender", "birth_year", "veto_reason"})
#: sqlglot's names of the functions and operators a metric may use
FUNCTIONS = frozenset({
    "Sum", "Count", "Avg", "Min", "Max", "Median", "PercentileCont", "PercentileDisc", "Stddev", "StddevPop",
    "StddevSamp", "Variance", "CountIf", "LogicalOr", "LogicalAnd", "AnyValue", "First", "Last", "ArgMax", "ArgMin",
    "Coalesce", "Nullif", "Greatest", "Least", "If", "Case", "Cast", "TryCast", "And", "Or", "Xor", "Exists",
    "Round", "Abs", "Floor", "Ceil", "Sqrt", "Ln", "Exp", "Pow", "Sign",
    "TimestampTrunc", "DateTrunc", "DateDiff", "DateAdd", "DateSub", "LastDay", "Extract", "Year", "Month",
    "Quarter", "Day", "DayOfWeek", "DateFromParts", "Lower", "Upper", "Length", "Concat",
    "RowNumber", "Rank", "DenseRank", "Lag", "Lead",
})
ANONYMOUS = frozenset({"date_part", "datepart"})  # DuckDB functions sqlglot knows only by name
#: statements and clauses a read never needs
_FORBIDDEN = (exp.DDL, exp.DML, exp.Command, exp.Pragma, exp.Set, exp.Use, exp.Transaction, exp.Commit,
              exp.Rollback, exp.Describe, exp.Into, exp.Bracket)
ROW_KEYS = ("org_unit_id", "employee_id")
#: every table and view of the schema: a WITH clause may not take one of their names
SCHEMA_TABLES = frozenset(re.findall(r"create (?:table if not exists|or replace view) (\w+)",
                                     (SQL_DIR / "schema.sql").read_text(encoding="utf-8")))
VALUE_COLUMNS = ("numerator", "denominator", "value")


class SqlRefusal(ValueError):
    """The SQL is refused; ``key`` names the rule (``custom.error.sql_<key>``), ``params`` what was found."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(f"{key}: {params}")


@dataclass(frozen=True)
class Checked:
    """A checked statement: what runs, the columns it returns and whether its rows are units or people."""
    text: str                    # sqlglot's DuckDB text of the checked tree, without comments
    columns: tuple[str, ...]
    rows: str                    # 'unit' (org_unit_id) | 'person' (employee_id)


def check(sql: str) -> Checked:
    """Parse and check one metric's SQL; :class:`SqlRefusal` on the first rule it breaks."""
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise SqlRefusal("parse", detail=str(exc).splitlines()[0][:160]) from None
    if len(trees) != 1:
        raise SqlRefusal("statements", n=len(trees))
    tree = trees[0]
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise SqlRefusal("kind", found=tree.key.upper())
    for node in tree.walk():
        _check_node(node)
    ctes = _ctes(tree)
    for i, cte in enumerate(ctes):
        _check_tables(cte.this, {c.alias_or_name for c in ctes[:i]})
    main = tree.copy()
    if main.find(exp.With):
        main.find(exp.With).pop()
    _check_tables(main, {c.alias_or_name for c in ctes})
    _check_rows(tree)
    columns = tuple(_named(tree))
    keys = [k for k in ROW_KEYS if k in columns]
    if len(keys) != 1:
        raise SqlRefusal("keys", found=", ".join(columns))
    return Checked(tree.sql(dialect="duckdb", comments=False), columns, "unit" if keys[0] == "org_unit_id"
                   else "person")


def _check_node(node: exp.Expression) -> None:
    if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
        raise SqlRefusal("table_function", name=_called(node.this))
    if isinstance(node, _FORBIDDEN):
        raise SqlRefusal("kind", found=node.key.upper())
    if isinstance(node, exp.Anonymous):
        if node.name.lower() not in ANONYMOUS:
            raise SqlRefusal("function", name=node.name)
    elif isinstance(node, exp.Func) and type(node).__name__ not in FUNCTIONS:
        raise SqlRefusal("function", name=node.sql_name().lower())
    if isinstance(node, exp.Placeholder | exp.Parameter) and node.name not in PARAMETERS:
        raise SqlRefusal("parameter", name=f"${node.name}" if node.name != "?" else "?")
    if isinstance(node, exp.Column) and node.name.lower() in HIDDEN_COLUMNS:
        raise SqlRefusal("column", name=node.name)
    if isinstance(node, exp.With) and (node.recursive or not isinstance(node.parent, exp.Select | exp.SetOperation)
                                       or node.parent.parent is not None):
        raise SqlRefusal("with")


def _ctes(tree: exp.Expression) -> list[exp.CTE]:
    """The WITH clauses at the top (the only place they may be); none may take the name of a table."""
    top = tree.find(exp.With)
    ctes = list(top.expressions) if top is not None else []
    for cte in ctes:
        if cte.alias_or_name.lower() in SCHEMA_TABLES or not cte.alias_or_name:
            raise SqlRefusal("cte_name", name=cte.alias_or_name)
    return ctes


def _check_tables(tree: exp.Expression, defined: set[str]) -> None:
    """Every table read is a fact table or a WITH clause defined before; whole rows are not values."""
    names: set[str] = set()
    for table in tree.find_all(exp.Table):
        if table.args.get("db") or table.args.get("catalog"):
            raise SqlRefusal("qualified", name=table.sql(dialect="duckdb"))
        name = table.name
        if name not in defined and name.lower() not in FACT_TABLES:
            raise SqlRefusal("table", name=name)
        names |= {name.lower(), table.alias_or_name.lower()}
    for column in tree.find_all(exp.Column):
        if not column.table and column.name.lower() in names:
            raise SqlRefusal("whole_row", name=column.name)


def _called(node: exp.Expression) -> str:
    """The name of a function (``read_csv``), else the expression's text."""
    if isinstance(node, exp.Anonymous):
        return node.name
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return node.sql(dialect="duckdb")[:60]


def _check_rows(tree: exp.Expression) -> None:
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
           for e in first.expressions):
        raise SqlRefusal("star")


def _named(tree: exp.Expression) -> list[str]:
    return [c.lower() for c in tree.named_selects]


def scoped(checked: Checked) -> str:
    """The statement the engine runs: the metric's rows placed, in the viewer's scope (``$all_units``, ``$units``),
    summed per unit (and person). Rows per unit come with each unit's own headcount on the period's last day (to the
    as-of date), units without rows included, so a group's size is the people it holds; rows per person come with
    the person's unit and role on the row's ``event_date`` (else the period's last day, or their last day employed).

    Output: org_unit_id, region_id, team_id, role_id, employee_id, num, den, val, people."""
    cols = set(checked.columns)
    part = {c: f"cast(r.{c} as double)" if c in cols else "cast(null as double)" for c in VALUE_COLUMNS}
    values = f"{part['numerator']} as num, {part['denominator']} as den, {part['value']} as val"
    sums = "sum(num) as num, sum(den) as den, sum(val) as val"
    if checked.rows == "unit":
        return f"""with custom_rows as (
{checked.text}
),
unit_rows as (
    select cast(r.org_unit_id as varchar) as org_unit_id, {values} from custom_rows as r
),
heads as (
    select a.org_unit_id, count(distinct e.employee_id) as people
    from employees as e
    join assignments as a
        on a.employee_id = e.employee_id
        and least($end::date, $as_of::date) between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    where e.hire_date <= least($end::date, $as_of::date)
        and (e.termination_date is null or e.termination_date >= least($end::date, $as_of::date))
    group by all
),
summed as (
    select org_unit_id, {sums} from unit_rows group by all
),
joined as (  -- every unit with rows or people: a group's size is the people it holds
    select coalesce(s.org_unit_id, h.org_unit_id) as org_unit_id, s.num, s.den, s.val,
        cast(coalesce(h.people, 0) as double) as people
    from summed as s
    full join heads as h on h.org_unit_id = s.org_unit_id
)
select j.org_unit_id, o.region_id, o.team_id, cast(null as varchar) as role_id, cast(null as bigint) as employee_id,
    j.num, j.den, j.val, j.people
from joined as j
left join org_paths as o using (org_unit_id)
where $all_units or list_contains($units, j.org_unit_id) or list_contains($units, o.region_id)
"""
    day = "cast(r.event_date as date)" if "event_date" in cols else "cast(null as date)"
    return f"""with custom_rows as (
{checked.text}
),
person_rows as (
    select cast(r.employee_id as bigint) as employee_id, {day} as event_date, {values} from custom_rows as r
),
placed as (
    select p.*, greatest(least(coalesce(p.event_date, $end::date),
                               coalesce(e.termination_date, p.event_date, $end::date)), e.hire_date) as placed_on
    from person_rows as p
    left join employees as e using (employee_id)
),
by_unit as (
    select p.employee_id, a.org_unit_id, a.role_id, sum(p.num) as num, sum(p.den) as den, sum(p.val) as val
    from placed as p
    left join assignments as a
        on a.employee_id = p.employee_id
        and p.placed_on between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
    group by all
)
select b.org_unit_id, o.region_id, o.team_id, b.role_id, b.employee_id, b.num, b.den, b.val,
    cast(null as double) as people
from by_unit as b
left join org_paths as o using (org_unit_id)
where (b.employee_id is not null
        and ($all_units or list_contains($units, b.org_unit_id) or list_contains($units, o.region_id)))
    or (b.employee_id is null and $all_units)
"""
