"""From numpy state arrays to typed polars columns (dates, nullable values, labels, source keys)."""

from __future__ import annotations

import numpy as np
import polars as pl


def date_col(days, null=None) -> pl.Series:
    """Day numbers → pl.Date series, with nulls where `null` is true."""
    s = pl.Series(np.asarray(days, dtype=np.int64)).cast(pl.Int32).cast(pl.Date)
    if null is not None:
        s = pl.select(pl.when(pl.Series(np.asarray(null, bool))).then(None).otherwise(s)).to_series()
    return s


def nullable(values, null, dtype) -> pl.Series:
    """`values` cast to `dtype`, null where `null` is true."""
    s = pl.Series(values).cast(dtype)
    return pl.select(pl.when(pl.Series(np.asarray(null, bool))).then(None).otherwise(s)).to_series()


def decode(codes, labels) -> pl.Series:
    """Integer codes → their labels."""
    return pl.Series(np.asarray(codes, dtype=np.int64)).replace_strict(
        list(range(len(labels))), labels, return_dtype=pl.Utf8
    )


def decode_or_null(codes, labels) -> pl.Series:
    """Integer codes → their labels; a negative code → null."""
    codes = np.asarray(codes, dtype=np.int64)
    s = pl.Series(np.where(codes < 0, 0, codes)).replace_strict(list(range(len(labels))), labels, return_dtype=pl.Utf8)
    return pl.select(pl.when(pl.Series(codes < 0)).then(None).otherwise(s)).to_series()


def concat_parts(parts: list[dict], key: str, dtype=None) -> np.ndarray:
    """One key of the monthly log entries `parts`, concatenated (empty if nothing was logged)."""
    if not parts:
        return np.zeros(0, dtype=dtype or np.int64)
    return np.concatenate([p[key] for p in parts])


def source_keys(prefix: str, ids, width: int) -> pl.Series:
    """'E000123'-style source-system keys."""
    s = pl.Series(np.asarray(ids, dtype=np.int64)).cast(pl.Utf8).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), s)).to_series()
