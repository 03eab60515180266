"""Registry entries of the green channel (data/alerts.toml): the lists its rules watch that no other page names,
and how fast alerts are answered. Pure data."""
from __future__ import annotations

from analytics.core.metric import Metric, define

HR: list[Metric] = [
    define("key_vacancies_past_target", "hr", ("Key vacancies past target date", "逾期未补的关键岗位"), (
        ("Per requisition in scope: key-position requisitions opened by the as-of date, neither filled nor "
         "cancelled by then, whose target date has passed; with the days past it."),
        "按招聘需求：截至统计日已开启、尚未补缺或取消、且已过目标日期的关键岗位招聘需求，以及逾期天数。",
    ), "list", "neutral", "person"),
    define("urgent_requests", "hr", ("Urgent requests from Sales", "销售紧急需求"), (
        ("Per request: an urgent need a sales director filed for a team in scope (people short for a project, "
         "morale after a complaint, other), with its due time; each becomes an alert owned by HR."),
        ("按需求：销售总监为其范围内团队提交的紧急需求（项目缺人、投诉后士气受挫、其他）及其截止时间；"
         "每条需求都会成为由人力资源负责的预警。"),
    ), "list", "neutral", "person"),
    define("alert_response_24h", "hr", ("Alerts answered in time", "预警按时响应率"), (
        ("Alerts raised in the period (by the time raised) whose response time (24 hours unless the rule says "
         "otherwise; an urgent request: until its due time) has run out or that were acknowledged: the share "
         "acknowledged within it. Alerts still inside their response time and not yet acknowledged are not "
         "counted yet. Grouped by the region and team the alert belongs to; an alert of the whole company (or, by "
         "team, of a whole region) counts in the total only."),
        ("期内（按触发时间）触发、且响应时限（默认 24 小时，以规则为准；紧急需求为其截止时间）已过或已被确认的"
         "预警中，在时限内确认的比例。仍在响应时限内且尚未确认的预警暂不计入。按预警所属区域和团队分组；"
         "全公司层面的预警（按团队分组时，整个区域的预警）只计入总数。"),
    ), "ratio", "up", "period",
        numerator=("alerts acknowledged within their response time", "在时限内确认的预警数"),
        denominator=("alerts raised whose response time ran out or that were acknowledged",
                     "响应时限已过或已确认的预警数")),
]

SALES: list[Metric] = [
    define("ka_without_backup", "sales", ("Key accounts without a backup", "无备份人选的大客户"), (
        ("Per KA account in scope: accounts whose owner has left, has a termination date (gave notice) or is "
         "missing, and for which the continuity plan finds no skill-matched backup rep with a free KA slot."),
        ("按大客户：负责人已离职、已确定离职日期（已提出离职）或缺失，且连续性方案中找不到技能匹配、"
         "尚有大客户名额的备份销售的客户。"),
    ), "list", "neutral", "person"),
]
