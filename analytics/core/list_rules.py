"""The thresholds of the people lists — who needs coaching, who is high potential — in one place.

They live in ``data/scorecard.toml`` under ``[lists]``; the lists, the alerts, the review decisions and the
action items the demo company seeds all read them here, so "under target" means the same everywhere.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analytics.core.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "data" / "scorecard.toml"


class ListRulesError(ValueError):
    """The [lists] section of scorecard.toml holds a value Tandem cannot use."""


@dataclass(frozen=True)
class ListRules:
    coaching_target: float = 1.0         # attainment under this, in each of ...
    coaching_quarters: int = 2           # ... the last N completed quarters → needs coaching
    high_potential_target: float = 1.0   # attainment at or over this, in each of ...
    high_potential_quarters: int = 3     # ... the last N completed quarters, with potential high → high potential

    def describe(self, lang: str) -> str:
        """The coaching rule in words ("under 100% attainment 2 quarters running")."""
        pct = f"{self.coaching_target:.0%}"
        if lang == "zh":
            return f"连续{self.coaching_quarters}个季度达成率低于{pct}"
        return f"under {pct} attainment {self.coaching_quarters} quarters running"


def list_rules(path: Path | None = None) -> ListRules:
    """The rules in force (``CONFIG`` unless a path is given; re-read when the file changes)."""
    path = path or CONFIG
    return _load(path, path.stat().st_mtime_ns if path.exists() else 0)


@cache
def _load(path: Path, _mtime: int) -> ListRules:
    if not path.exists():
        return ListRules()
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("lists", {})
    defaults = ListRules()
    values = {}
    for name, default in defaults.__dict__.items():
        value = raw.get(name, default)
        kind = type(default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0 or (
                kind is int and not float(value).is_integer()):
            raise ListRulesError(f"{path.name}: lists.{name} = {value!r} must be a positive {kind.__name__}.")
        values[name] = kind(value)
    return ListRules(**values)
