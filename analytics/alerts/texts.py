"""An alert in words, in either language, with names (for people who may see them) or counts only (a chat group
that may not): the one text the Inbox page, the monthly review and every message use."""
from __future__ import annotations

import datetime as dt
import json

from analytics.core.i18n import CATALOGUE, fmt_date, fmt_number, t
from analytics.core.registry import find_metric

SHIPPED = ("key_person_flight_risk", "ka_owner_leaving", "region_attrition_high", "key_vacancy_late",
           "rep_under_target", "probation_exits_high", "care_signal", "urgent_request")


def rule_name(rule_id: str, lang: str) -> str:
    """The rule's name from the translations; a rule of the company's own shows its id in words."""
    if f"alerts.rule.{rule_id}" in CATALOGUE["en"]:
        return t(f"alerts.rule.{rule_id}", lang)
    return rule_id.replace("_", " ").capitalize()


def severity_name(severity: str, lang: str) -> str:
    return t(f"alerts.severity.{severity}", lang)


def facts_of(alert: dict) -> dict:
    raw = alert.get("facts")
    return json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})


def _pct(value: object, lang: str) -> str:
    return fmt_number(value if isinstance(value, int | float) else None, "ratio", lang)


def describe(alert: dict, lang: str, names: bool, person: str | None = None, unit: str | None = None,
             request_text: str | None = None, account: str | None = None) -> str:
    """One sentence: what happened, where. ``names`` False says it without naming anyone (counts-only channels
    and viewers without person-level rights); ``person``, ``unit``, ``account`` are display names looked up by
    the caller, ``request_text`` the request's own words (shown with names only)."""
    rule, facts = alert["rule_id"], facts_of(alert)
    unit = unit or t("alerts.company", lang)
    who = person if (names and person) else None
    form = "names" if who else "counts"
    if rule == "key_person_flight_risk":
        return t(f"alerts.say.key_person.{form}", lang, name=who, unit=unit, p=_pct(facts.get("probability"), lang),
                 why=t(f"alerts.why.{facts.get('why', 'top_attainment')}", lang))
    if rule == "ka_owner_leaving":
        status = t(f"alerts.owner_status.{facts.get('status', 'left')}", lang)
        return t(f"alerts.say.ka.{form}", lang, name=who, unit=unit, status=status,
                 account=account or facts.get("customer") or "—")
    if rule == "region_attrition_high":
        return t("alerts.say.attrition", lang, unit=unit, value=_pct(facts.get("value"), lang),
                 above=_pct(facts.get("above"), lang), period=facts.get("period", "—"))
    if rule == "key_vacancy_late":
        target = facts.get("target_date")
        day = fmt_date(dt.date.fromisoformat(target), lang) if target else "—"
        return t("alerts.say.vacancy", lang, unit=unit, days=facts.get("days_past", "—"), target=day)
    if rule == "rep_under_target":
        quarters = facts.get("quarters") or {}
        shown = ", ".join(f"{q} {_pct(v, lang)}" for q, v in quarters.items())
        return t(f"alerts.say.coach.{form}", lang, name=who, unit=unit, n=len(quarters), quarters=shown)
    if rule == "probation_exits_high":
        return t("alerts.say.probation", lang, unit=unit, value=_pct(facts.get("value"), lang),
                 norm=_pct(facts.get("norm"), lang), period=facts.get("period", "—"))
    if rule == "care_signal":
        since = facts.get("since")
        return t(f"alerts.say.care.{form}", lang, name=who, unit=unit,
                 signal=t(f"care.rule.{facts.get('care_rule')}", lang),
                 since=fmt_date(dt.date.fromisoformat(since), lang) if since else "—")
    if rule == "urgent_request":
        people = facts.get("people")
        need = t(f"alerts.request_kind.{facts.get('kind', 'other')}", lang)
        if people:
            need += t("alerts.people_short", lang, n=people)
        text = t("alerts.say.request.names", lang, unit=unit, need=need, text=request_text) \
            if names and request_text else t("alerts.say.request.counts", lang, unit=unit, need=need)
        return text
    value = facts.get("value")
    metric = find_metric(facts["metric"]) if facts.get("metric") else None
    if metric is not None:  # a rule of the company's own on a metric: the metric's name, its unit, the period
        return t("alerts.say.metric", lang, metric=metric.name_zh if lang == "zh" else metric.name_en, unit=unit,
                 value="—" if value is None else fmt_number(value, metric.unit, lang),
                 period=facts.get("period", "—"))
    return t("alerts.say.other", lang, rule=rule_name(rule, lang), unit=unit,
             value="—" if value is None else fmt_number(value, "decimal", lang))


def hours_text(hours: float, lang: str) -> str:
    """A duration in hours and minutes ("5 h 12 min" / "5小时12分钟")."""
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h >= 48:
        return t("alerts.days", lang, d=round(h / 24))
    return t("alerts.hm", lang, h=h, m=m) if h else t("alerts.m", lang, m=m)


def clock(alert: dict, now: dt.datetime, lang: str) -> str:
    """The response clock: answered after …, due in …, or overdue by …."""
    ack = alert.get("acknowledged_at")
    raised, due = alert["raised_at"], alert["due_at"]
    if ack is None and alert.get("cleared_at") is not None and alert.get("resolved_at") is None:
        return t("alerts.clock.cleared", lang)
    if ack is not None:
        took = (ack - raised).total_seconds() / 3600
        return t("alerts.clock.answered_in_time" if ack <= due else "alerts.clock.answered_late", lang,
                 took=hours_text(took, lang))
    left = (due - now).total_seconds() / 3600
    if left >= 0:
        return t("alerts.clock.due_in", lang, left=hours_text(left, lang))
    return t("alerts.clock.overdue", lang, late=hours_text(-left, lang))
