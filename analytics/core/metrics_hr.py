"""Headcount and attrition metrics (METRICS.md "Headcount and attrition (HR)"), in document order."""
from __future__ import annotations

from analytics.core.metric import Metric, define

_AVG_HC = ("average headcount of the period", "期内平均人数")

METRICS: list[Metric] = [
    define("headcount_start", "hr", ("Headcount (start)", "期初人数"), (
        ("Headcount on the first day of the period: people employed that day (hire date ≤ day ≤ "
        "last day, or no last day yet), placed in the org unit they were assigned to "
        "that day."),
        ("期间第一天的在职人数：当天在职（入职日期 ≤ 当天 ≤ 离职日期，或尚未离职）的人员，"
        "按其当天所属的组织单元归属。"),
    ), "count", "neutral", "period"),
    define("headcount_end", "hr", ("Headcount (end)", "期末人数"), (
        ("Headcount on the last day of the period: people employed that day (hire date ≤ day ≤ "
        "last day, or no last day yet), placed in the org unit they were assigned to "
        "that day."),
        ("期间最后一天的在职人数：当天在职（入职日期 ≤ 当天 ≤ 离职日期，或尚未离职）的人员，"
        "按其当天所属的组织单元归属。"),
    ), "count", "neutral", "period"),
    define("headcount_avg", "hr", ("Average headcount", "平均人数"), (
        ("For a month: (headcount on its first day + headcount on its last day) ÷ 2. For a longer "
        "period: the mean of its months' averages (SHRM)."),
        ("单月：（月初第一天在职人数 + 月末最后一天在职人数）÷ 2；更长的期间：取各月平均人数的"
        "均值（SHRM 口径）。"),
    ), "count", "neutral", "period"),
    define("hires", "hr", ("Hires", "入职人数"), (
        ("People whose hire date falls in the period, placed in the org unit they were assigned "
        "to on their hire date."),
        "入职日期在期内的人数，按入职当天所属的组织单元归属。",
    ), "count", "neutral", "period"),
    define("exits", "hr", ("Exits", "离职人数"), (
        ("People whose last day employed falls in the period, of any exit "
        "type, placed in the org unit they held on that day."),
        "离职日期（最后在职日）在期内的人数，含各类离职，按离职当天所属的组织单元归属。",
    ), "count", "down", "period"),
    define("exits_voluntary", "hr", ("Voluntary exits", "主动离职人数"), (
        ("Exits of exit type voluntary in the period, placed in the org unit held on the last day "
        "employed."),
        "期内主动离职的人数，按最后在职日所属的组织单元归属。",
    ), "count", "down", "period"),
    define("exits_involuntary", "hr", ("Involuntary exits", "被动离职人数"), (
        ("Exits of exit type involuntary in the period, placed in the org unit held on the last day "
        "employed."),
        "期内被动离职的人数，按最后在职日所属的组织单元归属。",
    ), "count", "neutral", "period"),
    define("exits_other", "hr", ("Other exits", "其他离职人数"), (
        ("Exits of exit type other in the period — retirement, death, end of a fixed-term contract — "
        "placed in the org unit held on the last day employed. They count in exits and the "
        "attrition rate, in neither the voluntary nor the involuntary rate."),
        ("期内其他类型离职（退休、身故、固定期限合同到期）的人数，按最后在职日所属的组织单元归属。"
        "计入离职人数和离职率，不计入主动或被动离职率。"),
    ), "count", "neutral", "period"),
    define("attrition_rate", "hr", ("Attrition rate", "离职率"), (
        "Exits in the period ÷ average headcount of the period (SHRM). Not annualised.",
        "期内离职人数 ÷ 期内平均人数（SHRM 口径），不做年化。",
    ), "ratio", "down", "period",
        numerator=("exits in the period", "期内离职人数"), denominator=_AVG_HC),
    define("attrition_rate_ttm", "hr", ("Attrition, trailing 12 months", "滚动12个月离职率"), (
        ("For month m: exits in the 12 months ending with month m ÷ the mean of those 12 months' "
        "average headcounts."),
        "对月份 m：截至 m 月（含）的最近 12 个月离职人数 ÷ 这 12 个月各月平均人数的均值。",
    ), "ratio", "down", "period",
        numerator=("exits in the 12 months ending with month m", "截至 m 月的最近 12 个月离职人数"),
        denominator=("mean of those 12 months' average headcounts", "这 12 个月各月平均人数的均值")),
    define("attrition_rate_annualised", "hr", ("Annualised attrition", "年化离职率"), (
        ("Period attrition rate × 12 ÷ months in the period: a month ×12, a quarter ×4, a full year "
        "×1, year to date ×12 ÷ months elapsed (months of the period begun by the as-of date; "
        "a period not complete at the as-of date is marked partial). Always labelled annualised."),
        ("期间离职率 × 12 ÷ 期间月数：单月 ×12，季度 ×4，整年 ×1，年初至今 ×12 ÷ 已过月数"
        "（截至统计日已开始的月份数；统计日时尚未结束的期间标注为“不完整”）。始终标注为年化值。"),
    ), "ratio", "down", "period",
        numerator=("exits in the period × 12 ÷ months in the period", "期内离职人数 × 12 ÷ 期间月数"),
        denominator=_AVG_HC),
    define("attrition_voluntary", "hr", ("Voluntary attrition", "主动离职率"), (
        ("Exits of exit type voluntary in the period ÷ average headcount of the period (the same "
        "denominator as the attrition rate). Retirements and deaths are exit type 'other' and "
        "count as neither voluntary nor involuntary."),
        ("期内主动离职人数 ÷ 期内平均人数（与离职率相同的分母）。退休和身故归为“其他”离职，"
        "既不计入主动离职，也不计入被动离职。"),
    ), "ratio", "down", "period",
        numerator=("voluntary exits in the period", "期内主动离职人数"), denominator=_AVG_HC),
    define("attrition_involuntary", "hr", ("Involuntary attrition", "被动离职率"), (
        ("Exits of exit type involuntary in the period ÷ average headcount of the period (the same "
        "denominator as the attrition rate). Retirements and deaths are exit type 'other' and "
        "count as neither voluntary nor involuntary."),
        ("期内被动离职人数 ÷ 期内平均人数（与离职率相同的分母）。退休和身故归为“其他”离职，"
        "既不计入主动离职，也不计入被动离职。"),
    ), "ratio", "down", "period",
        numerator=("involuntary exits in the period", "期内被动离职人数"), denominator=_AVG_HC),
    define("attrition_regretted", "hr", ("Regretted attrition", "惋惜离职率"), (
        "Exits flagged regretted in the period ÷ average headcount of the period.",
        "期内被标记为惋惜离职的人数 ÷ 期内平均人数。",
    ), "ratio", "down", "period",
        numerator=("exits flagged regretted in the period", "期内惋惜离职人数"), denominator=_AVG_HC),
    define("probation_exit_rate", "hr", ("Probation attrition", "试用期离职率"), (
        ("Cohort measure: of the people hired in the cohort window, the share who left within "
        "their probation (last day before hire date + the person's probation months, "
        "default 3). A cohort in which someone's probation has not fully elapsed at the as-of "
        "date is marked partial."),
        ("按入职批次计算：在批次窗口内入职的人员中，在试用期内离职（离职日期早于入职日期 + "
        "本人试用期月数，默认 3 个月）的比例。截至统计日仍有人试用期未满的批次标注为“不完整”。"),
    ), "ratio", "down", "cohort",
        numerator=("people of the cohort who left within probation", "该批次中在试用期内离职的人数"),
        denominator=("people hired in the cohort window", "批次窗口内入职的人数")),
    define("first_year_exit_rate", "hr", ("First-year attrition", "一年内离职率"), (
        ("Cohort measure: of the people hired in the cohort window, the share who left within 365 "
        "days of hire (last day before hire date + 365 days). A cohort in which someone "
        "has not yet reached 365 days at the as-of date is marked partial."),
        ("按入职批次计算：在批次窗口内入职的人员中，入职 365 天内离职（离职日期早于入职日期 + "
        "365 天）的比例。截至统计日仍有人入职未满 365 天的批次标注为“不完整”。"),
    ), "ratio", "down", "cohort",
        numerator=("people of the cohort who left within 365 days", "该批次中入职 365 天内离职的人数"),
        denominator=("people hired in the cohort window", "批次窗口内入职的人数")),
    define("probation_share_of_exits", "hr", ("Share of exits in probation", "试用期离职占比"), (
        ("Exits in the period whose tenure is within probation (last day before hire date "
        "+ the person's probation months, default 3) ÷ all exits in the period."),
        ("期内离职人员中，在试用期内离职（离职日期早于入职日期 + 本人试用期月数，默认 3 个月）"
        "的人数 ÷ 期内全部离职人数。"),
    ), "ratio", "down", "period",
        numerator=("exits in the period within probation", "期内试用期内离职人数"),
        denominator=("all exits in the period", "期内全部离职人数")),
    define("retention_curve", "hr", ("Retention curve", "留存曲线"), (
        ("Kaplan–Meier survival S(t) over tenure in days, for people employed at any time in the "
        "window (default: the 3 years ending with the selected period; configurable). Event = exit "
        "(any exit, or voluntary exits only with other exits censored on their exit day); people "
        "still employed are censored at the window's end or the as-of date, whichever is earlier; "
        "people hired before the window start enter at their tenure on that day (left truncation). "
        "By any HR grouping. 95% confidence band by Greenwood's formula."),
        ("按在职天数计算的 Kaplan–Meier 生存函数 S(t)，对象为窗口内任一时刻在职的人员（默认："
        "截至所选期间的 3 年，可配置）。事件为离职（全部离职，或仅主动离职，此时其他离职在离职"
        "当日删失）；仍在职者在窗口结束日或统计日（取较早者）删失；窗口开始前入职的人员自其当日"
        "的在职天数起进入（左截断）。可按任一人力维度分组。95% 置信带采用 Greenwood 公式。"),
    ), "curve", "up", "curve"),
    define("median_tenure", "hr", ("Median tenure", "中位在职时长"), (
        ("The smallest tenure t (days) at which the retention curve S(t) falls to 0.5 or below; "
        "shown as 'not reached' (more than the longest observed tenure) when S(t) stays above 0.5."),
        ("留存曲线 S(t) 首次降至 0.5 及以下时的在职天数 t；若 S(t) 始终高于 0.5，则显示为"
        "“未达到”（超过观察到的最长在职时长）。"),
    ), "days", "up", "cohort"),
    define("flight_risk", "hr", ("Flight risk", "离职风险"), (
        ("Calibrated probability that a person employed at the as-of date leaves within the next "
        "N months (default 6), from one model fitted on the whole company's history and validated "
        "on past periods. A person's score and drivers are the same whoever looks; a viewer sees "
        "the people in their scope, and drivers only from fields that viewer may see."),
        ("统计日在职人员在未来 N 个月内（默认 6 个月）离职的校准概率，由基于全公司历史数据拟合、"
        "并经过历史期间验证的同一个模型给出。同一人的得分和影响因素对任何查看者都相同；查看者"
        "只能看到其范围内的人员，且只能看到其有权查看的字段所形成的影响因素。"),
    ), "probability", "down", "person"),
]
