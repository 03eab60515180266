"""Talent, recruiting and training metrics, then commission (METRICS.md), in document order."""
from __future__ import annotations

from analytics.core.metric import Metric, define

_BOOKINGS = ("bookings of the period", "期内销售额")

METRICS: list[Metric] = [
    define("time_to_fill", "talent", ("Time to fill", "招聘周期"), (
        ("Calendar days from requisition opened to offer accepted (SHRM); the group value is the "
        "mean over requisitions whose offer was accepted in the period."),
        ("从招聘需求开启到候选人接受录用的日历天数（SHRM 口径）；分组取值为期内接受录用的招聘"
        "需求的平均值。"),
    ), "days", "down", "period"),
    define("key_position_fill_rate", "talent", ("Key-position fill rate", "关键岗位人才到位率"), (
        ("Key-position requisitions filled by their target date ÷ key-position requisitions whose "
        "target date falls in the period."),
        "在目标日期前到岗的关键岗位招聘需求数 ÷ 目标日期在期内的关键岗位招聘需求数。",
    ), "ratio", "up", "period",
        numerator=("key-position requisitions filled by their target date", "按期到岗的关键岗位需求数"),
        denominator=("key-position requisitions due in the period", "期内到期的关键岗位需求数")),
    define("funnel_conversion", "talent", ("Funnel conversion", "招聘转化率"), (
        ("For each stage and channel: applications that reached the stage ÷ applications "
        "received, for applications received in the period, followed to the as-of date."),
        ("按招聘阶段和渠道：到达该阶段的申请数 ÷ 收到的申请数；统计期内收到的申请，跟踪至"
        "统计日。"),
    ), "ratio", "up", "cohort",
        numerator=("applications that reached the stage", "到达该阶段的申请数"),
        denominator=("applications received in the period, by channel", "期内收到的申请数（按渠道）")),
    define("quality_of_hire", "talent", ("Quality of hire", "招聘质量"), (
        ("By channel or hire cohort, shown as its parts, with no composite score (none is "
        "standard): probation pass rate, 12-month retention, and mean attainment in tenure "
        "months 4–12."),
        ("按渠道或入职批次，分项展示，不合成单一分数（业内没有通用的合成口径）：试用期通过率、"
        "12 个月留存率、第 4–12 个在职月的平均达成率。"),
    ), "table", "up", "cohort"),
    define("training_completion", "talent", ("Training completion", "培训完成率"), (
        "Completed enrolments ÷ enrolments, for enrolments in the period.",
        "期内报名中已完成的人次 ÷ 期内报名人次。",
    ), "ratio", "up", "period",
        numerator=("completed enrolments", "已完成的报名人次"),
        denominator=("enrolments in the period", "期内报名人次")),
    define("training_uplift", "talent", ("Training effect", "培训效果"), (
        ("Difference-in-differences of attainment (or of the metric the course targets): "
        "(trained after − before) − (comparable untrained after − before), in the unit of that "
        "metric (percentage points for attainment), with a 95% confidence interval."),
        ("达成率（或课程针对的指标）的双重差分：（受训者培训后 − 培训前）−（可比未受训者同期"
        "后 − 前），单位与该指标相同（达成率为百分点），并给出 95% 置信区间。"),
    ), "score", "up", "cohort"),
    define("nine_box", "talent", ("9-box", "九宫格"), (
        ("Each person placed by performance (rating 1–2 low, 3 mid, 4–5 high) × potential (1 low, "
        "2 mid, 3 high) from their latest review."),
        ("按最近一次评估，将每人放入绩效（评分 1–2 为低、3 为中、4–5 为高）× 潜力（1 低、2 中、"
        "3 高）的九宫格。"),
    ), "table", "neutral", "person"),
    define("coaching_list", "talent", ("Needs coaching", "待辅导名单"), (
        ("Reps under target (attainment < 100%, configurable in one place that every page, list, "
        "alert and action item reads) in each of the last 2 completed quarters."),
        ("最近 2 个完整季度中每个季度均未达标（达成率 < 100%，在唯一一处配置，所有页面、名单、"
        "预警和行动项都读取该配置）的销售代表。"),
    ), "list", "neutral", "person"),
    define("high_potential", "talent", ("High potential", "高潜人才"), (
        ("Reps at or over target (attainment ≥ 100%) in each of the last 3 completed quarters "
        "whose potential is high (3) in their latest review."),
        ("最近 3 个完整季度中每个季度均达标（达成率 ≥ 100%），且最近一次评估潜力为高（3）的"
        "销售代表。"),
    ), "list", "neutral", "person"),
    define("skill_profile", "talent", ("Skill profile", "员工画像"), (
        ("Per person: latest assessed score (1–5) per skill, training completed, and derived traits "
        "over the last 12 months (KA share, new-customer share of bookings, complaint rate, visits "
        "per month); tier by the mean latest skill score: Novice < 2.5 ≤ Backbone < 4 ≤ Expert."),
        ("按人展示：各项技能的最近评估分（1–5）、已完成的培训，以及近 12 个月的衍生特征"
        "（大客户销售占比、新客户销售占比、客诉率、月均拜访量）；按最近技能分的平均值分层："
        "新手 < 2.5 ≤ 骨干 < 4 ≤ 专家。"),
    ), "table", "neutral", "person"),
    define("headcount_plan", "talent", ("Headcount plan", "编制计划"), (
        ("Hires needed by month to meet a revenue target, from quota per rep, the measured ramp "
        "curve, attrition, and time to fill (hires are opened that long before they are needed)."),
        ("为达成收入目标每月需要的入职人数，依据人均指标、实测的新人爬坡曲线、离职率和招聘周期"
        "（按招聘周期提前开启招聘）推算。"),
    ), "table", "neutral", "period"),
    define("attainment_vs_team", "talent", ("Attainment against the team", "与团队对比的达成率"), (
        ("Per person and completed quarter (the last 8): all of the rep's bookings ÷ quota of the quarter, the rep "
        "placed where they sat on its last day, beside the median of the same attainment over the reps with "
        "quota of that team (growth archive)."),
        ("按人、按完整季度（最近 8 个）：该销售在季度内的全部销售额 ÷ 季度配额，按季度最后一天所在团队归属，"
        "并列出该团队有配额销售的同口径达成率中位数（成长档案）。"),
    ), "table", "neutral", "person"),
    define("ramp_vs_cohort", "talent", ("Ramp against the cohort", "爬坡期同批次对比"), (
        ("Per person: bookings ÷ quota in each of tenure months 1–12 (month 1 = the calendar month of hire), "
        "beside the mean of the same over the reps of the same role hired the same calendar year, in the "
        "viewer's scope."),
        ("按人：入职第 1–12 个司龄月（第 1 月 = 入职当月）每月的销售额 ÷ 配额，并列出查看者范围内同岗位、"
        "同年入职销售的同口径均值。"),
    ), "table", "neutral", "person"),
    define("skills_year_on_year", "talent", ("Skills now and a year ago", "技能同比"), (
        ("Per person and skill: the latest valid assessed score (1–5) on the as-of date and on the same day "
        "a year before, beside the role's required score."),
        "按人、按技能：统计日及一年前同日的最近有效评估分（1–5），并列出岗位要求分。",
    ), "table", "neutral", "person"),
    define("development_plan", "talent", ("Development plan", "发展计划"), (
        ("Per person: the items the sales director and HR agreed (owner, due date, status: open, in progress, "
        "done, dropped) and the career aim; an item is overdue while open past its due date."),
        ("按人：销售总监与人力资源商定的发展事项（负责人、截止日期、状态：未开始、进行中、已完成、已取消）及职业"
        "目标；未关闭且超过截止日期的事项为逾期。"),
    ), "list", "neutral", "person"),
    define("improvement_plans", "talent", ("Improvement plans", "改进计划"), (
        ("Per plan opened for a rep under target: cause (skills, attitude, territory, other), actions (training, "
        "mentor, another post), review date (overdue while open past it) and the outcome computed from the facts: "
        "left, else moved (another role or unit), else recovered (at target in each of the 2 quarters after the "
        "one it was opened in), else not recovered; pending until those quarters are complete."),
        ("每个为未达标销售开启的计划：原因（技能、态度、区域、其他）、措施（培训、导师、调岗）、复盘日期（未关闭且"
        "超过复盘日期为逾期），以及按事实计算的结果：离职；否则调岗（换岗位或部门）；否则恢复（开启季度之后的 2 个"
        "季度均达标）；否则未恢复；在这两个季度结束前为进行中。"),
    ), "list", "neutral", "person"),
    define("plan_recovery_rate", "talent", ("Recovery with a plan", "计划恢复率"), (
        ("Plans whose rep recovered (at target in each of the 2 quarters after the plan's quarter) ÷ plans decided "
        "(those quarters complete, or the rep moved or left), by cause or by action."),
        ("按原因或措施：恢复的计划数（计划所在季度之后 2 个季度均达标）÷ 已有结论的计划数（这两个季度已结束，"
        "或已调岗、离职）。"),
    ), "ratio", "up", "cohort",
        numerator=("plans whose rep recovered", "恢复的计划数"),
        denominator=("plans decided", "已有结论的计划数")),
    define("plan_effect", "talent", ("Effect of a plan", "计划效果"), (
        ("Recovery rate of reps with a plan (opened within 120 days of their second quarter under target) minus "
        "that of the most similar reps without one (nearest on the 2 quarters' attainment, same quarter where "
        "possible, no plan within 365 days), in percentage points, with a 95% bootstrap interval."),
        ("有计划销售（第二个未达标季度结束后 120 天内开启计划）的恢复率减去最相似的无计划销售（两个季度达成率最接近，"
        "尽量同一季度，365 天内无计划）的恢复率，单位为百分点，并给出 95% 自助法区间。"),
    ), "score", "up", "cohort"),
    define("time_to_plan", "talent", ("Time to a plan", "开启计划用时"), (
        ("Days from the end of a rep's second quarter under target to the day an improvement plan was opened; the "
        "median."),
        "从销售第二个未达标季度结束到开启改进计划的天数；取中位数。",
    ), "days", "down", "cohort"),
    define("care_signals", "talent", ("Care signals", "关怀信号"), (
        ("Per person in scope: the care rules of data/care.toml whose test holds at the end of the month — overtime, "
        "leave or travel days above the team's 90th percentile (and a floor) in each of the last 3 months, the "
        "engagement score 0.5 points or more below the survey before, an assistance-programme referral in the last "
        "3 months (named to the HR head only) — with the month the run began and the actions recorded since."),
        ("按人：月末满足 data/care.toml 中关怀规则的情况——最近 3 个月每月的加班、请假或出差天数均高于团队第 90 "
        "百分位（且不低于下限）；敬业度得分比上一次调研低 0.5 分及以上；最近 3 个月内被转介到员工援助计划（姓名"
        "仅对人力资源负责人显示）——以及信号开始的月份和此后记录的措施。"),
    ), "list", "neutral", "person"),
    define("care_exit_link", "talent", ("Care signals and exits", "关怀信号与离职"), (
        ("Per care rule, on every month end with 6 months to follow: the share of people with the signal on who "
        "left within 6 months ÷ the share of the others, with a 95% interval from resampling people; no ratio "
        "with fewer than 10 leavers with the signal."),
        ("按关怀规则，在之后还有 6 个月可观察的每个月末：有该信号的员工 6 个月内离职的比例 ÷ 其他员工的比例，"
        "并给出按人重抽样的 95% 区间；有信号的离职者少于 10 人时不给出倍数。"),
    ), "score", "neutral", "cohort"),
    define("hiring_success_profile", "talent", ("Success profile for hiring", "招聘成功画像"), (
        ("Per role: the weight of each trait known at hiring (channel, years of experience, same industry, education, "
        "the sales aptitude test 0–100, the interview 1–5, job level) in a logistic regression of passing probation "
        "(as odds ratios per SD or against the most common level) and a ridge regression of attainment in tenure "
        "months 4–12 (bookings ÷ quota, reps with quota), each with a 95% bootstrap interval; validated out of time: "
        "fitted on the earliest 60% of the hires with a known outcome, scored on the later ones (ROC AUC and Brier "
        "against the base rate; rank correlation and R²). Gender, age, marital status and ethnicity are never inputs."),
        ("按岗位：录用时已知的各项特征（渠道、工作年限、同行业经验、学历、0–100 分的销售能力测评、1–5 分的面试评分、"
        "职级）在试用期通过的逻辑回归中的权重（每个标准差或相对最常见取值的几率比），以及在入职第 4–12 个月达成率"
        "（销售额 ÷ 指标，仅限有指标的销售）的岭回归中的权重，各附 95% 自助法区间；按时间外样本检验：用结果已知的"
        "最早 60% 入职者拟合，在较晚的入职者上评估（ROC AUC 及相对基础通过率的 Brier 分数；秩相关与 R²）。性别、"
        "年龄、婚姻状况和民族从不作为输入。"),
    ), "table", "neutral", "cohort"),
    define("hiring_fit_score", "talent", ("Fit score", "匹配分"), (
        ("Per open application (no acceptance, to a requisition still open at the as-of date): 100 × the mean of two "
        "percentiles among the role's past hires — of the predicted probability of passing probation and of the "
        "predicted attainment in months 4–12 — from the success profile's models (the probation one alone for a role "
        "without quota); 50 = a typical past hire."),
        ("按在途应聘（尚未接受录用，且所属招聘需求在截止日期仍开放）：100 × 两个百分位的平均值——在该岗位以往入职者中，"
        "成功画像模型预测的试用期通过概率和第 4–12 个月达成率的百分位（不承担指标的岗位只用试用期模型）；50 相当于"
        "一名典型的以往入职者。"),
    ), "score", "up", "person"),
    define("commission_payout", "commission", ("Commission payout", "提成金额"), (
        ("Commission earned by a rep for the period under their commission plan: base rates, tiers "
        "by attainment (retroactive or not), accelerators above target, KA uplift, bonuses on "
        "period targets and caps, on bookings or, where the plan says so, on collected cash. A "
        "team's payout is the sum of its reps'."),
        ("销售代表按其提成方案在期内应得的提成：基础费率、按达成率分档（可追溯或不追溯）、超额"
        "加速、大客户加点、期间目标奖金和封顶，按销售额计提，或按方案规定仅按已回款计提。团队"
        "提成为其成员提成之和。"),
    ), "currency", "neutral", "period"),
    define("cost_of_sales", "commission", ("Cost of sales %", "销售费用率"), (
        "Commission payout ÷ bookings, for the period.",
        "期内提成金额 ÷ 期内销售额。",
    ), "ratio", "down", "period",
        numerator=("commission payout of the period", "期内提成金额"), denominator=_BOOKINGS),
]
