"""Turn a mapped frame of strings into typed columns, with a row-level list of what did not fit.

Input: a frame whose columns are target column names of one table (as made by
:meth:`ColumnMapping.apply`), all text, plus :data:`ROW`. Output: :class:`CoerceResult` — the typed
frame (``Column.dtype`` per column), the errors (``row``, ``column``, ``value``, ``problem``,
``expected``), the format detected per column and notes (ambiguous day/month order …).

Rules, in order, for every value (vectorised: expressions over whole columns, and the heavier
parsing done once per distinct value):

1. trim spaces at both ends; empty → null;
2. the column's value map (:mod:`analytics.sources.ingest.values`): ``Yes``/``是`` → true, ``Voluntarily
   Terminated`` → voluntary, ``Active`` → empty, ``N/A`` → empty in typed columns …;
3. parse by type — ``date``: see :mod:`analytics.sources.ingest.dates`; ``int``/``float``/``money``: thousands
   separators (``1,234.5`` and European ``1.234,5`` / ``1 234,5``, decided per column), currency
   symbols and codes (``¥ ￥ $ € £ RMB CNY USD EUR 元``), ``万``/``亿`` multipliers, percent
   (``12%`` → 0.12), parentheses negatives (``(1,000)`` → -1000), whole numbers for ``int``;
   ``bool``: the value map; ``enum``: the mapped code (codes are checked in validation); ``str``: as is.

A value that is present but does not parse becomes null plus one error row; a value mapped to empty
is not an error. Nothing here raises on data.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from analytics.sources.ingest.dates import decide, parse_dates, pivot_year
from analytics.sources.ingest.errors import ROW
from analytics.sources.ingest.tables import Column, TableSpec, table_spec
from analytics.sources.ingest.values import EMPTY_MARKERS, effective_value_map, value_key

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "problem": pl.Utf8, "expected": pl.Utf8}
_CURRENCY = r"(?i)^(?:RMB|CNY|USD|EUR|HKD|GBP|JPY)\s*|\s*(?:RMB|CNY|USD|EUR|HKD|GBP|JPY|元)$|[¥￥$€£]"
_SPACES = r"[\s\u00a0\u2009\u202f']"
_EURO = r"^[-+]?\d{1,3}(?:\.\d{3})+,\d+$|^[-+]?\d+,\d{1,2}$|^[-+]?\d+,\d{4,}$"
_THOUSANDS_COMMA = r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_THOUSANDS_DOT = r"^[-+]?\d{1,3}(?:\.\d{3})+$"
_DISTINCT_LOOKUP = 50_000   # up to this many distinct values, value maps are applied per distinct value
QUARTER_FORMS = (r"^(?P<y>\d{4})\s*[-/ ]?\s*[Qq](?P<q>[1-4])$", r"^[Qq](?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})$",
                 r"^(?P<y>\d{4})\s*年?\s*第?\s*(?P<q>[1-4])\s*季度?$")


@dataclass(frozen=True)
class ColumnCoercion:
    """One coerced column: ``typed`` values, the cleaned ``text`` (after trimming and the value map)."""

    typed: pl.Series
    text: pl.Series
    format: str
    note: str | None = None


@dataclass
class CoerceResult:
    """Typed columns, the values that did not fit, and what was detected per column."""

    frame: pl.DataFrame                       # typed target columns + ROW
    errors: pl.DataFrame                      # row, column, value, problem, expected
    formats: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)   # column → warning (e.g. ambiguous day/month order)

    def error_rows(self) -> list[dict[str, object]]:
        return self.errors.to_dicts()


def coerce(frame: pl.DataFrame, table: str | TableSpec, *, values: Mapping[str, Mapping[str, str | None]] | None = None,
           date_order: Mapping[str, str] | None = None, today: dt.date | None = None) -> CoerceResult:
    """Coerce every target column of ``frame`` to its type (columns unknown to the table are dropped).

    ``values``: the user's value-map entries per column (from the mapping profile); ``date_order``:
    ``"DMY"`` or ``"MDY"`` per column to override the decision; ``today`` fixes the two-digit-year pivot.
    """
    spec = table_spec(table)
    today = today or dt.date.today()
    values = values or {}
    date_order = date_order or {}
    rows = frame[ROW] if ROW in frame.columns else pl.Series(ROW, range(2, frame.height + 2), dtype=pl.Int64)
    out: dict[str, pl.Series] = {ROW: rows}
    errors: list[pl.DataFrame] = []
    formats: dict[str, str] = {}
    notes: dict[str, str] = {}
    for name in frame.columns:
        if name == ROW or name not in spec:
            continue
        column = spec.column(name)
        raw = frame[name].cast(pl.Utf8, strict=False)
        result = coerce_column(raw, spec, column, user_map=values.get(name), date_order=date_order.get(name),
                               today=today)
        out[name] = result.typed
        formats[name] = result.format
        if result.note:
            notes[name] = result.note
        errors.append(_errors(raw, result, rows, column))
    err = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_SCHEMA)
    typed = pl.DataFrame(out)
    if spec.name == "employees":
        typed = _other_exits(typed, notes)
    return CoerceResult(typed, err.sort("row", "column"), formats, notes)


#: Exit reasons that make an exit type *other* whatever the source's status says (docs/metrics.md, exit types):
#: HR Data Set v14 files retirements under "Voluntarily Terminated".
OTHER_EXIT_REASONS = ("retirement", "death", "contract_end")


def _other_exits(frame: pl.DataFrame, notes: dict[str, str]) -> pl.DataFrame:
    """Retirement, death and the end of a fixed-term contract are exits of type other (noted per file)."""
    if "exit_type" not in frame.columns or "exit_reason" not in frame.columns:
        return frame
    moved = frame["exit_reason"].is_in(OTHER_EXIT_REASONS) & (frame["exit_type"] != "other").fill_null(True)
    n = int(moved.sum())
    if not n:
        return frame
    notes["exit_type"] = (f"{n} exit(s) whose reason is retirement, death or the end of a fixed-term contract are "
                          "recorded as exit type 'other' (neither voluntary nor involuntary), whatever the status "
                          "column said.")
    return frame.with_columns(exit_type=pl.when(moved).then(pl.lit("other")).otherwise(pl.col("exit_type")))


def coerce_column(raw: pl.Series, spec: TableSpec, column: Column, *, user_map: Mapping[str, str | None] | None = None,
                  date_order: str | None = None, today: dt.date | None = None) -> ColumnCoercion:
    """One column: the typed series, the cleaned text it came from, the detected format and a note."""
    today = today or dt.date.today()
    text = clean(raw, spec, column, user_map)
    kind = column.coerce_type
    note = None
    if kind == "str":
        if column.keeps_text_key:
            typed, fmt = text, "key (id or external key)"
            if text.str.ends_with(".0").any():          # ids that went through a spreadsheet as numbers
                typed = text.str.replace(r"^(\d+)\.0+$", "${1}")
        elif column.name == "quarter":
            typed, fmt = quarters(text), "YYYY-Qn"
        else:
            typed, fmt = text, "text"
    elif kind == "enum":
        typed, fmt = text, "code"
    elif kind == "bool":
        typed = text.replace_strict({"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
        fmt = "yes/no"
    elif kind == "date":
        typed, fmt, note = _dates(text, column, date_order, today)
    elif column.year_of_date:
        typed, fmt = to_numbers(text, whole=True)
        pivot = pivot_year(today, column.past)
        two = text.str.contains(r"^\d{2}$").fill_null(False)
        typed = pl.select(pl.when(two & (typed <= pivot)).then(typed + 2000).when(two).then(typed + 1900)
                          .otherwise(typed)).to_series()
        missing = text.is_not_null() & typed.is_null()
        if missing.any():
            as_dates = pl.select(pl.when(missing).then(text)).to_series()
            dates, date_fmt, note = _dates(as_dates, column, date_order, today)
            typed = typed.fill_null(dates.dt.year().cast(pl.Int64))
            fmt = f"year, or a date ({date_fmt})"
        else:
            fmt = "year"
    else:
        typed, fmt = to_numbers(text, whole=kind == "int")
    if kind in ("date", "int", "float", "money"):
        text = _drop_markers(text, typed)
    return ColumnCoercion(typed.alias(raw.name), text, fmt, note)


def _drop_markers(text: pl.Series, typed: pl.Series) -> pl.Series:
    """Text with ``N/A``, ``null``, ``-`` … set to null where parsing failed (so they are not errors)."""
    failed = text.is_not_null() & typed.is_null()
    if not failed.any():
        return text
    marker = failed & text.str.to_lowercase().is_in(list(EMPTY_MARKERS))
    return pl.select(pl.when(marker).then(None).otherwise(text)).to_series().alias(text.name)


def clean(raw: pl.Series, spec: TableSpec, column: Column, user_map: Mapping[str, str | None] | None) -> pl.Series:
    """Trimmed text, empty → null, then the column's value map applied.

    Typed columns without user entries skip the map here (empty markers are dropped after parsing,
    where parsing failed). Otherwise the map is applied per distinct value with :func:`value_key`
    (NFKC, case, inner spaces); for columns with very many distinct values, a lower-cased lookup over
    all rows comes first and only the values it missed are normalised.
    """
    text = raw.str.strip_chars()
    text = pl.select(pl.when(text == "").then(None).otherwise(text)).to_series().alias(raw.name)
    mapping = effective_value_map(spec, column, user_map)
    if not mapping:
        return text
    if column.coerce_type in ("date", "int", "float", "money") and not user_map:
        return text         # empty markers are dropped after parsing, only where parsing failed
    distinct = text.drop_nulls().unique()
    if distinct.len() <= _DISTINCT_LOOKUP:
        lookup = {}
        for value in distinct.to_list():
            key = value_key(value)
            if key in mapping:
                lookup[value] = mapping[key]
        return text.replace_strict(lookup, default=text, return_dtype=pl.Utf8) if lookup else text
    missing = "\x00unmapped"
    first = text.str.to_lowercase().replace_strict(mapping, default=missing, return_dtype=pl.Utf8)
    unmatched = (first == missing).fill_null(False) & text.is_not_null()
    if unmatched.any():
        lookup = {v: mapping[value_key(v)] for v in text.filter(unmatched).unique().to_list()
                  if value_key(v) in mapping}
        if lookup:
            first = pl.select(pl.when(unmatched).then(text.replace_strict(lookup, default=missing,
                                                                           return_dtype=pl.Utf8))
                              .otherwise(first)).to_series()
            unmatched = (first == missing).fill_null(False) & text.is_not_null()
    first = pl.select(pl.when(text.is_null()).then(None).otherwise(first)).to_series()
    return pl.select(pl.when(unmatched).then(text).otherwise(first)).to_series().alias(raw.name)


def _dates(text: pl.Series, column: Column, order: str | None, today: dt.date) -> tuple[pl.Series, str, str | None]:
    fast = text.str.to_date("%Y-%m-%d", strict=False)
    if fast.null_count() == text.null_count():
        result = fast
        decision_fmt, note = "ISO (YYYY-MM-DD)", None
    else:
        distinct = text.drop_nulls().unique()
        decision = decide(distinct, order)
        pivot = pivot_year(today, column.past)
        parsed = distinct.to_frame("s").select(
            pl.col("s"), d=parse_dates(pl.col("s"), decision, pivot=pivot, month_only=column.month_start))
        result = text.replace_strict(parsed["s"], parsed["d"], default=None, return_dtype=pl.Date)
        decision_fmt, note = decision.format, decision.note
    if column.month_start:
        moved = int((result.dt.day() != 1).sum())
        result = result.dt.month_start()
        if moved:
            decision_fmt += f"; {moved} date(s) moved to the first of their month"
    return result, decision_fmt, note


def to_numbers(text: pl.Series, *, whole: bool) -> tuple[pl.Series, str]:
    """Numbers from text: separators, currency, percent, parentheses negatives, 万/亿; ints when ``whole``."""
    if whole:
        fast_int = text.str.to_integer(strict=False)
        if fast_int.null_count() == text.null_count():
            return fast_int, "whole number"
    else:
        fast = text.cast(pl.Float64, strict=False)
        if fast.null_count() == text.null_count() and not fast.is_infinite().any() and not fast.is_nan().any():
            return fast, "number"
    frame = text.to_frame("s")
    s = pl.col("s")
    stripped = s.str.replace_all(_CURRENCY, "").str.strip_chars()
    negative = stripped.str.contains(r"^\(.*\)$") | stripped.str.contains(r"^-.*|.*-$")
    body = stripped.str.replace_all(r"^\(|\)$", "").str.replace_all(r"^[-+]|-$", "").str.strip_chars()
    percent = body.str.contains(r"[%％]$")
    scale = (pl.when(body.str.contains("亿$")).then(1e8).when(body.str.contains("万$")).then(1e4)
             .otherwise(1.0))
    body = body.str.replace(r"\s*(?:[%％]|万|亿)$", "").str.replace_all(_SPACES, "")
    euro = bool(frame.select(stripped.str.replace_all(_SPACES, "").str.contains(_EURO).any()).item())
    has_dot, has_comma = body.str.contains(".", literal=True), body.str.contains(",", literal=True)
    comma_last = body.str.find(",", literal=True).fill_null(-1) > body.str.find(r"\.[^.]*$").fill_null(-1)
    normal = (
        pl.when(has_dot & has_comma & comma_last).then(body.str.replace_all(".", "", literal=True)
                                                      .str.replace(",", ".", literal=True))
        .when(has_dot & has_comma).then(body.str.replace_all(",", "", literal=True))
        .when(has_comma & (pl.lit(euro) | ~body.str.contains(_THOUSANDS_COMMA)))
        .then(body.str.replace(",", ".", literal=True))
        .when(has_comma).then(body.str.replace_all(",", "", literal=True))
        .when(has_dot & pl.lit(euro) & body.str.contains(_THOUSANDS_DOT))
        .then(body.str.replace_all(".", "", literal=True))
        .otherwise(body)
    )
    ok_shape = normal.str.contains(r"^\d+(?:\.\d*)?(?:[eE][-+]?\d+)?$|^\.\d+$")
    value = pl.when(ok_shape).then(normal.cast(pl.Float64, strict=False))
    value = value * pl.when(negative).then(-1.0).otherwise(1.0) * scale / pl.when(percent).then(100.0).otherwise(1.0)
    result = frame.select(v=value, pct=percent.any(), cur=(s != stripped).any())
    numbers = result["v"]
    fmt = "1.234,5" if euro else "1,234.5"
    if result["pct"][0]:
        fmt += " (percent → fraction)"
    if result["cur"][0]:
        fmt += " (currency marks removed)"
    if whole:
        integral = numbers.is_finite() & (numbers == numbers.floor()) & (numbers.abs() < 9e15)
        ints = pl.select(pl.when(integral).then(numbers).otherwise(None).cast(pl.Int64)).to_series()
        direct = text.str.to_integer(strict=False)
        return direct.fill_null(ints), "whole number, " + fmt
    return numbers, fmt


def quarters(text: pl.Series) -> pl.Series:
    """``2025-Q3``, ``2025Q3``, ``Q3 2025``, ``2025年第3季度`` → ``2025-Q3`` (others kept for validation)."""
    frame = text.to_frame("s")
    forms = [pl.col("s").str.extract_groups(p) for p in QUARTER_FORMS]
    out = pl.coalesce([g.struct.field("y") + "-Q" + g.struct.field("q") for g in forms] + [pl.col("s")])
    return frame.select(out.alias(text.name)).to_series()


_PROBLEM = {"date": "not a date", "int": "not a whole number", "float": "not a number", "money": "not an amount",
            "bool": "not yes or no", "str": "not valid text", "enum": "not a known code"}


def _errors(raw: pl.Series, result: ColumnCoercion, rows: pl.Series, column: Column) -> pl.DataFrame:
    """Rows where a value was given (and not mapped to empty) but the typed result is empty."""
    frame = pl.DataFrame({"row": rows, "value": raw, "bad": result.text.is_not_null() & result.typed.is_null()})
    return frame.filter(pl.col("bad")).select(
        "row", pl.lit(column.name).alias("column"), "value",
        pl.lit(_PROBLEM[column.type]).alias("problem"), pl.lit(column.expected).alias("expected"))
