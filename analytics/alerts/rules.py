"""The alert rules and channels of ``data/alerts.toml``, read and checked.

Every mistake is named with the rule (or channel) and the key: ``alerts.toml: rule 'x': condition 'between' is
not one of threshold, change, trend, new_member``. The file is re-read when it changes.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from analytics.core.registry import find_metric, is_custom
from analytics.core.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "data" / "alerts.toml"


def config_path() -> Path:
    """The rules file in force: ``TANDEM_ALERTS_FILE`` when set, else data/alerts.toml."""
    return Path(os.environ.get("TANDEM_ALERTS_FILE") or CONFIG)
CONDITIONS = ("threshold", "change", "trend", "new_member")
SEVERITIES = ("urgent", "high", "medium")
ROLES = ("hr_head", "sales_director", "manager", "admin")
GRAINS = ("month", "quarter")
BY = ("region", "team")
#: the lists a ``new_member`` rule can watch, and the filters each offers
LISTS = {"flight_risk": ("key_person",), "ka_without_backup": (), "key_vacancies_past_target": (),
         "coaching_list": (), "care_signals": (), "urgent_requests": ()}
#: the metrics a threshold / change / trend rule can watch (rates and counts the engine computes per unit), and any
#: metric of the company's own (metrics/*.toml)
METRICS = ("attrition_rate_ttm", "attrition_rate", "attrition_voluntary", "probation_exit_rate",
           "first_year_exit_rate", "attainment", "collection_rate", "time_to_fill", "key_position_fill_rate",
           "training_completion", "exits", "alert_response_24h")
DETAILS = ("names", "counts")


class AlertConfigError(ValueError):
    """data/alerts.toml is wrong; the message names the rule or channel and the key."""


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    condition: str
    severity: str
    owners: tuple[str, ...]
    response_hours: float
    by: str = "region"
    grain: str = "month"
    above: float | None = None
    below: float | None = None
    rise: float = 0.0
    periods: int = 3
    filter: str | None = None
    top_share: float = 0.2
    exclude: tuple[str, ...] = ()
    scope: str = "company"               # or a region or team id: only subjects there raise this rule

    @property
    def on_metric(self) -> bool:
        return self.condition != "new_member"


@dataclass(frozen=True)
class ChannelSpec:
    """A channel as configured; its secrets are read from the environment when it sends (``resolve``)."""
    name: str
    kind: str
    lang: str = "zh"
    detail: str = "counts"
    scope: str = "company"
    severities: tuple[str, ...] = SEVERITIES
    rules: tuple[str, ...] = ()          # empty: every rule
    url: str | None = None               # a literal address (tests, an internal relay); else url_env
    url_env: str | None = None
    secret_env: str | None = None
    to: tuple[str, ...] = ()
    to_env: str | None = None
    title_en: str | None = None          # the name shown (title = { en = "…", zh = "…" }); else the name
    title_zh: str | None = None

    def title(self, lang: str) -> str:
        return (self.title_zh if lang == "zh" else self.title_en) or self.name

    def resolve(self, env: Mapping[str, str] | None = None) -> tuple[str | None, str | None, tuple[str, ...]]:
        """(webhook URL, signing secret, e-mail recipients) from the file and the environment."""
        env = os.environ if env is None else env
        url = self.url or (env.get(self.url_env, "").strip() or None if self.url_env else None)
        secret = env.get(self.secret_env, "").strip() or None if self.secret_env else None
        to = self.to or tuple(a.strip() for a in (env.get(self.to_env, "") if self.to_env else "").split(",")
                              if a.strip())
        return url, secret, to

    def configured(self, env: Mapping[str, str] | None = None) -> bool:
        url, _, to = self.resolve(env)
        return bool(to) if self.kind == "email" else bool(url)

    def takes(self, rule_id: str, severity: str) -> bool:
        return severity in self.severities and (not self.rules or rule_id in self.rules)


@dataclass(frozen=True)
class AlertConfig:
    rules: tuple[Rule, ...]
    channels: tuple[ChannelSpec, ...] = ()
    response_hours: float = 24.0
    evaluate_every_minutes: int = 15
    retry_limit: int = 5
    retry_base_seconds: float = 60.0
    path: Path | None = field(default=None, compare=False)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def channel(self, name: str) -> ChannelSpec | None:
        return next((c for c in self.channels if c.name == name), None)


def load(path: Path | None = None) -> AlertConfig:
    """The rules in force (:func:`config_path` unless a path is given; re-read when the file changes)."""
    path = path or config_path()
    return _load(path, path.stat().st_mtime_ns if path.exists() else 0)


def parse(text: str, name: str = "alerts.toml") -> AlertConfig:
    """Check a whole file's text (the Admin page's editor): the config, or AlertConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"{name}: not valid TOML ({exc}).") from None
    return _build(raw, name)


