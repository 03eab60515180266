"""The named queries in Spark SQL: one DuckDB source (``sql/queries/``, ``sql/panels/``), translated by sqlglot.

The SQL files are written in the subset DuckDB and Spark share where that reads as well (``date_diff('day', …)``,
``(n) * interval 1 month``, ``union all`` with every column, ``arg_max(x, v) filter (where x is not null)``); what
remains is translated here, on sqlglot's tree, before sqlglot writes Spark SQL:

- the table macros ``people_in_scope_placed`` / ``people_in_scope`` (schema.sql's Views) are inlined as subqueries:
  Spark has no table macros;
- nested CTEs get names of their own (``outer__inner``): sqlglot lifts them to the top, where names could collide;
- ``round_even`` becomes ``bround`` (both round half to even);
- ``unnest`` of several lists in one SELECT, which DuckDB zips, becomes ``inline(arrays_zip(…)) as (…)`` (Spark
  would cross them);
- ``union all by name`` (DuckDB matches the branches' columns by name) becomes ``union all`` of branches that each
  list every column, ``null`` where a branch has none;
- a stored panel ``panels.<name>`` becomes the view ``panels__<name>``.

A construct that would translate into a different answer with no error is **refused** (:class:`SparkSqlError`
naming the query and the construct), so that no difference passes silently: ``arg_max`` / ``arg_min`` without a
``filter (where x is not null)`` (Spark's ``max_by`` keeps nulls), ``range`` or ``generate_series`` in FROM,
``to_months``, ``union by name`` over a ``select *``, an ASOF join, ``datediff`` counted in months, and several
``unnest`` in a SELECT beside other columns. ``date − date`` (DuckDB: days; Spark: an interval) is caught by the
result schema check (analytics/core/spark_engine.py), and every query's answer by the two-engine test.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from analytics.core.sql_files import SQL_DIR, sql_text

MACROS = ("people_in_scope_placed", "people_in_scope")
PANEL_PREFIX = "panels__"
_REFUSED_FUNCTIONS = {"TO_MONTHS": "to_months(n): write (n) * interval 1 month",
                      "RANGE": "range(…) or generate_series(…) in FROM: select unnest(generate_series(…)) "
                               "in a subquery",
                      "GENERATE_SERIES": "range(…) or generate_series(…) in FROM: select unnest(generate_series(…)) "
                                         "in a subquery"}


class SparkSqlError(ValueError):
    """A named query that cannot be translated to Spark SQL without changing its answer."""


@dataclass(frozen=True)
class Translated:
    """A query in Spark SQL: its text (parameters as ``:name``), the tables and views it reads, its parameters."""

    name: str
    text: str
    tables: tuple[str, ...]
    params: tuple[str, ...]


def query_text(name: str) -> str:
    """The DuckDB text of a named query (``sql/queries``) or of a panel query (``panels/<name>``)."""
    if name.startswith("panels/"):
        return (SQL_DIR / "panels" / f"{name.split('/', 1)[1]}.sql").read_text(encoding="utf-8")
    return sql_text(name)


@cache
def translate(name: str) -> Translated:
    """Named query ``name`` (or ``panels/<name>``) in Spark SQL; :class:`SparkSqlError` when it cannot be."""
    return translate_text(query_text(name), name)


def translate_text(text: str, name: str = "query") -> Translated:
    """DuckDB SQL text → Spark SQL (see the module's notes); ``name`` is used in errors."""
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise SparkSqlError(f"{name}: the SQL does not parse ({error.errors[0]['description']}).") from error
    _refuse(tree, name)
    _expand_union_by_name(tree, name)
    tree = _inline_macros(tree, name)
    _rename_nested_ctes(tree)
    _zip_unnests(tree, name)
    for call in tree.find_all(exp.Anonymous):
        if call.name.upper() == "ROUND_EVEN":
            call.set("this", "BROUND")
    for table in tree.find_all(exp.Table):
        if table.db == "panels":
            table.set("this", exp.to_identifier(PANEL_PREFIX + table.name))
            table.set("db", None)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = sorted({t.name for t in tree.find_all(exp.Table)
                     if isinstance(t.this, exp.Identifier) and t.name not in ctes})
    params = sorted({p.name for p in tree.find_all(exp.Placeholder)})
    return Translated(name, tree.sql(dialect="spark", pretty=True, comments=False), tuple(tables), tuple(params))


def _refuse(tree: exp.Expression, name: str) -> None:
    """Raise for the constructs that Spark would run with another answer (module notes)."""
    for node in tree.find_all(exp.Anonymous, exp.Func):
        fname = node.name.upper() if isinstance(node, exp.Anonymous) else node.sql_name()
        if fname in _REFUSED_FUNCTIONS and (fname == "TO_MONTHS" or isinstance(node.parent, exp.Table)):
            raise SparkSqlError(f"{name}: {_REFUSED_FUNCTIONS[fname]}.")
    for node in tree.find_all(exp.ArgMax, exp.ArgMin):
        parent = node.parent
        if not (isinstance(parent, exp.Filter) and "not" in parent.sql("duckdb").lower()
                and "null" in parent.sql("duckdb").lower()):
            raise SparkSqlError(f"{name}: {node.sql('duckdb')} must skip null values on both engines: add "
                                "filter (where <value> is not null).")
    for join in tree.find_all(exp.Join):
        if "ASOF" in (join.args.get("kind") or "").upper() or "ASOF" in (join.args.get("method") or "").upper():
            raise SparkSqlError(f"{name}: an ASOF join: use a join with qualify row_number() … = 1.")
    for diff in tree.find_all(exp.DateDiff):
        unit = (diff.unit.name if diff.unit is not None else "day").lower()
        if unit not in ("day", "days"):
            raise SparkSqlError(f"{name}: date_diff by {unit!r} counts differently on Spark: count days, or months "
                                "as (year(b) - year(a)) * 12 + month(b) - month(a).")


@cache
def _macro_bodies() -> dict[str, tuple[list[str], str]]:
    """schema.sql's table macros: name → (parameter names, body SQL)."""
    schema = (SQL_DIR / "schema.sql").read_text(encoding="utf-8")
    found = re.findall(r"create or replace macro (\w+)\(([^)]*)\) as table\s*(.*?);", schema, re.DOTALL)
    return {m: ([p.strip() for p in params.split(",")], body) for m, params, body in found}


def _inline_macros(tree: exp.Expression, name: str) -> exp.Expression:
    """Each call of a table macro in FROM / JOIN → the macro's body as a subquery with the arguments put in."""
    for _ in range(4):  # a macro may call another
        calls = [t for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Anonymous)
                 and t.this.name.lower() in MACROS]
        if not calls:
            return tree
        for call in calls:
            params, body = _macro_bodies()[call.this.name.lower()]
            args = call.this.expressions
            if len(args) != len(params):
                raise SparkSqlError(f"{name}: {call.this.name} takes {len(params)} arguments.")
            values = dict(zip(params, args, strict=True))
            inner = sqlglot.parse_one(body, read="duckdb")
            for column in list(inner.find_all(exp.Column)):
                if not column.table and column.name in values:
                    column.replace(values[column.name].copy())
            alias = call.args.get("alias") or exp.TableAlias(this=exp.to_identifier(call.this.name.lower()))
            call.replace(exp.Subquery(this=inner, alias=alias.copy()))
    raise SparkSqlError(f"{name}: table macros nested too deep to inline.")


