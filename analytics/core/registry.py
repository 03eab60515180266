"""The metric registry: one entry per metric of ``../shared/METRICS.md``, in its order.

Each entry carries the id, both names, the definition in both languages (with the choices
METRICS.md leaves open written in), the numerator and denominator where the metric is a
ratio, the unit, which direction is good, and the grain it is computed at. Pages show the
formula and the denominator on hover; the glossary page and ``python -m analytics metrics
--list`` list them all. Pure data: no Streamlit, no I/O.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal, get_args

Unit = Literal["count", "ratio", "currency", "days", "months", "score", "curve", "list", "probability", "table"]

DOMAINS = ("hr", "sales", "talent", "commission")
DIRECTIONS = ("up", "down", "neutral")
GRAINS = ("period", "cohort", "person", "curve")
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


def _m(
    id: str,
    domain: str,
    name: tuple[str, str],
    formula: tuple[str, str],
    unit: Unit,
    direction: str,
    grain: str,
    numerator: tuple[str, str] | None = None,
    denominator: tuple[str, str] | None = None,
) -> Metric:
    num = numerator or (None, None)
    den = denominator or (None, None)
    return Metric(
        id=id, domain=domain, name_en=name[0], name_zh=name[1],
        formula_en=formula[0], formula_zh=formula[1],
        numerator_en=num[0], numerator_zh=num[1],
        denominator_en=den[0], denominator_zh=den[1],
        unit=unit, direction=direction, grain=grain,
    )


_AVG_HC = ("average headcount of the period", "期内平均人数")
_BOOKINGS = ("bookings of the period", "期内销售额")

_METRICS = [
    # --- Headcount and attrition (HR) -------------------------------------------------
    _m("headcount_end", "hr", ("Headcount (end)", "期末人数"), (
        ("Headcount on the last day of the period: people employed that day (hire_date ≤ day ≤ "
        "termination_date, or no termination_date), placed in the org unit they were assigned to "
        "that day."),
        ("期间最后一天的在职人数：当天在职（入职日期 ≤ 当天 ≤ 离职日期，或尚未离职）的人员，"
        "按其当天所属的组织单元归属。"),
    ), "count", "neutral", "period"),
    _m("headcount_avg", "hr", ("Average headcount", "平均人数"), (
        ("For a month: (headcount on its first day + headcount on its last day) ÷ 2. For a longer "
        "period: the mean of its months' averages (SHRM)."),
        ("单月：（月初第一天在职人数 + 月末最后一天在职人数）÷ 2；更长的期间：取各月平均人数的"
        "均值（SHRM 口径）。"),
    ), "count", "neutral", "period"),
    _m("hires", "hr", ("Hires", "入职人数"), (
        ("People whose hire_date falls in the period, placed in the org unit they were assigned "
        "to on their hire date."),
        "入职日期在期内的人数，按入职当天所属的组织单元归属。",
    ), "count", "neutral", "period"),
    _m("exits", "hr", ("Exits", "离职人数"), (
        ("People whose termination_date (the last day employed) falls in the period, of any exit "
        "type, placed in the org unit they held on that day."),
        "离职日期（最后在职日）在期内的人数，含各类离职，按离职当天所属的组织单元归属。",
    ), "count", "down", "period"),
    _m("attrition_rate", "hr", ("Attrition rate", "离职率"), (
        "Exits in the period ÷ average headcount of the period (SHRM). Not annualised.",
        "期内离职人数 ÷ 期内平均人数（SHRM 口径），不做年化。",
    ), "ratio", "down", "period",
        numerator=("exits in the period", "期内离职人数"), denominator=_AVG_HC),
    _m("attrition_rate_ttm", "hr", ("Attrition, trailing 12 months", "滚动12个月离职率"), (
        ("For month m: exits in the 12 months ending with month m ÷ the mean of those 12 months' "
        "average headcounts."),
        "对月份 m：截至 m 月（含）的最近 12 个月离职人数 ÷ 这 12 个月各月平均人数的均值。",
    ), "ratio", "down", "period",
        numerator=("exits in the 12 months ending with month m", "截至 m 月的最近 12 个月离职人数"),
        denominator=("mean of those 12 months' average headcounts", "这 12 个月各月平均人数的均值")),
    _m("attrition_rate_annualised", "hr", ("Annualised attrition", "年化离职率"), (
        ("Period attrition rate × 12 ÷ months in the period: a month ×12, a quarter ×4, a full year "
        "×1, year to date ×12 ÷ months elapsed (months of the period begun by the as-of date; "
        "a period not complete at the as-of date is marked partial). Always labelled annualised."),
        ("期间离职率 × 12 ÷ 期间月数：单月 ×12，季度 ×4，整年 ×1，年初至今 ×12 ÷ 已过月数"
        "（截至统计日已开始的月份数；统计日时尚未结束的期间标注为“不完整”）。始终标注为年化值。"),
    ), "ratio", "down", "period",
        numerator=("exits in the period × 12 ÷ months in the period", "期内离职人数 × 12 ÷ 期间月数"),
        denominator=_AVG_HC),
    _m("attrition_voluntary", "hr", ("Voluntary attrition", "主动离职率"), (
        ("Exits of exit type voluntary in the period ÷ average headcount of the period (the same "
        "denominator as the attrition rate). Retirements and deaths are exit type 'other' and "
        "count as neither voluntary nor involuntary."),
        ("期内主动离职人数 ÷ 期内平均人数（与离职率相同的分母）。退休和身故归为“其他”离职，"
        "既不计入主动离职，也不计入被动离职。"),
    ), "ratio", "down", "period",
        numerator=("voluntary exits in the period", "期内主动离职人数"), denominator=_AVG_HC),
    _m("attrition_involuntary", "hr", ("Involuntary attrition", "被动离职率"), (
        ("Exits of exit type involuntary in the period ÷ average headcount of the period (the same "
        "denominator as the attrition rate). Retirements and deaths are exit type 'other' and "
        "count as neither voluntary nor involuntary."),
        ("期内被动离职人数 ÷ 期内平均人数（与离职率相同的分母）。退休和身故归为“其他”离职，"
        "既不计入主动离职，也不计入被动离职。"),
    ), "ratio", "down", "period",
        numerator=("involuntary exits in the period", "期内被动离职人数"), denominator=_AVG_HC),
    _m("attrition_regretted", "hr", ("Regretted attrition", "惋惜离职率"), (
        "Exits flagged regretted in the period ÷ average headcount of the period.",
        "期内被标记为惋惜离职的人数 ÷ 期内平均人数。",
    ), "ratio", "down", "period",
        numerator=("exits flagged regretted in the period", "期内惋惜离职人数"), denominator=_AVG_HC),
    _m("probation_exit_rate", "hr", ("Probation attrition", "试用期离职率"), (
        ("Cohort measure: of the people hired in the cohort window, the share who left within "
        "their probation (termination_date before hire_date + the person's probation months, "
        "default 3). A cohort in which someone's probation has not fully elapsed at the as-of "
        "date is marked partial."),
        ("按入职批次计算：在批次窗口内入职的人员中，在试用期内离职（离职日期早于入职日期 + "
        "本人试用期月数，默认 3 个月）的比例。截至统计日仍有人试用期未满的批次标注为“不完整”。"),
    ), "ratio", "down", "cohort",
        numerator=("people of the cohort who left within probation", "该批次中在试用期内离职的人数"),
        denominator=("people hired in the cohort window", "批次窗口内入职的人数")),
    _m("first_year_exit_rate", "hr", ("First-year attrition", "一年内离职率"), (
        ("Cohort measure: of the people hired in the cohort window, the share who left within 365 "
        "days of hire (termination_date before hire_date + 365 days). A cohort in which someone "
        "has not yet reached 365 days at the as-of date is marked partial."),
        ("按入职批次计算：在批次窗口内入职的人员中，入职 365 天内离职（离职日期早于入职日期 + "
        "365 天）的比例。截至统计日仍有人入职未满 365 天的批次标注为“不完整”。"),
    ), "ratio", "down", "cohort",
        numerator=("people of the cohort who left within 365 days", "该批次中入职 365 天内离职的人数"),
        denominator=("people hired in the cohort window", "批次窗口内入职的人数")),
    _m("probation_share_of_exits", "hr", ("Share of exits in probation", "试用期离职占比"), (
        ("Exits in the period whose tenure is within probation (termination_date before hire_date "
        "+ the person's probation months, default 3) ÷ all exits in the period."),
        ("期内离职人员中，在试用期内离职（离职日期早于入职日期 + 本人试用期月数，默认 3 个月）"
        "的人数 ÷ 期内全部离职人数。"),
    ), "ratio", "down", "period",
        numerator=("exits in the period within probation", "期内试用期内离职人数"),
        denominator=("all exits in the period", "期内全部离职人数")),
    _m("retention_curve", "hr", ("Retention curve", "留存曲线"), (
        ("Kaplan–Meier survival S(t) over tenure in days. Event = exit (any exit, or voluntary "
        "exits only with other exits censored on their exit day); people still employed are "
        "censored at the as-of date; people hired before the window start enter at their tenure "
        "on that day (left truncation). 95% confidence band by Greenwood's formula."),
        ("按在职天数计算的 Kaplan–Meier 生存函数 S(t)。事件为离职（全部离职，或仅主动离职，"
        "此时其他离职在离职当日删失）；仍在职者在统计日删失；窗口开始前入职的人员自其当日的"
        "在职天数起进入（左截断）。95% 置信带采用 Greenwood 公式。"),
    ), "curve", "up", "curve"),
    _m("median_tenure", "hr", ("Median tenure", "中位在职时长"), (
        ("The smallest tenure t (days) at which the retention curve S(t) falls to 0.5 or below; "
        "shown as 'not reached' (more than the longest observed tenure) when S(t) stays above 0.5."),
        ("留存曲线 S(t) 首次降至 0.5 及以下时的在职天数 t；若 S(t) 始终高于 0.5，则显示为"
        "“未达到”（超过观察到的最长在职时长）。"),
    ), "days", "up", "cohort"),
    _m("flight_risk", "hr", ("Flight risk", "离职风险"), (
        ("Calibrated probability that a person employed at the as-of date leaves within the next "
        "N months (default 6), from a model validated on past periods; shown with the person's "
        "top drivers and the model's backtest scores."),
        ("统计日在职人员在未来 N 个月内（默认 6 个月）离职的校准概率，由经过历史期间验证的模型"
        "给出；同时展示该人员的主要影响因素及模型的回测得分。"),
    ), "probability", "down", "person"),
    # --- Sales performance ------------------------------------------------------------
    _m("bookings", "sales", ("Bookings", "销售额"), (
        "Sum of the amounts of orders dated in the period, credited to the order's rep.",
        "订单日期在期内的订单金额合计，计入该订单所属销售代表。",
    ), "currency", "up", "period"),
    _m("quota", "sales", ("Quota", "指标"), (
        "Sum of the rep's monthly quota rows for the months of the period.",
        "该销售代表期内各月指标的合计。",
    ), "currency", "neutral", "period"),
    _m("attainment", "sales", ("Quota attainment", "指标达成率"), (
        ("Bookings ÷ quota. For a rep: the rep's bookings ÷ the rep's quota. For a team or region: "
        "sum of bookings ÷ sum of quota of the reps in it (not the mean of the reps' rates). Reps "
        "with no quota in the period are excluded from both sums."),
        ("销售额 ÷ 指标。个人：本人销售额 ÷ 本人指标；团队或区域：其中销售代表的销售额合计 ÷ "
        "指标合计（而非个人达成率的平均值）。期内没有指标的销售代表不计入分子和分母。"),
    ), "ratio", "up", "period",
        numerator=("bookings of the reps with quota", "有指标销售代表的销售额"),
        denominator=("quota of those reps", "这些销售代表的指标")),
    _m("reps_at_quota", "sales", ("Reps at quota", "达标人数占比"), (
        "Of the reps with quota in the period, the share whose attainment is ≥ 100%.",
        "期内有指标的销售代表中，达成率 ≥ 100% 的人数占比。",
    ), "ratio", "up", "period",
        numerator=("reps with attainment ≥ 100%", "达成率 ≥ 100% 的销售代表人数"),
        denominator=("reps with quota in the period", "期内有指标的销售代表人数")),
    _m("attainment_band", "sales", ("Attainment distribution", "达成率分布"), (
        ("Number of reps with quota in each attainment band: <50%, 50–80%, 80–100%, 100–120%, "
        "≥120% (each band includes its lower bound and excludes its upper bound)."),
        ("有指标的销售代表按达成率分段计数：<50%、50–80%、80–100%、100–120%、≥120%"
        "（各段含下限、不含上限）。"),
    ), "table", "neutral", "period"),
    _m("collection_rate", "sales", ("Collection rate", "回款率"), (
        "Cash collected by the as-of date on orders booked in the period ÷ bookings of the period.",
        "期内订单截至统计日的回款金额 ÷ 期内销售额。",
    ), "ratio", "up", "period",
        numerator=("cash collected by the as-of date on orders of the period", "期内订单截至统计日的回款金额"),
        denominator=_BOOKINGS),
    _m("dso", "sales", ("Days sales outstanding", "应收账款周转天数"), (
        ("Receivables at period end ÷ bookings of the period × days in the period. Receivables = "
        "amounts of orders booked up to the period end less the cash collected on them up to the "
        "period end."),
        ("期末应收账款 ÷ 期内销售额 × 期间天数。应收账款 = 截至期末的订单金额减去截至期末已收回"
        "的款项。"),
    ), "days", "down", "period",
        numerator=("receivables at period end × days in the period", "期末应收账款 × 期间天数"),
        denominator=_BOOKINGS),
    _m("new_customers", "sales", ("New customers", "新客户数"), (
        "Customers whose first-ever order falls in the period, credited to the rep of that order.",
        "首笔订单落在期内的客户数，计入该笔订单所属的销售代表。",
    ), "count", "up", "period"),
    _m("repeat_rate", "sales", ("Repeat purchase rate", "老客户复购率"), (
        ("Of the customers who ordered in the 12 months before the period starts, the share who "
        "order again in the period."),
        "期间开始前 12 个月内下过单的客户中，在期内再次下单的客户占比。",
    ), "ratio", "up", "period",
        numerator=("of those, customers who order in the period", "其中期内再次下单的客户数"),
        denominator=("customers who ordered in the 12 months before the period", "期间开始前 12 个月内下过单的客户数")),
    _m("ka_share", "sales", ("KA share of bookings", "大客户销售占比"), (
        "Bookings from KA-tier customers ÷ bookings, in the period.",
        "期内 KA（大客户）级别客户的销售额 ÷ 期内销售额。",
    ), "ratio", "neutral", "period",
        numerator=("bookings from KA-tier customers", "KA 客户销售额"), denominator=_BOOKINGS),
    _m("revenue_per_head", "sales", ("Revenue per head", "人均效能"), (
        ("Bookings of the period ÷ average sales headcount of the period (everyone in sales roles, "
        "ramping reps included). For the period, not annualised."),
        ("期内销售额 ÷ 期内销售人员平均人数（所有销售岗位人员，包括爬坡期新人）。按期间计算，"
        "不做年化。"),
    ), "currency", "up", "period",
        numerator=_BOOKINGS,
        denominator=("average sales headcount (ramping reps included)", "销售人员平均人数（含爬坡期新人）")),
    _m("ramp_curve", "sales", ("Ramp curve", "新人爬坡曲线"), (
        ("For each hire cohort, the mean over its reps of attainment in tenure month k (k = 1 is "
        "the calendar month of the hire date); reps with no quota in a month are left out of "
        "that month."),
        ("按入职批次，计算批次内销售代表在第 k 个在职月的平均达成率（第 1 个月为入职日期所在的"
        "自然月）；某月没有指标的销售代表不计入该月。"),
    ), "curve", "up", "curve"),
    _m("time_to_productivity", "sales", ("Time to productivity", "达产周期"), (
        ("Per rep: the first tenure month m from which the rolling 3-month attainment (bookings ÷ "
        "quota over months m−2 to m) stays ≥ 80% (threshold configurable) in every later month. "
        "A hire cohort shows the median over its reps; reps not yet productive count as beyond "
        "the last observed month."),
        ("按人计算：滚动 3 个月达成率（第 m−2 至 m 月的销售额 ÷ 指标）自该在职月 m 起此后各月"
        "均保持 ≥ 80%（阈值可配置）的第一个在职月 m。入职批次取批次内销售代表的中位数；尚未"
        "达产者按超过最后观察月计。"),
    ), "months", "down", "cohort"),
    _m("pipeline_coverage", "sales", ("Pipeline coverage", "商机覆盖率"), (
        ("Open pipeline value expected to close in the period ÷ remaining quota (quota of the "
        "period less bookings to date); not shown when the quota is already met."),
        ("预计在期内成交的在途商机金额 ÷ 剩余指标（期内指标减去截至目前的销售额）；指标已完成"
        "时不显示。"),
    ), "ratio", "up", "period",
        numerator=("open pipeline value due in the period", "期内预计成交的在途商机金额"),
        denominator=("remaining quota of the period", "期内剩余指标")),
    _m("complaint_rate", "sales", ("Complaint rate", "客诉率"), (
        ("Complaints in the period ÷ active customers of the rep in the period (customers with at "
        "least one order credited to the rep in the period)."),
        "期内客诉数 ÷ 该销售代表期内的活跃客户数（期内至少有一笔订单计入该销售代表的客户）。",
    ), "ratio", "down", "period",
        numerator=("complaints in the period", "期内客诉数"),
        denominator=("active customers of the rep in the period", "期内活跃客户数")),
    _m("visits", "sales", ("Customer visits", "客户拜访量"), (
        "Number of customer visits logged in the period.",
        "期内记录的客户拜访次数。",
    ), "count", "up", "period"),
    _m("proposal_on_time", "sales", ("On-time proposals", "方案提交及时率"), (
        "Proposals submitted on or before their due date ÷ proposals due in the period.",
        "在截止日期当天或之前提交的方案数 ÷ 期内到期的方案数。",
    ), "ratio", "up", "period",
        numerator=("proposals submitted by their due date", "按期提交的方案数"),
        denominator=("proposals due in the period", "期内到期的方案数")),
    # --- Talent, recruiting, training -------------------------------------------------
    _m("time_to_fill", "talent", ("Time to fill", "招聘周期"), (
        ("Calendar days from requisition opened to offer accepted (SHRM); the group value is the "
        "mean over requisitions whose offer was accepted in the period."),
        ("从招聘需求开启到候选人接受录用的日历天数（SHRM 口径）；分组取值为期内接受录用的招聘"
        "需求的平均值。"),
    ), "days", "down", "period"),
    _m("key_position_fill_rate", "talent", ("Key-position fill rate", "关键岗位人才到位率"), (
        ("Key-position requisitions filled by their target date ÷ key-position requisitions whose "
        "target date falls in the period."),
        "在目标日期前到岗的关键岗位招聘需求数 ÷ 目标日期在期内的关键岗位招聘需求数。",
    ), "ratio", "up", "period",
        numerator=("key-position requisitions filled by their target date", "按期到岗的关键岗位需求数"),
        denominator=("key-position requisitions due in the period", "期内到期的关键岗位需求数")),
    _m("funnel_conversion", "talent", ("Funnel conversion", "招聘转化率"), (
        ("For each stage and channel: applications that reached the stage ÷ applications "
        "received, for applications received in the period, followed to the as-of date."),
        ("按招聘阶段和渠道：到达该阶段的申请数 ÷ 收到的申请数；统计期内收到的申请，跟踪至"
        "统计日。"),
    ), "ratio", "up", "cohort",
        numerator=("applications that reached the stage", "到达该阶段的申请数"),
        denominator=("applications received in the period, by channel", "期内收到的申请数（按渠道）")),
    _m("quality_of_hire", "talent", ("Quality of hire", "招聘质量"), (
        ("By channel or hire cohort, shown as its parts, with no composite score (none is "
        "standard): probation pass rate, 12-month retention, and mean attainment in tenure "
        "months 4–12."),
        ("按渠道或入职批次，分项展示，不合成单一分数（业内没有通用的合成口径）：试用期通过率、"
        "12 个月留存率、第 4–12 个在职月的平均达成率。"),
    ), "table", "up", "cohort"),
    _m("training_completion", "talent", ("Training completion", "培训完成率"), (
        "Completed enrolments ÷ enrolments, for enrolments in the period.",
        "期内报名中已完成的人次 ÷ 期内报名人次。",
    ), "ratio", "up", "period",
        numerator=("completed enrolments", "已完成的报名人次"),
        denominator=("enrolments in the period", "期内报名人次")),
    _m("training_uplift", "talent", ("Training effect", "培训效果"), (
        ("Difference-in-differences of attainment (or of the metric the course targets): "
        "(trained after − before) − (comparable untrained after − before), in the unit of that "
        "metric (percentage points for attainment), with a 95% confidence interval."),
        ("达成率（或课程针对的指标）的双重差分：（受训者培训后 − 培训前）−（可比未受训者同期"
        "后 − 前），单位与该指标相同（达成率为百分点），并给出 95% 置信区间。"),
    ), "score", "up", "cohort"),
    _m("nine_box", "talent", ("9-box", "九宫格"), (
        ("Each person placed by performance (rating 1–2 low, 3 mid, 4–5 high) × potential (1 low, "
        "2 mid, 3 high) from their latest review."),
        ("按最近一次评估，将每人放入绩效（评分 1–2 为低、3 为中、4–5 为高）× 潜力（1 低、2 中、"
        "3 高）的九宫格。"),
    ), "table", "neutral", "person"),
    _m("coaching_list", "talent", ("Needs coaching", "待辅导名单"), (
        ("Reps under target (attainment < 100%, configurable) in each of the last 2 completed "
        "quarters."),
        "最近 2 个完整季度中每个季度均未达标（达成率 < 100%，可配置）的销售代表。",
    ), "list", "neutral", "person"),
    _m("high_potential", "talent", ("High potential", "高潜人才"), (
        ("Reps at or over target (attainment ≥ 100%) in each of the last 3 completed quarters "
        "whose potential is high (3) in their latest review."),
        ("最近 3 个完整季度中每个季度均达标（达成率 ≥ 100%），且最近一次评估潜力为高（3）的"
        "销售代表。"),
    ), "list", "neutral", "person"),
    _m("skill_profile", "talent", ("Skill profile", "员工画像"), (
        ("Per person: latest assessed score (1–5) per skill, training completed, and derived traits "
        "over the last 12 months (KA share, new-customer share of bookings, complaint rate, visits "
        "per month); tier by the mean latest skill score: novice < 2.5 ≤ backbone < 4 ≤ expert."),
        ("按人展示：各项技能的最近评估分（1–5）、已完成的培训，以及近 12 个月的衍生特征"
        "（大客户销售占比、新客户销售占比、客诉率、月均拜访量）；按最近技能分的平均值分层："
        "新手 < 2.5 ≤ 骨干 < 4 ≤ 专家。"),
    ), "table", "neutral", "person"),
    _m("headcount_plan", "talent", ("Headcount plan", "编制计划"), (
        ("Hires needed by month to meet a revenue target, from quota per rep, the measured ramp "
        "curve, attrition, and time to fill (hires are opened that long before they are needed)."),
        ("为达成收入目标每月需要的入职人数，依据人均指标、实测的新人爬坡曲线、离职率和招聘周期"
        "（按招聘周期提前开启招聘）推算。"),
    ), "table", "neutral", "period"),
    # --- Commission (no id table in METRICS.md; see its Commission section) -----------
    _m("commission_payout", "commission", ("Commission payout", "提成金额"), (
        ("Commission earned by a rep for the period under their commission plan: base rates, tiers "
        "by attainment (retroactive or not), accelerators above target, KA uplift, bonuses on "
        "period targets and caps, on bookings or, where the plan says so, on collected cash. A "
        "team's payout is the sum of its reps'."),
        ("销售代表按其提成方案在期内应得的提成：基础费率、按达成率分档（可追溯或不追溯）、超额"
        "加速、大客户加点、期间目标奖金和封顶，按销售额计提，或按方案规定仅按已回款计提。团队"
        "提成为其成员提成之和。"),
    ), "currency", "neutral", "period"),
    _m("cost_of_sales", "commission", ("Cost of sales %", "销售费用率"), (
        "Commission payout ÷ bookings, for the period.",
        "期内提成金额 ÷ 期内销售额。",
    ), "ratio", "down", "period",
        numerator=("commission payout of the period", "期内提成金额"), denominator=_BOOKINGS),
]

REGISTRY: dict[str, Metric] = {m.id: m for m in _METRICS}
if len(REGISTRY) != len(_METRICS):
    raise ValueError("duplicate metric id in the registry")


class UnknownMetricError(ValueError):
    """A metric id that is not in the registry; the message suggests the closest id."""

    def __init__(self, metric_id: str) -> None:
        self.metric_id = metric_id
        close = difflib.get_close_matches(metric_id, list(REGISTRY), n=1)
        self.suggestion = close[0] if close else None
        hint = f" Did you mean '{self.suggestion}'?" if self.suggestion else ""
        super().__init__(
            f"Unknown metric '{metric_id}'.{hint} "
            "Run `python -m analytics metrics --list` for all metric ids."
        )


def get_metric(metric_id: str) -> Metric:
    """The registry entry for ``metric_id``; raises UnknownMetricError (with a suggestion)."""
    try:
        return REGISTRY[metric_id]
    except KeyError:
        raise UnknownMetricError(metric_id) from None


def metrics_in_domain(domain: str) -> list[Metric]:
    """The metrics of one domain, in METRICS.md order; a domain not in DOMAINS raises."""
    if domain not in DOMAINS:
        raise ValueError(f"Unknown domain {domain!r}: expected one of {', '.join(DOMAINS)}.")
    return [m for m in REGISTRY.values() if m.domain == domain]
