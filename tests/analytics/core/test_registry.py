"""The registry and docs/metrics.md agree, and the metric ids other tools rely on are all there.

``docs/metrics.md`` is written from the registry (``python -m analytics metrics --docs``); a metric
added to one and not the other, or a hand edit of the file, fails here.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.core.metric_docs import SECTIONS, render
from analytics.core.registry import (
    DOMAINS,
    REGISTRY,
    Metric,
    UnknownMetricError,
    get_metric,
    metrics_in_domain,
)

METRICS_MD = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
# The ids of the metric definitions, in their order: a contract other tools rely on (never rename).
CONTRACT_IDS = [
    "headcount_start", "headcount_end", "headcount_avg", "hires", "exits", "exits_voluntary", "exits_involuntary",
    "exits_other", "attrition_rate", "attrition_rate_ttm", "attrition_rate_annualised", "attrition_voluntary",
    "attrition_involuntary", "attrition_regretted", "probation_exit_rate", "first_year_exit_rate",
    "probation_share_of_exits", "retention_curve", "median_tenure", "flight_risk",
    "key_vacancies_past_target", "urgent_requests", "alert_response_24h",
    "bookings", "quota", "attainment", "reps_at_quota", "attainment_band", "collection_rate", "dso",
    "new_customers", "repeat_rate", "ka_share", "revenue_per_head", "ramp_curve", "time_to_productivity",
    "pipeline_coverage", "complaint_rate", "visits", "proposal_on_time", "ka_without_backup", "lead_conversion",
    "time_to_fill", "key_position_fill_rate", "funnel_conversion", "quality_of_hire", "training_completion",
    "training_uplift", "nine_box", "coaching_list", "high_potential", "skill_profile", "headcount_plan",
    "attainment_vs_team", "ramp_vs_cohort", "skills_year_on_year", "development_plan",
    "improvement_plans", "plan_recovery_rate", "plan_effect", "time_to_plan", "care_signals", "care_exit_link",
    "hiring_success_profile", "hiring_fit_score", "values_score", "collaboration_score", "review_vetoes",
    "commission_payout", "cost_of_sales",
]
SECTION_DOMAIN = {title: domain for domain, title in SECTIONS.items()}
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


@dataclasses.dataclass
class Row:
    id: str
    names: str          # the second column, e.g. "Hires / 入职人数"
    definition: str
    domain: str


def _parse_rows(text: str) -> list[Row]:
    rows, section = [], ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows.append(Row(cells[0].strip("`"), cells[1], cells[2], SECTION_DOMAIN[section]))
    return rows


ROWS = _parse_rows(METRICS_MD.read_text(encoding="utf-8"))


def test_docs_metrics_md_is_written_from_the_registry():
    assert METRICS_MD.read_text(encoding="utf-8") == render(), (
        "docs/metrics.md is out of date: run `python -m analytics metrics --docs docs/metrics.md`")


def test_docs_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "metrics.md"
    assert main(["metrics", "--docs", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render()
    assert main(["metrics", "--docs", "-"]) == 0
    assert capsys.readouterr().out.endswith(render())


def test_metrics_md_parsed_as_expected():
    # guards the parser itself: every section, one row per metric
    assert len(ROWS) == len(REGISTRY) and {r.domain for r in ROWS} == set(DOMAINS)
    assert "## Conventions" in METRICS_MD.read_text(encoding="utf-8")


def test_the_contract_ids_are_registered_in_order():
    assert list(REGISTRY) == CONTRACT_IDS
    assert [r.id for r in ROWS] == CONTRACT_IDS


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_names_and_domain_match_the_document(row):
    m = REGISTRY[row.id]
    assert m.domain == row.domain
    assert row.names == f"{m.name_en} / {m.name_zh}"
    assert row.definition.startswith(" ".join(m.formula_en.split())[:40])


@pytest.mark.parametrize("metric", list(REGISTRY.values()), ids=lambda m: m.id)
def test_formulas_keep_their_numbers_in_both_languages(metric):
    # thresholds, windows and defaults (12 months, 365 days, 80%, 0.5, 95% ...) survive translation
    for number in NUMBER.findall(metric.formula_en):
        assert number in metric.formula_zh, (metric.id, number)


def test_conventions_are_in_the_document():
    text = METRICS_MD.read_text(encoding="utf-8")
    for rule in ("Placement", "Every \"vs\" is the previous period of the same grain", "Small denominators",
                 "Maturing cohorts", "Negative order lines", "so a year pays exactly what its quarters pay"):
        assert rule in text, rule


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
    assert by_domain["hr"][0].id == "headcount_start"
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