def _rename_nested_ctes(tree: exp.Expression) -> None:
    """Give each CTE of a WITH below the top its own name (``outer__inner``), renaming the reads in its scope."""
    for with_ in list(tree.find_all(exp.With)):
        if with_.parent is tree:  # the statement's own WITH
            continue
        scope = with_.parent
        outer = scope.find_ancestor(exp.CTE)
        prefix = (outer.alias_or_name if outer else "sub") + "__"
        renames = {cte.alias_or_name: prefix + cte.alias_or_name for cte in with_.expressions}
        for cte in with_.expressions:
            cte.set("alias", exp.TableAlias(this=exp.to_identifier(renames[cte.alias_or_name])))
        for table in scope.find_all(exp.Table):
            if not table.db and table.name in renames:
                alias = table.args.get("alias")
                table.set("this", exp.to_identifier(renames[table.name]))
                if alias is None:  # the columns still say the old name
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(next(
                        k for k, v in renames.items() if v == table.name))))


def _union_leaves(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Union) and node.args.get("by_name"):
        return _union_leaves(node.left) + _union_leaves(node.right)
    return [node]


def _expand_union_by_name(tree: exp.Expression, name: str) -> None:
    """``a union all by name b …`` whose branches name their columns → ``union all`` of branches that each list
    every column (first appearance order, as DuckDB puts them) with ``null as x`` for the ones they lack."""
    for union in list(tree.find_all(exp.Union)):
        if not union.args.get("by_name") or (isinstance(union.parent, exp.Union) and union.parent.args.get("by_name")):
            continue
        if union.args.get("distinct"):
            raise SparkSqlError(f"{name}: union by name (without all): write union all by name.")
        leaves = _union_leaves(union)
        if any(not isinstance(leaf, exp.Select) or leaf.is_star or any(
                isinstance(p, exp.Star) or isinstance(p.unalias(), exp.Star) or (
                    isinstance(p, exp.Column) and isinstance(p.this, exp.Star)) for p in leaf.expressions)
               for leaf in leaves):
            raise SparkSqlError(f"{name}: union by name over a select *: name the columns of each branch.")
        columns: list[str] = []
        for leaf in leaves:
            columns += [c for c in leaf.named_selects if c not in columns]
        for leaf in leaves:
            have = {p.alias_or_name: p for p in leaf.expressions}
            leaf.set("expressions", [have.get(c) or exp.alias_(exp.Null(), c) for c in columns])
        chained = leaves[0]
        for leaf in leaves[1:-1]:
            chained = exp.Union(this=chained, expression=leaf, distinct=False)
        union.set("this", chained)  # the top of the chain is changed in place: it may be the whole statement
        union.set("expression", leaves[-1])
        union.set("by_name", None)


def _zip_unnests(tree: exp.Expression, name: str) -> None:
    """A SELECT of several ``unnest(list) as x`` (DuckDB zips them) → ``inline(arrays_zip(…)) as (x, …)``."""
    for select in list(tree.find_all(exp.Select)):
        unnests = [p for p in select.expressions if isinstance(p.unalias(), exp.Explode | exp.Unnest)]
        if len(unnests) < 2:
            continue
        if len(unnests) != len(select.expressions) or any(not isinstance(p, exp.Alias) for p in unnests):
            raise SparkSqlError(f"{name}: several unnest() in one SELECT beside other columns: select only the "
                                "named unnests there, and the other columns around it.")
        lists = [_unnest_argument(p.unalias()) for p in unnests]
        zipped = exp.Anonymous(this="INLINE", expressions=[exp.Anonymous(this="ARRAYS_ZIP", expressions=lists)])
        select.set("expressions", [exp.Aliases(this=zipped, expressions=[
            exp.to_identifier(p.alias) for p in unnests])])


def _unnest_argument(node: exp.Expression) -> exp.Expression:
    return (node.this if isinstance(node, exp.Explode) else node.expressions[0]).copy()
