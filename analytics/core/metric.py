"""What a metric is: id, both names, the definition in both languages, unit, direction, grain.

Each entry carries the id, both names, the definition in both languages (with the choices
METRICS.md leaves open written in), the numerator and denominator where the metric is a
ratio, the unit, which direction is good, and the grain it is computed at. Pages show the
formula and the denominator on hover; the glossary page and ``python -m analytics metrics
--list`` list them all. Pure data: no Streamlit, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Unit = Literal["count", "ratio", "currency", "days", "months", "score", "curve", "list", "probability", "table"]

DOMAINS = ("hr", "sales", "talent", "commission")
DIRECTIONS = ("up", "down", "neutral")
GRAINS = ("period", "cohort", "person", "curve")
OWNERS = ("sales", "marketing")   # functions that may own a metric jointly
LANGS = ("en", "zh")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}: expected one of {', '.join(LANGS)}.")


@dataclass(frozen=True)
class Metric:
    id: str
    domain: str            # 'hr' | 'sales' | 'talent' | 'commission'
    name_en: str
    name_zh: str
    formula_en: str        # the definition in plain words, faithful to METRICS.md
    formula_zh: str
    numerator_en: str | None
    numerator_zh: str | None
    denominator_en: str | None   # None where the metric is not a ratio
    denominator_zh: str | None
    unit: Unit
    direction: str         # 'up' (higher is better) | 'down' | 'neutral'
    grain: str             # 'period' | 'cohort' | 'person' | 'curve'
    owners: tuple[str, ...] = ()   # functions that own the metric together, e.g. ('sales', 'marketing')

    def __post_init__(self) -> None:
        problems = []
        if self.domain not in DOMAINS:
            problems.append(f"domain {self.domain!r} not in {DOMAINS}")
        if self.unit not in get_args(Unit):
            problems.append(f"unit {self.unit!r} not in {get_args(Unit)}")
        if self.direction not in DIRECTIONS:
            problems.append(f"direction {self.direction!r} not in {DIRECTIONS}")
        if self.grain not in GRAINS:
            problems.append(f"grain {self.grain!r} not in {GRAINS}")
        for part in ("numerator", "denominator"):
            if (getattr(self, f"{part}_en") is None) != (getattr(self, f"{part}_zh") is None):
                problems.append(f"{part} given in one language only")
        if any(o not in OWNERS for o in self.owners):
            problems.append(f"owners {self.owners!r} not all in {OWNERS}")
        if self.unit == "ratio" and self.denominator_en is None:
            problems.append("a ratio needs a denominator")
        if problems:
            raise ValueError(f"Metric {self.id!r}: " + "; ".join(problems))

    def name(self, lang: str) -> str:
        _check_lang(lang)
        return self.name_zh if lang == "zh" else self.name_en

    def formula(self, lang: str) -> str:
        _check_lang(lang)
        return self.formula_zh if lang == "zh" else self.formula_en

    def numerator(self, lang: str) -> str | None:
        _check_lang(lang)
        return self.numerator_zh if lang == "zh" else self.numerator_en

    def denominator(self, lang: str) -> str | None:
        _check_lang(lang)
        return self.denominator_zh if lang == "zh" else self.denominator_en


def define(
    id: str,
    domain: str,
    name: tuple[str, str],
    formula: tuple[str, str],
    unit: Unit,
    direction: str,
    grain: str,
    numerator: tuple[str, str] | None = None,
    denominator: tuple[str, str] | None = None,
    owners: tuple[str, ...] = (),
) -> Metric:
    num = numerator or (None, None)
    den = denominator or (None, None)
    return Metric(
        id=id, domain=domain, name_en=name[0], name_zh=name[1],
        formula_en=formula[0], formula_zh=formula[1],
        numerator_en=num[0], numerator_zh=num[1],
        denominator_en=den[0], denominator_zh=den[1],
        unit=unit, direction=direction, grain=grain, owners=owners,
    )
