"""Every visible string, in English and Simplified Chinese: ``t("key", lang, **values)``.

Metric names and formulas live in the metric registry; org and role names are bilingual data.
A test checks both catalogues have the same keys and that every key used in the app exists.
"""
from __future__ import annotations

import datetime as dt

LANGS = ("en", "zh")
LANG_LABELS = {"en": "English", "zh": "简体中文"}

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "Tandem",
        "app.tagline": "HR and Sales, one set of numbers",
        "app.building": "First start: building the demo company ({size}) in {path}…",
        "app.built": "Demo company ready: {people} people, {orders} orders.",
        "app.db_error": "The database cannot be opened: {error}",
        "app.no_data": "There is no data in scope for this choice.",
        "nav.group.reviews": "Reviews",
        "nav.group.reference": "Reference",
        "nav.overview": "Overview",
        "nav.glossary": "Glossary",
        "sidebar.language": "Language",
        "sidebar.grain": "Period type",
        "sidebar.period": "Period",
        "sidebar.region": "Region",
        "sidebar.team": "Team",
        "sidebar.all": "All",
        "sidebar.as_of": "Data as of {date}",
        "grain.month": "Month",
        "grain.quarter": "Quarter",
        "grain.fiscal_year": "Fiscal year",
        "period.partial": "{label} (partial)",
        "period.partial_note": "{label} is not complete: figures run to {date}.",
        "overview.title": "Overview",
        "overview.caption": "The four numbers both heads open with. Hover a card for its formula.",
        "overview.trend": "Trend, last 12 months",
        "overview.by_region": "By region",
        "overview.vs_prev": "vs {label}",
        "overview.sparkline": "last 12 months",
        "overview.excluded_orders": "{n} orders without a rep ({amount}) are not credited to anyone.",
        "overview.masked": "Groups smaller than {n} people are masked.",
        "kpi.help": "{formula}\n\nDenominator: {denominator}\n\nPeriod: {period}",
        "kpi.help_nodenom": "{formula}\n\nPeriod: {period}",
        "kpi.ttm_of": "12 months to {month}",
        "col.group": "Group",
        "col.metric": "Metric",
        "col.id": "Id",
        "col.definition": "Definition",
        "col.denominator": "Denominator",
        "col.unit": "Unit",
        "col.domain": "Area",
        "glossary.title": "Glossary",
        "glossary.caption": ("Every metric, one definition, in both languages "
                             "(the registry behind every card and chart)."),
        "glossary.search": "Search",
        "glossary.domain": "Area",
        "glossary.count": "{n} metrics",
        "domain.hr": "Headcount and attrition",
        "domain.sales": "Sales performance",
        "domain.talent": "Talent, recruiting, training",
        "domain.commission": "Commission",
        "chart.month": "Month",
        "chart.benchmark": "Benchmark",
        "footer.partial": "Partial period",
        "error.period": "Period error: {error}",
    },
    "zh": {
        "app.title": "Tandem 协同",
        "app.tagline": "人力与销售，一套数字",
        "app.building": "首次启动：正在 {path} 生成演示公司（{size}）…",
        "app.built": "演示公司已就绪：{people} 人，{orders} 笔订单。",
        "app.db_error": "无法打开数据库：{error}",
        "app.no_data": "当前选择范围内没有数据。",
        "nav.group.reviews": "经营回顾",
        "nav.group.reference": "参考",
        "nav.overview": "总览",
        "nav.glossary": "指标词典",
        "sidebar.language": "语言",
        "sidebar.grain": "期间类型",
        "sidebar.period": "期间",
        "sidebar.region": "区域",
        "sidebar.team": "团队",
        "sidebar.all": "全部",
        "sidebar.as_of": "数据截至 {date}",
        "grain.month": "月",
        "grain.quarter": "季度",
        "grain.fiscal_year": "财年",
        "period.partial": "{label}（未完结）",
        "period.partial_note": "{label} 尚未结束：数据截至 {date}。",
        "overview.title": "总览",
        "overview.caption": "两位负责人开会时首先看的四个数字。鼠标悬停可查看公式。",
        "overview.trend": "近 12 个月趋势",
        "overview.by_region": "分区域",
        "overview.vs_prev": "对比 {label}",
        "overview.sparkline": "近 12 个月",
        "overview.excluded_orders": "{n} 笔订单没有归属销售（{amount}），未计入任何人。",
        "overview.masked": "少于 {n} 人的分组已隐藏。",
        "kpi.help": "{formula}\n\n分母：{denominator}\n\n期间：{period}",
        "kpi.help_nodenom": "{formula}\n\n期间：{period}",
        "kpi.ttm_of": "截至 {month} 的 12 个月",
        "col.group": "分组",
        "col.metric": "指标",
        "col.id": "编号",
        "col.definition": "定义",
        "col.denominator": "分母",
        "col.unit": "单位",
        "col.domain": "领域",
        "glossary.title": "指标词典",
        "glossary.caption": "每个指标只有一个定义，中英双语（所有卡片和图表背后的指标库）。",
        "glossary.search": "搜索",
        "glossary.domain": "领域",
        "glossary.count": "共 {n} 个指标",
        "domain.hr": "人数与离职",
        "domain.sales": "销售业绩",
        "domain.talent": "人才、招聘与培训",
        "domain.commission": "提成",
        "chart.month": "月份",
        "chart.benchmark": "基准线",
        "footer.partial": "未完结期间",
        "error.period": "期间错误：{error}",
    },
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The string for ``key`` in ``lang`` with ``{name}`` fields filled; a missing key shows as ⟦key⟧."""
    text = CATALOGUE.get(lang, CATALOGUE["en"]).get(key) or CATALOGUE["en"].get(key)
    if text is None:
        return f"⟦{key}⟧"
    return text.format(**values) if values else text


def fmt_number(value: float | None, unit: str, lang: str = "en") -> str:
    """A metric value for display: ratios as %, money with 万 / k-M grouping per language."""
    if value is None:
        return "—"
    if unit in {"ratio", "probability"}:
        return f"{value * 100:.1f}%"
    if unit == "currency":
        if lang == "zh":
            return f"¥{value / 1e8:,.2f}亿" if abs(value) >= 1e8 else f"¥{value / 1e4:,.1f}万"
        return f"¥{value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"¥{value / 1e3:,.1f}k"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.1f}"


def fmt_date(day: dt.date, lang: str = "en") -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %b %Y")


def fmt_month(day: dt.date, lang: str = "en") -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%b %Y")