@cache
def _load(path: Path, _mtime: int) -> AlertConfig:
    if not path.exists():
        return AlertConfig(rules=(), path=path)
    config = parse(path.read_text(encoding="utf-8"), path.name)
    return AlertConfig(config.rules, config.channels, config.response_hours, config.evaluate_every_minutes,
                       config.retry_limit, config.retry_base_seconds, path)


def _number(raw: Mapping, key: str, where: str, default: float, low: float = 0.0, whole: bool = False) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low or (
            whole and not float(value).is_integer()):
        kind = "a whole number" if whole else "a number"
        raise AlertConfigError(f"{where}: {key} = {value!r} must be {kind} of at least {low:g}.")
    return int(value) if whole else float(value)


def _choice(raw: Mapping, key: str, where: str, options: tuple[str, ...], default: str | None = None) -> str:
    value = raw.get(key, default)
    if value not in options:
        raise AlertConfigError(f"{where}: {key} = {value!r} is not one of {', '.join(options)}.")
    return value


def _strings(raw: Mapping, key: str, where: str, options: tuple[str, ...] | None = None) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AlertConfigError(f"{where}: {key} must be a list of names.")
    bad = [v for v in value if options is not None and v not in options]
    if bad:
        raise AlertConfigError(f"{where}: {key} has {', '.join(map(repr, bad))}; expected {', '.join(options)}.")
    return tuple(value)


def _rule(raw: Mapping, name: str, hours: float) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise AlertConfigError(f"{name}: every [[rules]] entry needs an id.")
    where = f"{name}: rule '{rule_id}'"
    known = {"id", "source", "condition", "severity", "owners", "response_hours", "by", "grain", "above", "below",
             "rise", "periods", "filter", "top_share", "exclude", "scope"}
    if extra := sorted(set(raw) - known):
        raise AlertConfigError(f"{where}: unknown key {', '.join(extra)}; expected {', '.join(sorted(known))}.")
    condition = _choice(raw, "condition", where, CONDITIONS)
    source = raw.get("source")
    if not isinstance(source, str) or find_metric(source) is None:
        raise AlertConfigError(f"{where}: source {source!r} is not in the metric registry (built-in or metrics/).")
    if condition == "new_member" and source not in LISTS:
        raise AlertConfigError(f"{where}: new_member watches a list; {source!r} is not one of {', '.join(LISTS)}.")
    if condition != "new_member" and source not in METRICS and not is_custom(source):
        raise AlertConfigError(f"{where}: {condition} watches a metric; {source!r} is not one of {', '.join(METRICS)} "
                               "or a metric of the company's own (metrics/).")
    owners = _strings(raw, "owners", where, ROLES)
    if not owners:
        raise AlertConfigError(f"{where}: owners must name at least one role ({', '.join(ROLES)}).")
    above, below = raw.get("above"), raw.get("below")
    if condition == "threshold" and (above is None) == (below is None):
        raise AlertConfigError(f"{where}: a threshold needs one of above or below.")
    filt = raw.get("filter")
    if filt is not None and filt not in LISTS.get(source, ()):
        raise AlertConfigError(f"{where}: filter {filt!r} is not offered for {source!r}.")
    return Rule(
        id=rule_id, source=source, condition=condition, severity=_choice(raw, "severity", where, SEVERITIES),
        owners=owners, response_hours=_number(raw, "response_hours", where, hours, 0.25),
        by=_choice(raw, "by", where, BY, "region"), grain=_choice(raw, "grain", where, GRAINS, "month"),
        above=None if above is None else _number(raw, "above", where, 0.0, -1e12),
        below=None if below is None else _number(raw, "below", where, 0.0, -1e12),
        rise=_number(raw, "rise", where, 0.0, -1e12), periods=_number(raw, "periods", where, 3, 1, whole=True),
        filter=filt, top_share=_number(raw, "top_share", where, 0.2, 0.01),
        exclude=_strings(raw, "exclude", where), scope=str(raw.get("scope", "company")))


