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
        "overview.trend_note": "Monthly values (the cards show the selected period); grey points are partial months.",
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
        "chart.tenure_month": "Months since hire",
        "chart.perfect": "Perfect calibration",
        "chart.model": "Model",
        "chart.predicted": "Predicted probability",
        "chart.observed": "Observed share who left",
        "footer.partial": "Partial period",
        "error.period": "Period error: {error}",
        "group.unplaced": "Head office (no region or team)",
        "group.none": "(not recorded)",
        "nav.group.hr": "People",
        "nav.group.sales": "Sales",
        "nav.attrition": "Attrition & retention",
        "nav.risk": "Flight risk",
        "access.person_level_only": "This view lists people; your access covers aggregates only.",
        "dim.region": "Region",
        "dim.team": "Team",
        "dim.manager": "Manager",
        "dim.role": "Role",
        "dim.role_id": "Role",
        "dim.job_level": "Job level",
        "dim.tenure_band": "Tenure band",
        "dim.hire_source": "Hire channel",
        "dim.hire_cohort": "Hire year",
        "dim.mentored": "Mentor in the first month",
        "dim.rep": "Rep",
        "attrition.title": "Attrition & retention",
        "attrition.caption": ("Who leaves, when, from where and why. Everyone is counted in the team they "
                              "belonged to at the time."),
        "attrition.hires_12m": "hires of the last 12 months",
        "attrition.trend": "Trailing-12-month attrition",
        "attrition.sales_only": "Sales roles only",
        "attrition.benchmark": "Benchmark (% a year)",
        "attrition.breakdown": "Where people leave",
        "attrition.by": "Break down by",
        "attrition.drilled": "Teams of {name}",
        "attrition.drill_up": "Back to all regions",
        "attrition.click_to_drill": "Click a region's bar to see its teams.",
        "attrition.cohorts": "Hire cohorts",
        "attrition.cohort_title": "Share of each month's hires still employed, by months since hire",
        "attrition.retention": "Retention curves",
        "attrition.curve_by": "Curves by",
        "attrition.event": "Count as leaving",
        "attrition.any": "Any exit",
        "attrition.voluntary": "Voluntary exits only",
        "attrition.curve_title": "Kaplan–Meier retention with 95% band",
        "attrition.people": "People",
        "attrition.in_months": " (months)",
        "attrition.not_reached": "not reached (over half still employed)",
        "attrition.km_note": ("Curves cover the last three years; people hired earlier enter at their tenure on the "
                              "window's first day (left truncation). Groups the estimator cannot follow are listed "
                              "without a curve."),
        "attrition.probation": "Probation",
        "attrition.mentored": "Mentored",
        "attrition.not_mentored": "No mentor",
        "attrition.completed_probation": "Probation completed or ended",
        "attrition.left_in_probation": "Left in probation",
        "attrition.still_in_probation": "Still in probation",
        "attrition.reasons": "Why people left",
        "attrition.leavers": "People who left in this period",

        # codes shown as labels
        "code.exit_type.voluntary": "Voluntary",
        "code.exit_type.involuntary": "Involuntary",
        "code.exit_type.other": "Other",
        "code.exit_reason.compensation": "Compensation",
        "code.exit_reason.career": "Career move",
        "code.exit_reason.manager": "Manager",
        "code.exit_reason.workload": "Workload",
        "code.exit_reason.relocation": "Relocation",
        "code.exit_reason.personal": "Personal",
        "code.exit_reason.performance": "Performance",
        "code.exit_reason.misconduct": "Misconduct",
        "code.exit_reason.restructuring": "Restructuring",
        "code.exit_reason.retirement": "Retirement",
        "code.exit_reason.health": "Health",
        "code.hire_source.referral": "Referral",
        "code.hire_source.job_board": "Job board",
        "code.hire_source.campus": "Campus",
        "code.hire_source.agency": "Agency",
        "code.hire_source.event": "Event",
        "code.hire_source.internal": "Internal",
        "code.feature.tenure_days": "Tenure",
        "code.feature.in_probation": "In probation",
        "code.feature.attainment_q1": "Attainment, last quarter",
        "code.feature.attainment_q2": "Attainment, quarter before",
        "code.feature.attainment_trend": "Attainment trend",
        "code.feature.under70_twice": "Two quarters under 70%",
        "code.feature.bookings_vs_peers": "Bookings vs peers",
        "code.feature.base_vs_peers": "Base pay vs peers",
        "code.feature.overtime_3m": "Overtime (3 months)",
        "code.feature.leave_3m": "Leave days (3 months)",
        "code.feature.engagement": "Engagement",
        "code.feature.manager_score": "Manager score",
        "code.feature.manager_changes_12m": "Manager changes (12 months)",
        "code.feature.courses_12m": "Courses completed (12 months)",
        "code.feature.mentored": "Had a mentor",
        "code.feature.complaints_6m": "Complaints (6 months)",
        "code.feature.job_level": "Job level",
        "code.feature.hire_source": "Hire channel",
        "code.feature.role_id": "Role",
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
        "overview.trend_note": "按月数值（卡片显示所选期间）；灰色点为未完结月份。",
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
        "chart.tenure_month": "入职后月数",
        "chart.perfect": "完美校准",
        "chart.model": "模型",
        "chart.predicted": "预测概率",
        "chart.observed": "实际离职比例",
        "footer.partial": "未完结期间",
        "error.period": "期间错误：{error}",
        "group.unplaced": "总部（不属于区域或团队）",
        "group.none": "（未记录）",
        "nav.group.hr": "人力",
        "nav.group.sales": "销售",
        "nav.attrition": "离职与留存",
        "nav.risk": "离职风险",
        "access.person_level_only": "此视图列出人员明细；您的权限仅限汇总数据。",
        "dim.region": "区域",
        "dim.team": "团队",
        "dim.manager": "直属上级",
        "dim.role": "岗位",
        "dim.role_id": "岗位",
        "dim.job_level": "职级",
        "dim.tenure_band": "司龄段",
        "dim.hire_source": "招聘渠道",
        "dim.hire_cohort": "入职年份",
        "dim.mentored": "首月是否有导师",
        "dim.rep": "销售",
        "attrition.title": "离职与留存",
        "attrition.caption": "谁在离开、何时离开、从哪里离开、为什么离开。每个人按当时所在团队统计。",
        "attrition.hires_12m": "近12个月入职",
        "attrition.trend": "滚动12个月离职率",
        "attrition.sales_only": "仅销售岗位",
        "attrition.benchmark": "基准（年化 %）",
        "attrition.breakdown": "离职分布",
        "attrition.by": "分组维度",
        "attrition.drilled": "{name} 的各团队",
        "attrition.drill_up": "返回全部区域",
        "attrition.click_to_drill": "点击区域柱形查看其下各团队。",
        "attrition.cohorts": "入职批次",
        "attrition.cohort_title": "各月入职人员在入职后第 N 个月的在职比例",
        "attrition.retention": "留存曲线",
        "attrition.curve_by": "曲线分组",
        "attrition.event": "计为离职",
        "attrition.any": "所有离职",
        "attrition.voluntary": "仅主动离职",
        "attrition.curve_title": "Kaplan–Meier 留存曲线（95% 置信带）",
        "attrition.people": "人数",
        "attrition.in_months": "（月）",
        "attrition.not_reached": "未达到（过半人员仍在职）",
        "attrition.km_note": ("曲线覆盖近三年；更早入职的人员按窗口首日的司龄进入（左截断）。"
                              "无法估计的分组只列出，不画曲线。"),
        "attrition.probation": "试用期",
        "attrition.mentored": "有导师",
        "attrition.not_mentored": "无导师",
        "attrition.completed_probation": "试用期已结束人数",
        "attrition.left_in_probation": "试用期内离职",
        "attrition.still_in_probation": "仍在试用期",
        "attrition.reasons": "离职原因",
        "attrition.leavers": "本期离职人员",

        "code.exit_type.voluntary": "主动离职",
        "code.exit_type.involuntary": "被动离职",
        "code.exit_type.other": "其他",
        "code.exit_reason.compensation": "薪酬",
        "code.exit_reason.career": "职业发展",
        "code.exit_reason.manager": "直属上级",
        "code.exit_reason.workload": "工作强度",
        "code.exit_reason.relocation": "异地搬迁",
        "code.exit_reason.personal": "个人原因",
        "code.exit_reason.performance": "绩效不达标",
        "code.exit_reason.misconduct": "违纪",
        "code.exit_reason.restructuring": "组织调整",
        "code.exit_reason.retirement": "退休",
        "code.exit_reason.health": "健康原因",
        "code.hire_source.referral": "内部推荐",
        "code.hire_source.job_board": "招聘网站",
        "code.hire_source.campus": "校园招聘",
        "code.hire_source.agency": "猎头/中介",
        "code.hire_source.event": "招聘会",
        "code.hire_source.internal": "内部调动",
        "code.feature.tenure_days": "司龄",
        "code.feature.in_probation": "处于试用期",
        "code.feature.attainment_q1": "上季度达成率",
        "code.feature.attainment_q2": "前一季度达成率",
        "code.feature.attainment_trend": "达成率趋势",
        "code.feature.under70_twice": "连续两季度低于70%",
        "code.feature.bookings_vs_peers": "业绩对比同岗",
        "code.feature.base_vs_peers": "底薪对比同岗",
        "code.feature.overtime_3m": "加班时长（近3个月）",
        "code.feature.leave_3m": "请假天数（近3个月）",
        "code.feature.engagement": "敬业度",
        "code.feature.manager_score": "对上级评分",
        "code.feature.manager_changes_12m": "上级变更次数（近12个月）",
        "code.feature.courses_12m": "完成课程数（近12个月）",
        "code.feature.mentored": "有导师",
        "code.feature.complaints_6m": "客诉次数（近6个月）",
        "code.feature.job_level": "职级",
        "code.feature.hire_source": "招聘渠道",
        "code.feature.role_id": "岗位",
    },
}


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
        if lang == "zh":
            return f"¥{value / 1e8:,.2f}亿" if abs(value) >= 1e8 else f"¥{value / 1e4:,.1f}万"
        return f"¥{value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"¥{value / 1e3:,.1f}k"
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
