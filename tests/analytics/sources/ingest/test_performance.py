"""Speed of the pure core on 1,000,000 order rows: printed, not asserted (figures belong in benchmarks/).

The whole import targets ≥ 500,000 rows/s end to end; coercion and validation are vectorised so the
load (the lead engineer's transaction) has most of that budget.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analytics.sources.ingest import coerce, match_columns, read_file, validate

N = 1_000_000


def test_one_million_orders(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    rng = np.random.default_rng(7)
    days = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 31), eager=True)
    pl.DataFrame({
        "订单编号": np.arange(1, N + 1),
        "销售": pl.Series(rng.integers(1, 500, N)).cast(pl.Utf8).str.pad_start(5, "0"),
        "客户": pl.Series(rng.integers(1, 20_000, N)).cast(pl.Utf8),
        "订单日期": days.gather(rng.integers(0, days.len(), N)),
        "金额": np.round(rng.uniform(0, 100_000, N), 2),
        "产品线": rng.choice(["gtx", "mg", "gtk"], N),
        "是否新客户": rng.choice(["是", "否"], N),
    }).write_csv(tmp_path / "orders.csv")
    t0 = time.perf_counter()
    read = read_file(tmp_path / "orders.csv")
    t1 = time.perf_counter()
    mapping = match_columns(read, "orders")
    t2 = time.perf_counter()
    coerced = coerce(mapping.apply(read), "orders", values=mapping.values)
    t3 = time.perf_counter()
    report = validate(coerced, "orders", file="orders.csv", mapping=mapping)
    t4 = time.perf_counter()
    assert report.n_rows == N and report.n_insert == N and coerced.errors.height == 0
    assert mapping.columns["金额"] == "amount" and coerced.frame["is_new_customer"].dtype == pl.Boolean
    with capsys.disabled():
        print(f"\n[ingest] 1M orders: read {t1 - t0:.2f}s, map {t2 - t1:.2f}s, coerce {t3 - t2:.2f}s, "
              f"validate {t4 - t3:.2f}s; read→validate {N / (t4 - t0):,.0f} rows/s, "
              f"coerce+validate {N / (t4 - t2):,.0f} rows/s")
