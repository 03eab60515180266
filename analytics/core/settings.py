"""Settings from the environment, with defaults that work on a fresh clone.

Environment variables (all optional):
- ``TANDEM_DB``: path of the DuckDB file (default ``data/tandem.duckdb`` under the project root).
- ``TANDEM_FY_START``: first month of the fiscal year, 1–12 (default 1 = calendar year).
- ``TANDEM_SUPPRESSION``: smallest group shown to viewers without person-level rights (default 5, minimum 3).
- ``TANDEM_MIN_BASE``: smallest denominator (people, reps, customers) a rate is shown on as a rate; below it the
  rate is marked *small base*, shown with its counts and never drives a status, alert or decision (default 10).
- ``TANDEM_DEMO_SIZE``: size of the demo company built on first start (default ``small``).
- ``TANDEM_DEMO_SEED``: seed of that demo company (default 7).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "data" / "tandem.duckdb"


class SettingsError(ValueError):
    """A setting has a value Tandem cannot use; the message says which and what is expected."""


@dataclass(frozen=True)
class Settings:
    db_path: Path
    fiscal_year_start: int = 1
    suppression_threshold: int = 5
    min_base: int = 10
    demo_size: str = "small"
    demo_seed: int = 7


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; expected {low}–{high}.") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range; expected {low}–{high}.")
    return value


def load_settings(db: str | Path | None = None) -> Settings:
    """Settings for this process: ``db`` (a ``--db`` flag) wins over ``TANDEM_DB``, which wins over the default."""
    path = Path(db) if db else Path(os.environ.get("TANDEM_DB") or DEFAULT_DB)
    size = os.environ.get("TANDEM_DEMO_SIZE", "small").strip() or "small"
    if size not in {"small", "medium", "large"}:
        raise SettingsError(f"TANDEM_DEMO_SIZE={size!r} is not a size; expected small, medium or large.")
    return Settings(
        db_path=path.expanduser(),
        fiscal_year_start=_int_env("TANDEM_FY_START", 1, 1, 12),
        suppression_threshold=_int_env("TANDEM_SUPPRESSION", 5, 3, 1000),
        min_base=_int_env("TANDEM_MIN_BASE", 10, 1, 100_000),
        demo_size=size,
        demo_seed=_int_env("TANDEM_DEMO_SEED", 7, 0, 2**31 - 1),
    )
