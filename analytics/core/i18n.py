"""Every visible string, in English and Simplified Chinese: ``t(key, lang, **values)``.

The strings live in ``locales/en.toml`` and ``locales/zh.toml``: a key's dotted name is its table path
(``[overview] title = ...`` is ``overview.title``). Both files are read once, at import, into ``CATALOGUE``
(language → dotted key → text). Metric names and formulas live in the metric registry; org and role names
are bilingual data. Tests check both languages have the same keys and placeholders, that every key the code
uses exists, and that no key goes unused.
"""
from __future__ import annotations

import datetime as dt
import math
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
    """The string for ``key`` in ``lang`` with ``{name}`` fields filled; a missing key shows as ⟦key⟧.

    A text written ``"one form|other form"`` (English nouns) takes the first form when ``n`` is 1."""
    text = CATALOGUE.get(lang, CATALOGUE["en"]).get(key) or CATALOGUE["en"].get(key)
    if text is None:
        return f"⟦{key}⟧"
    if "|" in text:
        one, _, many = text.partition("|")
        text = one if str(values.get("n", "")).strip() == "1" else many
    return text.format(**values) if values else text


def code_label(kind: str, code: object, lang: str = "en") -> str:
    """Display name of a data code (exit reason, hire source, feature...); the code itself if unknown."""
    if code is None:
        return t("group.none", lang)
    key = f"code.{kind}.{code}"
    return t(key, lang) if key in CATALOGUE["en"] else str(code)


def _trim(text: str) -> str:
    """``"3,750.0"`` → ``"3,750"``: a decimal that says nothing is left out."""
    return text[:-2] if text.endswith(".0") else text


def _money(value: float, lang: str) -> str:
    """Money with its currency: 万 / 亿 in Chinese, k / M in English; one decimal below a thousand of the
    unit (``¥12.5万``, ``¥375k``), none above (``¥3,750万``), two on 亿 and M (``¥1.23亿``)."""
    sign, v = ("-" if value < 0 else ""), abs(value)
    if v == 0:
        return "¥0"
    big, big_unit, small, small_unit = (1e8, "亿", 1e4, "万") if lang == "zh" else (1e6, "M", 1e3, "k")
    if round(v / big, 2) >= 1:
        return f"{sign}¥{v / big:,.2f}{big_unit}"
    if v >= small:
        scaled = v / small
        return f"{sign}¥{_trim(f'{scaled:,.0f}' if scaled >= 1000 else f'{scaled:,.1f}')}{small_unit}"
    return f"{sign}¥{v:,.0f}"


def fmt_number(value: float | None, unit: str, lang: str = "en") -> str:
    """A value for display in the page's language, the one formatter of every page, review and pack: ratios
    and probabilities as %, money with its currency (万 / 亿, k / M), days and months with their unit, counts
    grouped, scores with two decimals at most; a missing value (None, NaN) as —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit in {"ratio", "probability"}:
        return f"{value * 100:.1f}%"
    if unit == "currency":
        return _money(value, lang)
    if unit in {"days", "months"}:
        return fmt_duration(value, unit, lang)
    if unit == "score" and abs(value) < 1:
        return f"{value:.2f}"
    if unit == "score" and float(value).is_integer():
        return f"{value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.1f}"


def fmt_duration(value: float | None, unit: str, lang: str = "en") -> str:
    """Days or months with the unit, singular or plural: ``12 days``, ``1 month``, ``3.5个月``, ``12天``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = _trim(f"{value:,.1f}")
    if lang == "zh":
        return f"{number}{'天' if unit == 'days' else '个月'}"
    word = unit[:-1] if number == "1" else unit
    return f"{number} {word}"


def fmt_count(n: int | float | None, noun: str, lang: str = "en") -> str:
    """A count with its noun, singular or plural in English: ``fmt_count(1, "requisition")`` → "1 requisition".
    The noun is ``count.<noun>`` in the catalogue, written ``"{n} requisition|{n} requisitions"`` in English."""
    if n is None:
        return "—"
    return t(f"count.{noun}", lang, n=fmt_number(n, "count", lang))


def fmt_value(value: object, lang: str = "en") -> str:
    """Any table cell as a reader writes it: dates without a time of day, numbers with two decimals at most,
    booleans as yes / no, a missing value as —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return t("format.yes" if value else "format.no", lang)
    if isinstance(value, dt.datetime):
        return fmt_date(value.date(), lang) if value.time() == dt.time() else fmt_datetime(value, lang)
    if isinstance(value, dt.date):
        return fmt_date(value, lang)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else _trim(f"{value:,.2f}")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def fmt_delta(value: float | None, unit: str, lang: str = "en") -> str | None:
    """A change between two values: ratios in percentage points, others as values with a sign."""
    if value is None:
        return None
    if unit in {"ratio", "probability"}:
        return f"{value * 100:+.1f} {'个百分点' if lang == 'zh' else 'pp'}"
    text = fmt_number(abs(value), unit, lang)
    return ("-" if value < 0 else "+") + text


def fmt_date(day: dt.date | None, lang: str = "en") -> str:
    """A day, never with a time: ``4 Sep 2026`` / ``2026年9月4日``."""
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        day = day.date()
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %b %Y")


def fmt_month(day: dt.date, lang: str = "en") -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%b %Y")


def fmt_datetime(moment: dt.datetime, lang: str = "en") -> str:
    """A moment to the minute (the audit log): ``4 Sep 2026 09:30`` / ``2026年9月4日 09:30``."""
    return f"{fmt_date(moment.date(), lang)} {moment:%H:%M}"
