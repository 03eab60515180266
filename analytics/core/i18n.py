"""Every visible string, in English and Simplified Chinese: ``t(key, lang, **values)``.

The strings live in ``locales/en.toml`` and ``locales/zh.toml``: a key's dotted name is its table path
(``[overview] title = ...`` is ``overview.title``). Both files are read once, at import, into ``CATALOGUE``
(language → dotted key → text). Metric names and formulas live in the metric registry; org and role names
are bilingual data. Tests check both languages have the same keys and placeholders, that every key the code
uses exists, and that no key goes unused.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

LANGS = ("en", "zh")
LANG_LABELS = {"en": "English", "zh": "简体中文"}
LOCALES = Path(__file__).with_name("locales")


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    """Nested TOML tables → dotted keys; a quoted key with dots (``"ramp.role"``) joins the same way."""
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        items = _flatten(value, f"{key}.") if isinstance(value, dict) else {key: value}
        for k, v in items.items():
            if k in flat or not isinstance(v, str):
                raise ValueError(f"locale key {k!r} is {'defined twice' if k in flat else 'not a string'}")
            flat[k] = v
    return flat


def load_catalogue(lang: str, folder: Path = LOCALES) -> dict[str, str]:
    """The strings of one language, dotted key → text, as written in ``<folder>/<lang>.toml``."""
    with (folder / f"{lang}.toml").open("rb") as f:
        return _flatten(tomllib.load(f))


CATALOGUE: dict[str, dict[str, str]] = {lang: load_catalogue(lang) for lang in LANGS}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The string for ``key`` in ``lang`` with ``{name}`` fields filled; a missing key shows as ⟦key⟧."""
    text = CATALOGUE.get(lang, CATALOGUE["en"]).get(key) or CATALOGUE["en"].get(key)
    if text is None:
        return f"⟦{key}⟧"
    return text.format(**values) if values else text


def code_label(kind: str, code: object, lang: str = "en") -> str:
    """Display name of a data code (exit reason, hire source, feature...); the code itself if unknown."""
    if code is None:
        return t("group.none", lang)
    key = f"code.{kind}.{code}"
    return t(key, lang) if key in CATALOGUE["en"] else str(code)


def fmt_number(value: float | None, unit: str, lang: str = "en") -> str:
    """A metric value for display: ratios as %, money with 万 / k-M grouping per language."""
    if value is None:
        return "—"
    if unit in {"ratio", "probability"}:
        return f"{value * 100:.1f}%"
    if unit == "currency":
        if value == 0:
            return "¥0"
        if lang == "zh":
            return f"¥{value / 1e8:,.2f}亿" if abs(value) >= 1e8 else f"¥{value / 1e4:,.1f}万"
        return f"¥{value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"¥{value / 1e3:,.1f}k"
    if unit == "score" and abs(value) < 1:
        return f"{value:.3f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.1f}"


def fmt_delta(value: float | None, unit: str, lang: str = "en") -> str | None:
    """A change between two values: ratios in percentage points, others as values with a sign."""
    if value is None:
        return None
    if unit in {"ratio", "probability"}:
        return f"{value * 100:+.1f} {'个百分点' if lang == 'zh' else 'pp'}"
    text = fmt_number(abs(value), unit, lang)
    return ("-" if value < 0 else "+") + text


def fmt_date(day: dt.date, lang: str = "en") -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %b %Y")


def fmt_month(day: dt.date, lang: str = "en") -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%b %Y")
