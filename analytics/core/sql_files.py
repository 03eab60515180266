"""The SQL files: named queries in ``sql/queries/`` (composed through ``-- reads:``) and their bound parameters.

Kept apart from the database connection so that :mod:`analytics.core.panels`, which :mod:`analytics.core.db`
consults, can read them without importing the connection.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryError(ValueError):
    """A named query that does not exist or was called without its parameters."""


@cache
def sql_text(name: str) -> str:
    """Text of ``sql/queries/<name>.sql`` (or ``checks/<name>``); names are an allow-list of files."""
    if not re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)?", name):
        raise QueryError(f"Query name {name!r} is not a valid file name.")
    path = SQL_DIR / ("queries" if "/" not in name else "") / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"There is no named query {name!r} (expected {path}).")
    text = path.read_text(encoding="utf-8")
    reads = re.search(r"^-- reads: ([a-z0-9_]+)$", text, re.MULTILINE)
    if reads:  # a query over another named query's rows: that query becomes a CTE of the same name
        inner = f"{reads[1]} as (\n{sql_text(reads[1])}\n)"
        opening = _OPENING_WITH.match(text)
        if opening:  # the reading query has CTEs of its own: the read one comes first among them
            return f"{text[:opening.start(1)]}with {inner},\n{text[opening.end(1):]}"
        text = f"with {inner}\n{text}"
    return text


_OPENING_WITH = re.compile(r"^(?:\s*--[^\n]*\n)*\s*(with\s)", re.IGNORECASE)


def bind(text: str, params: Mapping[str, object]) -> dict[str, object]:
    """The parameters the statement uses, in a dict; a missing one is a clear error."""
    wanted = dict.fromkeys(_PARAM.findall(_strip_comments(text)))
    missing = [p for p in wanted if p not in params]
    if missing:
        raise QueryError(f"Missing query parameter(s): {', '.join(missing)}.")
    return {p: params[p] for p in wanted}


def _strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)
