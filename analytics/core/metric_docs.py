"""``docs/metrics.md``, written from the metric registry and the conventions (one definition per metric)."""
from __future__ import annotations

from analytics.core.conventions import COMMISSION, CONVENTIONS, INTRO
from analytics.core.metric import Metric
from analytics.core.registry import metrics_in_domain

SECTIONS = {
    "hr": "Headcount and attrition (HR)",
    "sales": "Sales performance",
    "talent": "Talent, recruiting, training",
    "commission": "Commission",
}
UNIT_WORDS = {"count": "count", "ratio": "rate", "currency": "money", "days": "days", "months": "months",
              "score": "score", "curve": "curve", "list": "list of people", "probability": "probability",
              "table": "table"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def metric_row(m: Metric) -> str:
    """One table row: id, names in both languages, the definition (English, then Chinese), unit."""
    definition = _cell(m.formula_en)
    if m.denominator_en:
        definition += f" *Numerator:* {_cell(m.numerator_en or '')}; *denominator:* {_cell(m.denominator_en)}."
    if m.owners:
        definition += f" *Owned jointly by:* {' and '.join(m.owners)}."
    definition += "<br>" + _cell(m.formula_zh)
    return f"| `{m.id}` | {m.name_en} / {m.name_zh} | {definition} | {UNIT_WORDS[m.unit]} |"


def render() -> str:
    """The whole of ``docs/metrics.md``."""
    out = ["# Metric definitions", "", INTRO, "", "## Conventions", "", CONVENTIONS.strip(), ""]
    for domain, title in SECTIONS.items():
        out += [f"## {title}", ""]
        if domain == "commission":
            out += [COMMISSION.strip(), ""]
        out += ["| id | en / zh | definition | unit |", "|---|---|---|---|"]
        out += [metric_row(m) for m in metrics_in_domain(domain)]
        out.append("")
    return "\n".join(out)
