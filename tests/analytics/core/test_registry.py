"""The registry must match ../shared/METRICS.md: every documented id, in order, with its names.

A metric added to METRICS.md without a registry entry (or the other way round) fails here.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from analytics.core.registry import (
    DOMAINS,
    REGISTRY,
    Metric,
    UnknownMetricError,
    get_metric,
    metrics_in_domain,
)

METRICS_MD = Path(__file__).resolve().parents[3].parent / "shared" / "METRICS.md"
EXTRAS = {"commission_payout", "cost_of_sales"}  # commission has no id table in METRICS.md
SECTION_DOMAIN = {
    "Headcount and attrition (HR)": "hr",
    "Sales performance": "sales",
    "Talent, recruiting, training": "talent",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


@dataclasses.dataclass
class Row:
    ids: list[str]
    combined: str       # '' (one id), '/' (`a_x` / `_y`) or ',' (`a` , `b`)
    names: str          # the second column, e.g. "Hires / 入职人数"
    definition: str
    domain: str


def _expand_ids(first_cell: str) -> list[str]:
    """`attrition_voluntary` / `_involuntary` -> attrition_voluntary, attrition_involuntary."""
    ids: list[str] = []
    for token in re.findall(r"`([^`]+)`", first_cell):
        if token.startswith("_"):
            token = ids[-1].rsplit("_", 1)[0] + token
        ids.append(token)
    return ids


def _parse_rows() -> list[Row]:
    assert METRICS_MD.is_file(), f"METRICS.md not found at {METRICS_MD}"
    rows, section = [], ""
    for line in METRICS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| `"):
            first, names, definition = (c.strip() for c in line.strip().strip("|").split("|"))
            ids = _expand_ids(first)
            combined = "" if len(ids) == 1 else ("," if "," in first else "/")
            rows.append(Row(ids, combined, names, definition, SECTION_DOMAIN[section]))
    return rows


ROWS = _parse_rows()
DOC_IDS = [i for row in ROWS for i in row.ids]


def _capitalised(s: str) -> str:
    return s[:1].upper() + s[1:]


def test_metrics_md_parsed_as_expected():
    # guards the parser itself: the three tables, the two combined rows split into four ids
    assert len(ROWS) >= 40 and len(DOC_IDS) == len(set(DOC_IDS))
    assert {"attrition_voluntary", "attrition_involuntary", "visits", "proposal_on_time"} <= set(DOC_IDS)
    assert not any(i.startswith("_") or " " in i for i in DOC_IDS)


@pytest.mark.parametrize("metric_id", DOC_IDS)
def test_every_documented_metric_is_registered(metric_id):
    assert metric_id in REGISTRY


def test_registry_has_nothing_undocumented_and_keeps_the_document_order():
    undocumented = set(REGISTRY) - set(DOC_IDS) - EXTRAS
    assert not undocumented, f"in the registry but not in METRICS.md: {sorted(undocumented)}"
    assert set(REGISTRY) >= EXTRAS
    assert [i for i in REGISTRY if i in set(DOC_IDS)] == DOC_IDS


@pytest.mark.parametrize("row", ROWS, ids=lambda r: "+".join(r.ids))
def test_names_and_domain_match_metrics_md(row):
    metrics = [REGISTRY[i] for i in row.ids]
    assert all(m.domain == row.domain for m in metrics)
    if row.combined == ",":
        # "Customer visits / 客户拜访量, on-time proposals / 方案提交及时率"
        parts = row.names.split(", ")
        assert len(parts) == len(metrics)
        for m, part in zip(metrics, parts, strict=True):
            en, zh = part.split(" / ")
            assert (m.name_en, m.name_zh) == (_capitalised(en), zh)
        return
    *en_parts, zh = row.names.split(" / ")
    if not row.combined:
        assert (metrics[0].name_en, metrics[0].name_zh) == (" / ".join(en_parts), zh)
        return
    # "Voluntary / involuntary attrition / 主动/被动离职率": the last alternative is written in
    # full; the earlier ones share its tail ("attrition", "离职率").
    zh_parts = zh.split("/")
    assert len(en_parts) == len(zh_parts) == len(metrics)
    for names, alternatives in (([m.name_en for m in metrics], en_parts),
                                ([m.name_zh for m in metrics], zh_parts)):
        alternatives = [_capitalised(a) for a in alternatives]
        assert names[-1] == alternatives[-1]
        for name, alt in zip(names[:-1], alternatives[:-1], strict=True):
            tail = name[len(alt):]
            assert name.startswith(alt) and tail and alternatives[-1].endswith(tail), (name, alt)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: "+".join(r.ids))
def test_formulas_keep_the_numbers_of_the_definition(row):
    # thresholds, windows and defaults (12 months, 365 days, 80%, 0.5, 95% ...) survive translation
    for m in (REGISTRY[i] for i in row.ids):
        for number in NUMBER.findall(row.definition):
            assert number in m.formula_en, (m.id, number)
            assert number in m.formula_zh, (m.id, number)


@pytest.mark.parametrize("metric", list(REGISTRY.values()), ids=lambda m: m.id)
def test_bilingual_text(metric):
    assert metric.formula_en.strip() and metric.formula_zh.strip()
    assert CJK.search(metric.name_zh) and CJK.search(metric.formula_zh)
    assert not CJK.search(metric.name_en) and not CJK.search(metric.formula_en)
    if metric.unit == "ratio":
        assert metric.numerator_en and metric.denominator_en
        assert CJK.search(metric.numerator_zh or "") and CJK.search(metric.denominator_zh or "")
        assert not CJK.search(metric.denominator_en)


def test_language_accessors():
    m = get_metric("attrition_rate")
    assert (m.name("en"), m.name("zh")) == ("Attrition rate", "离职率")
    assert m.formula("zh") == m.formula_zh and m.formula("en") == m.formula_en
    assert m.denominator("zh") == "期内平均人数"
    assert m.denominator("en") == "average headcount of the period"
    assert get_metric("hires").denominator("en") is None
    with pytest.raises(ValueError, match="language"):
        m.name("fr")


def test_choices_left_open_are_written_in():
    assert "× 12 ÷ months in the period" in get_metric("attrition_rate_annualised").formula_en
    assert "SHRM" in get_metric("attrition_rate").formula_en
    assert "SHRM" in get_metric("time_to_fill").formula_en
    assert "÷ bookings" in get_metric("cost_of_sales").formula_en
    assert get_metric("cost_of_sales").denominator("en") == "bookings of the period"
    assert (get_metric("commission_payout").name_zh, get_metric("cost_of_sales").name_zh) == ("提成金额", "销售费用率")


def test_unknown_metric_suggests_the_closest_id():
    with pytest.raises(UnknownMetricError) as info:
        get_metric("atrition_rate")
    assert str(info.value) == (
        "Unknown metric 'atrition_rate'. Did you mean 'attrition_rate'? "
        "Run `python -m analytics metrics --list` for all metric ids."
    )
    assert isinstance(info.value, ValueError) and info.value.suggestion == "attrition_rate"


def test_unknown_metric_without_a_close_id_has_no_suggestion():
    with pytest.raises(UnknownMetricError) as info:
        get_metric("zzzzzz")
    assert "Did you mean" not in str(info.value)
    assert str(info.value) == (
        "Unknown metric 'zzzzzz'. Run `python -m analytics metrics --list` for all metric ids."
    )


def test_domains_partition_the_registry():
    by_domain = {d: metrics_in_domain(d) for d in DOMAINS}
    assert sum(len(ms) for ms in by_domain.values()) == len(REGISTRY)
    assert [m.id for m in by_domain["commission"]] == ["commission_payout", "cost_of_sales"]
    assert by_domain["hr"][0].id == "headcount_end"
    with pytest.raises(ValueError, match="domain"):
        metrics_in_domain("finance")


def test_metric_is_frozen_and_validated():
    m = get_metric("bookings")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.unit = "count"  # type: ignore[misc]
    with pytest.raises(ValueError, match="denominator"):
        dataclasses.replace(get_metric("attainment"), denominator_en=None, denominator_zh=None)
    with pytest.raises(ValueError, match="unit"):
        Metric(**{**dataclasses.asdict(m), "unit": "percent"})
