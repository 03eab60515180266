"""`build_demo`: simulate the company, then build its tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from analytics.sources.demo.config import SIZES
from analytics.sources.demo.dates import default_end_month
from analytics.sources.demo.simulation import Simulation
from analytics.sources.demo.tables import TableBuilder


def build_demo(
    size: str = "small",
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, pl.DataFrame]:
    """Build the demo company: one polars frame per table of sql/schema.sql (except meta).

    `end` is the first day of the last month of history (default: the last complete
    month); the same size, seed and end always give identical frames.
    """
    if size not in SIZES:
        raise ValueError(f"Unknown demo size {size!r}: choose one of {', '.join(repr(k) for k in SIZES)}.")
    end = default_end_month() if end is None else date(end.year, end.month, 1)
    if progress:
        progress(0.0, f"Building the {size} demo company")
    sim = Simulation(SIZES[size], end, seed, progress)
    sim.run()
    return TableBuilder(sim, size, seed).build()