def _channel(raw: Mapping, name: str) -> ChannelSpec:
    channel = raw.get("name")
    if not isinstance(channel, str) or not channel.strip():
        raise AlertConfigError(f"{name}: every [[channels]] entry needs a name.")
    where = f"{name}: channel '{channel}'"
    known = {"name", "kind", "lang", "detail", "scope", "severities", "rules", "url", "url_env", "secret_env", "to",
             "to_env", "title"}
    if extra := sorted(set(raw) - known):
        raise AlertConfigError(f"{where}: unknown key {', '.join(extra)}; expected {', '.join(sorted(known))}.")
    kind = _choice(raw, "kind", where, ("wecom", "dingtalk", "feishu", "slack", "email"))
    if kind == "email" and not (raw.get("to") or raw.get("to_env")):
        raise AlertConfigError(f"{where}: an e-mail channel needs to (addresses) or to_env.")
    if kind != "email" and not (raw.get("url") or raw.get("url_env")):
        raise AlertConfigError(f"{where}: a {kind} channel needs url_env (the variable holding its address).")
    severities = _strings(raw, "severities", where, SEVERITIES) or SEVERITIES
    title = raw.get("title", {})
    if not isinstance(title, dict) or not all(isinstance(v, str) for v in title.values()) or set(title) - {"en", "zh"}:
        raise AlertConfigError(f'{where}: title must be a table like {{ en = "Sales–HR group", zh = "销售与人力群" }}.')
    return ChannelSpec(
        name=channel, kind=kind, lang=_choice(raw, "lang", where, ("zh", "en"), "zh"),
        detail=_choice(raw, "detail", where, DETAILS, "counts"), scope=str(raw.get("scope", "company")),
        severities=severities, rules=_strings(raw, "rules", where), url=raw.get("url"), url_env=raw.get("url_env"),
        secret_env=raw.get("secret_env"), to=_strings(raw, "to", where), to_env=raw.get("to_env"),
        title_en=title.get("en"), title_zh=title.get("zh"))


def _build(raw: Mapping, name: str) -> AlertConfig:
    known = {"response_hours", "evaluate_every_minutes", "retry_limit", "retry_base_seconds", "rules", "channels"}
    if extra := sorted(set(raw) - known):
        raise AlertConfigError(f"{name}: unknown key {', '.join(extra)}; expected {', '.join(sorted(known))}.")
    hours = _number(raw, "response_hours", name, 24.0, 0.25)
    rules = tuple(_rule(r, name, hours) for r in raw.get("rules", []))
    channels = tuple(_channel(c, name) for c in raw.get("channels", []))
    for kind, items in (("rule", [r.id for r in rules]), ("channel", [c.name for c in channels])):
        if dupes := sorted({i for i in items if items.count(i) > 1}):
            raise AlertConfigError(f"{name}: {kind} {', '.join(map(repr, dupes))} is defined twice.")
    return AlertConfig(
        rules=rules, channels=channels, response_hours=hours,
        evaluate_every_minutes=_number(raw, "evaluate_every_minutes", name, 15, 1, whole=True),
        retry_limit=_number(raw, "retry_limit", name, 5, 1, whole=True),
        retry_base_seconds=_number(raw, "retry_base_seconds", name, 60.0, 0.0))
