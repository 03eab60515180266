"""Joint metrics of issue 21 ("Joint KPIs and values"), in document order: lead conversion, owned by sales and
marketing together, and the values side of the performance reviews. Pure data."""
from __future__ import annotations

from analytics.core.metric import Metric, define

SALES: list[Metric] = [
    define("lead_conversion", "sales", ("Lead conversion", "线索转化率"), (
        ("Leads converted (won: became a customer or an order) within 90 days of their creation ÷ leads created in "
         "the period. Owned jointly by sales and marketing: a marketing team generates the lead, a sales rep "
         "converts it. A lead is placed in the unit its sales owner held on the lead's created date (on the "
         "owner's last day employed for a lead created after it); a lead with no owner counts company-wide only. "
         "It can also be broken down by the marketing team that generated it and by its source (web, event, "
         "partner, campaign, referral). A period with a lead younger than 90 days at the as-of date is maturing: "
         "shown with the conversions so far and compared with the previous period at the same age."),
        ("创建后 90 天内转化（成交：成为客户或订单）的线索数 ÷ 期内创建的线索数。由销售与市场共同负责："
         "市场团队产生线索，销售代表完成转化。线索按其负责销售在线索创建日所属的单元归属（创建日晚于该销售"
         "最后在职日的，按最后在职日所属单元）；没有负责销售的线索只计入全公司。也可按产生线索的市场团队和"
         "线索来源（官网、展会活动、合作伙伴、市场推广、转介绍）细分。截至统计日仍有创建未满 90 天的线索的"
         "期间为“成熟中”：展示截至目前的转化，并只与上一期间同一时长时的数值比较。"),
    ), "ratio", "up", "period",
        numerator=("leads converted within 90 days of creation", "创建后 90 天内转化的线索数"),
        denominator=("leads created in the period", "期内创建的线索数"), owners=("sales", "marketing")),
]

TALENT: list[Metric] = [
    define("values_score", "talent", ("Values score", "价值观得分"), (
        ("Mean, over the performance reviews dated in the period, of each review's values score: the mean of its "
         "three value scores (customer first, teamwork, results; 1–5). Placed where the person sat on the review "
         "date."),
        ("期内评估日期的绩效评估中，每份评估价值观得分（客户第一、团队合作、结果导向三项的平均值，1–5）的"
         "平均值。按员工在评估日期所属的单元归属。"),
    ), "score", "up", "period"),
    define("collaboration_score", "talent", ("Collaboration score", "跨部门协作得分"), (
        ("Mean cross-department collaboration score (1–5) of the performance reviews dated in the period; HR puts "
         "it into both the sales and the marketing side's appraisals. Placed where the person sat on the review "
         "date."),
        ("期内评估日期的绩效评估中跨部门协作得分（1–5）的平均值；人力资源将其纳入销售和市场双方的考核。"
         "按员工在评估日期所属的单元归属。"),
    ), "score", "up", "period"),
    define("review_vetoes", "talent", ("Review vetoes", "一票否决次数"), (
        ("Performance reviews dated in the period that carry a one-vote veto (e.g. grabbing colleagues' orders). "
         "A veto caps the rating that counts at 2 of 5 (the nine-box performance axis at low) and keeps the person "
         "out of the scorecard's top 20% and the high-potential list; the person's latest review decides."),
        ("期内评估日期的绩效评估中带有一票否决（如抢单）的份数。一票否决将计入的绩效等级上限定为 2（满分 5，"
         "九宫格绩效维度为低），且该员工不进入计分卡前 20% 和高潜名单；以其最近一次评估为准。"),
    ), "count", "down", "period"),
]
