"""Sales performance metrics (METRICS.md "Sales performance"), in document order."""
from __future__ import annotations

from analytics.core.metric import Metric, define

_BOOKINGS = ("bookings of the period", "期内销售额")

METRICS: list[Metric] = [
    define("bookings", "sales", ("Bookings", "销售额"), (
        ("Sum of the amounts of orders dated in the period, credited to the order's rep and placed "
        "in the unit the rep held on the order's date (on their last day employed for an order "
        "dated after it). Negative lines are credit notes and reduce the bookings of their own "
        "date, rep and customer. An order with no rep counts company-wide as unassigned and in "
        "no group below the company."),
        ("订单日期在期内的订单金额合计，计入该订单所属销售代表，按其在订单日期所属的组织单元归属"
        "（订单日期晚于其最后在职日的，按最后在职日所属单元）。负数订单行为红字冲销，冲减其本身"
        "日期、销售代表和客户的销售额。没有销售代表的订单只计入全公司（记为未分配），不计入"
        "公司以下的任何分组。"),
    ), "currency", "up", "period"),
    define("quota", "sales", ("Quota", "指标"), (
        ("Sum of the rep's monthly quota rows for the months of the period, each row placed in the unit the "
        "rep held on its month's last day (or last day employed)."),
        "该销售代表期内各月指标的合计，每条月度指标按销售代表在该月最后一天（或最后在职日）所属的单元归属。",
    ), "currency", "neutral", "period"),
    define("attainment", "sales", ("Quota attainment", "指标达成率"), (
        ("Bookings ÷ quota. For a rep: the rep's bookings ÷ the rep's quota. For a team or region: "
        "sum of bookings ÷ sum of quota of the reps in it (not the mean of the reps' rates). Reps "
        "with no quota in the period are excluded from both sums. Quota rows are placed in the "
        "unit the rep held in the quota's month, so a group's attainment is the bookings placed "
        "in it ÷ the quota placed in it. Whether a rep has quota in the period (quota rows adding up "
        "to more than zero) is judged over the whole company, whatever the group or scope; the "
        "bookings and quota of those reps then count where each is placed, so a group can hold "
        "bookings of a rep whose quota for those days is placed in another unit (a rep who moved "
        "during a month). Orders with no rep are in no attainment."),
        ("销售额 ÷ 指标。个人：本人销售额 ÷ 本人指标；团队或区域：其中销售代表的销售额合计 ÷ "
        "指标合计（而非个人达成率的平均值）。期内没有指标的销售代表不计入分子和分母。指标按销售"
        "代表在该指标月份所属的单元归属，因此分组达成率 = 归属该组的销售额 ÷ 归属该组的指标。"
        "销售代表期内是否有指标（各月指标合计大于零）按全公司判断，与分组和查看范围无关；这些"
        "销售代表的销售额和指标再各按其归属计入，因此某分组可能包含某销售代表的销售额，而其对应"
        "天数的指标归属另一单元（月中调动的销售代表）。没有销售代表的订单不计入任何达成率。"),
    ), "ratio", "up", "period",
        numerator=("bookings of the reps with quota", "有指标销售代表的销售额"),
        denominator=("quota of those reps", "这些销售代表的指标")),
    define("reps_at_quota", "sales", ("Reps at quota", "达标人数占比"), (
        ("Of the reps with quota in the period, the share whose attainment is ≥ 100%. Each rep is "
        "measured on all of their bookings and quota in the period and placed in the unit held on "
        "the period's last day (or on their last day employed, if they left during it)."),
        ("期内有指标的销售代表中，达成率 ≥ 100% 的人数占比。每位销售代表按其期内全部销售额和"
        "指标计算，并归属于期末最后一天所在的单元（期内离职的，按最后在职日所在单元）。"),
    ), "ratio", "up", "period",
        numerator=("reps with attainment ≥ 100%", "达成率 ≥ 100% 的销售代表人数"),
        denominator=("reps with quota in the period", "期内有指标的销售代表人数")),
    define("attainment_band", "sales", ("Attainment distribution", "达成率分布"), (
        ("Number of reps with quota in each attainment band: <50%, 50–80%, 80–100%, 100–120%, "
        "≥120% (each band includes its lower bound and excludes its upper bound). Each rep is "
        "measured and placed as for reps at quota: all of their bookings and quota in the period, "
        "in the unit held on the period's last day (or last day employed)."),
        ("有指标的销售代表按达成率分段计数：<50%、50–80%、80–100%、100–120%、≥120%"
        "（各段含下限、不含上限）。每位销售代表的计算和归属与达标人数占比相同：按其期内全部销售额"
        "和指标计算，归属于期末最后一天（或最后在职日）所在的单元。"),
    ), "table", "neutral", "period"),
    define("collection_rate", "sales", ("Collection rate", "回款率"), (
        ("Cash collected within D days of each order's date (default D = 90; configurable) on "
        "orders booked in the period ÷ bookings of the period. A period whose orders are not all "
        "D days old at the as-of date is maturing: shown with the cash so far and compared with "
        "the previous period at the same age. Cash and bookings are placed with their orders, as "
        "for bookings."),
        ("期内订单在各自订单日期后 D 天内（默认 D = 90，可配置）收回的款项 ÷ 期内销售额。截至"
        "统计日仍有订单未满 D 天的期间为“成熟中”：展示截至目前的回款，并只与上一期间同一账龄时"
        "的数值比较。回款和销售额均随其订单归属，与销售额规则相同。"),
    ), "ratio", "up", "period",
        numerator=("cash collected within 90 days of each order's date", "订单日期后 90 天内收回的款项"),
        denominator=_BOOKINGS),
    define("dso", "sales", ("Days sales outstanding", "应收账款周转天数"), (
        ("Receivables at period end ÷ bookings of the period × days in the period. Receivables = "
        "amounts of orders booked up to the period end less the cash collected on them up to the "
        "period end. Receivables and bookings are placed with their orders, as for bookings."),
        ("期末应收账款 ÷ 期内销售额 × 期间天数。应收账款 = 截至期末的订单金额减去截至期末已收回"
        "的款项。应收账款和销售额均随其订单归属，与销售额规则相同。"),
    ), "days", "down", "period",
        numerator=("receivables at period end × days in the period", "期末应收账款 × 期间天数"),
        denominator=_BOOKINGS),
    define("new_customers", "sales", ("New customers", "新客户数"), (
        ("Customers whose first-ever order falls in the period, credited to the rep of that order "
        "and placed where that first order is placed (the unit the rep held on its date). A "
        "customer's first order is their earliest line with a positive amount: a credit note is "
        "never a first order. A first order with no rep counts company-wide as unassigned."),
        ("首笔订单落在期内的客户数，计入该笔订单所属的销售代表，并按该首笔订单的归属单元归属。"
        "客户的首笔订单为其金额为正的最早订单行：红字冲销不算首笔订单。没有销售代表的首笔订单只"
        "计入全公司（记为未分配）。"),
    ), "count", "up", "period"),
    define("repeat_rate", "sales", ("Repeat purchase rate", "老客户复购率"), (
        ("For a group G: of the customers with an order placed in G in the 12 months before the "
        "period starts, the share with an order placed in G in the period (company-wide: any "
        "order). An order here is a line with a positive amount (a credit note is not a purchase); "
        "each customer counts once in a group."),
        ("对分组 G：期间开始前 12 个月内有归属 G 的订单的客户中，期内再次有归属 G 的订单的客户"
        "占比（全公司：任意订单）。此处订单指金额为正的订单行（红字冲销不算购买）；每个客户在"
        "一个分组中只计一次。"),
    ), "ratio", "up", "period",
        numerator=("of those, customers who order in the period", "其中期内再次下单的客户数"),
        denominator=("customers who ordered in the 12 months before the period", "期间开始前 12 个月内下过单的客户数")),
    define("ka_share", "sales", ("KA share of bookings", "大客户销售占比"), (
        ("Bookings from KA-tier customers ÷ bookings, in the period, both placed as for bookings "
        "(a credit note reduces the KA bookings of its customer)."),
        ("期内 KA（大客户）级别客户的销售额 ÷ 期内销售额，两者均按销售额规则归属（红字冲销冲减"
        "其客户的 KA 销售额）。"),
    ), "ratio", "neutral", "period",
        numerator=("bookings from KA-tier customers", "KA 客户销售额"), denominator=_BOOKINGS),
    define("revenue_per_head", "sales", ("Revenue per head", "人均效能"), (
        ("Bookings of the period ÷ average sales headcount of the period (everyone in sales roles, "
        "ramping reps included). For the period, not annualised."),
        ("期内销售额 ÷ 期内销售人员平均人数（所有销售岗位人员，包括爬坡期新人）。按期间计算，"
        "不做年化。"),
    ), "currency", "up", "period",
        numerator=_BOOKINGS,
        denominator=("average sales headcount (ramping reps included)", "销售人员平均人数（含爬坡期新人）")),
    define("ramp_curve", "sales", ("Ramp curve", "新人爬坡曲线"), (
        ("For each hire cohort, the mean over its reps of attainment in tenure month k (k = 1 is "
        "the calendar month of the hire date); reps with no quota in a month are left out of "
        "that month."),
        ("按入职批次，计算批次内销售代表在第 k 个在职月的平均达成率（第 1 个月为入职日期所在的"
        "自然月）；某月没有指标的销售代表不计入该月。"),
    ), "curve", "up", "curve"),
    define("time_to_productivity", "sales", ("Time to productivity", "达产周期"), (
        ("Per rep: the first tenure month m from which the rolling 3-month attainment (bookings ÷ "
        "quota over months m−2 to m) stays ≥ 80% (threshold configurable) in every later month. "
        "A hire cohort shows the median over its reps; reps not yet productive count as beyond "
        "the last observed month."),
        ("按人计算：滚动 3 个月达成率（第 m−2 至 m 月的销售额 ÷ 指标）自该在职月 m 起此后各月"
        "均保持 ≥ 80%（阈值可配置）的第一个在职月 m。入职批次取批次内销售代表的中位数；尚未"
        "达产者按超过最后观察月计。"),
    ), "months", "down", "cohort"),
    define("pipeline_coverage", "sales", ("Pipeline coverage", "商机覆盖率"), (
        ("Open pipeline value expected to close in the period ÷ remaining quota (quota of the "
        "period less bookings to date, per rep and never below zero); not shown when the quota is "
        "already met. Measured per rep on all of the rep's pipeline, quota and bookings of the "
        "period, the rep placed in the unit held on the period's last day (or last day employed)."),
        ("预计在期内成交的在途商机金额 ÷ 剩余指标（期内指标减去截至目前的销售额，按人计算且不低于"
        "零）；指标已完成时不显示。按人计算销售代表期内的全部商机、指标和销售额，归属于期末最后"
        "一天（或最后在职日）所在的单元。"),
    ), "ratio", "up", "period",
        numerator=("open pipeline value due in the period", "期内预计成交的在途商机金额"),
        denominator=("remaining quota of the period", "期内剩余指标")),
    define("complaint_rate", "sales", ("Complaint rate", "客诉率"), (
        ("Complaints in the period ÷ active customers of the rep in the period (customers with at "
        "least one order credited to the rep in the period). Each complaint is placed in the unit "
        "its rep held on its date, each customer–rep pair where its orders are placed; "
        "company-wide, complaints and orders with no rep count too (as unassigned)."),
        ("期内客诉数 ÷ 该销售代表期内的活跃客户数（期内至少有一笔订单计入该销售代表的客户）。"
        "每条客诉按其销售代表在客诉日期所属的单元归属，每个客户与销售代表的组合按其订单归属；"
        "全公司口径下，没有销售代表的客诉和订单也计入（记为未分配）。"),
    ), "ratio", "down", "period",
        numerator=("complaints in the period", "期内客诉数"),
        denominator=("active customers of the rep in the period", "期内活跃客户数")),
    define("visits", "sales", ("Customer visits", "客户拜访量"), (
        ("Number of customer visits logged in the period, each placed in the unit its rep held on "
        "the visit's date."),
        "期内记录的客户拜访次数，每次拜访按销售代表在拜访当天所属的单元归属。",
    ), "count", "up", "period"),
    define("proposal_on_time", "sales", ("On-time proposals", "方案提交及时率"), (
        ("Proposals submitted on or before their due date ÷ proposals due in the period, each "
        "proposal placed in the unit its rep held on its due date."),
        "在截止日期当天或之前提交的方案数 ÷ 期内到期的方案数，每份方案按销售代表在截止日期所属的单元归属。",
    ), "ratio", "up", "period",
        numerator=("proposals submitted by their due date", "按期提交的方案数"),
        denominator=("proposals due in the period", "期内到期的方案数")),
]
