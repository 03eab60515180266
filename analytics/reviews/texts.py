"""The words of the joint reviews, in English and Chinese: titles, takeaway sentences, definitions and
table headers of every item. ``tx(key, lang, **values)`` fills one in.
"""
from __future__ import annotations

TEXT = {
    "en": {
        "title.monthly": "Monthly coordination meeting {label}",
        "title.quarterly": "Quarterly strategy meeting {label}",
        "scope.all": "Whole company", "scope.aggregate": "aggregates only",
        "up": "up {d} on {prev}", "down": "down {d} on {prev}", "flat": "unchanged on {prev}",
        "nocomp": "no comparison with {prev}",
        "sales.title": "Sales against target",
        "sales.take": ("Attainment {att} in {label}, {change}; bookings {bookings} against a quota of {quota}; "
                       "{coll} of the period's bookings collected."),
        "sales.leads": "Lead conversion {lead}, {change} — {owners}.",
        "rec.title": "Recruiting progress",
        "rec.take": ("{opened} opened and {filled} filled in {label}; {open} open at the period end, "
                     "{past} past their target date ({n_key} key positions)."),
        "rec.def": ("Requisitions opened / filled: opened or filled (offer accepted) in the period. Open: "
                    "opened by the period end (or the as-of date) and neither filled nor cancelled by then. Past "
                    "target date: open with a target date before that day."),
        "rec.opened": "Opened", "rec.filled": "Filled", "rec.open": "Open", "rec.past": "Past target date",
        "rec.key_past": "Key positions past target", "region": "Region",
        "train.title": "Training done",
        "train.take": "{done} course enrolments completed in {label} ({started} started); {top}mean score gain {gain}.",
        "train.top": "most completed: {course} ({n}); ", "train.none": "No course enrolment was completed in {label}.",
        "train.def": ("Completed: enrolments completed in the period, placed in the org unit the "
                      "person held that day. Score gain: post-test minus pre-test score (0–100), where both exist."),
        "train.course": "Course", "train.done": "Completed", "train.gain": "Mean score gain",
        "attr.title": "Attrition and probation exits",
        "attr.take": ("{exits} in {label}, {prob} of them in probation; trailing-12-month attrition {ttm}, "
                      "{change}."),
        "alerts.title": "Alerts",
        "alerts.take": ("{risk} at high flight risk (probability ≥ {thr} within 6 months), {past} "
                        "past their target date, {coach} {rule}."),
        "alerts.def": "High flight risk: at least twice the average probability of the people in scope.",
        "alerts.kind": "Alert", "alerts.count": "People or seats", "alerts.name": "Name", "alerts.detail": "Detail",
        "alerts.risk": "High flight risk", "alerts.vacancy": "Vacancy past target date",
        "alerts.coach": "Needs coaching ({rule})",
        "list.cut": ("The table shows the first {shown} of {n} on the {name} list; the whole list is on the "
                     "Scorecard & lists page."),
        "green.title": "Green channel: alerts and how fast they were answered",
        "green.take": ("{n} alerts raised since {since} ({urgent} urgent, {requests} from Sales); {share} answered "
                       "within their response time ({num} of {den} due or answered); {open} still open."),
        "green.none": "No alert was raised since {since}.",
        "green.alert": "Alert", "green.what": "What happened", "green.raised": "Raised",
        "green.answered": "Answered after", "green.in_time": "In time", "green.state": "State",
        "green.count": "Alerts", "green.yes": "yes", "green.no": "no", "green.pending": "not due yet",
        "green.cut": "The table shows the first {shown} of {n} alerts; all of them are on the Inbox page.",
        "green.held": "{n} alerts about people are counted here and named to person-level roles only.",
        "actions.title": "Action items from the last meeting",
        "actions.take": ("{n} action items from the meetings up to {prev}: {open} open, {progress} in progress, "
                         "{done} done, {dropped} dropped; {overdue} overdue."),
        "actions.none": "No earlier meeting in this scope: no action items to follow up.",
        "actions.def": ("Action items are stored with the meeting and carried into the next meeting of the same scope, "
                        "monthly or quarterly, until done or dropped."),
        "actions.text": "Action", "actions.owner": "Owner", "actions.due": "Due", "actions.status": "Status",
        "status.open": "Open", "status.in_progress": "In progress", "status.done": "Done", "status.dropped": "Dropped",
        "att.title": "Attainment and its distribution",
        "att.take": "Attainment {att}, {change}; {at_quota} of reps at quota; {low} reps under 50%.",
        "att.band": "Attainment band", "att.reps": "Reps", "att.share": "Share of reps",
        "qattr.title": "Attrition and retention",
        "qattr.take": ("Attrition {rate} for {label} ({prev_rate} in {prev}): {exits} exits, {vol_n} of them "
                       "voluntary ({vol}). On a year's scale: {ann} annualised, {ttm} over the trailing 12 months; "
                       "{prob} of exits in probation."),
        "qattr.metric": "Metric", "qattr.basis": "Basis", "qattr.value": "{label}", "qattr.previous": "{label}",
        "talent.title": "Talent review",
        "talent.take": ("{hipo} high-potential reps (at quota three quarters running, high potential); {coach} reps "
                        "{rule} need coaching."),
        "talent.hipo": "High potential", "talent.coach": "Needs coaching", "talent.group": "List",
        "goals.title": "Goals progress",
        "goals.take": "Of {n} goals: {green} green, {amber} amber, {red} red, {none} without a computed actual.",
        "goals.goal": "Goal", "goals.owner": "Owner", "goals.metric": "Metric", "goals.actual": "Actual",
        "goals.target": "Target", "goals.status": "Status", "goals.reason": "Why",
        "goals.progress": "Progress to target (100% = met)",
        "regions.title": "Regional drill-down",
        "regions.take": ("Highest attainment {best} ({best_v}), lowest {worst} ({worst_v}); highest "
                         "attrition for the quarter {hot} ({hot_v})."),
        "regions.one": "{best}: attainment {best_v}, attrition for the quarter {hot_v}.",
        "regions.att": "Attainment", "regions.bookings": "Bookings", "regions.at_quota": "Reps at quota",
        "regions.attr": "Attrition (for the quarter)", "regions.exits": "Exits",
        "decisions.title": "Decisions to take",
        "decisions.take": "Decisions to take: {n}, flagged by the rules below.",
        "decisions.none": "No rule flags a decision.",
        "decisions.def": ("Rules: a region's attrition for the quarter ≥ {mult}× the scope's (on at least the minimum "
                          "base) → retention plan; a region "
                          "under {floor} attainment → recovery plan; a red goal → corrective action or a reset target; "
                          "reps {rule} → coaching plans; vacancies past target date → "
                          "recruiting support; ≥ {prob} of exits in probation → onboarding and mentoring."),
        "decisions.decision": "Decision",
        "dec.attrition": "{region} attrition {value} for the quarter ({scope} overall): decide on a retention plan.",
        "dec.attainment": "{region} attainment {value}: decide on a recovery plan (coaching, territory, pipeline).",
        "dec.goal": ("Goal “{goal}” is red ({actual} against {target}): decide on corrective action or reset the targ"
                     "et."),
        "dec.coach": "{n} reps {rule}: agree their coaching plans.",
        "dec.vacancy": "{n} vacancies past their target date: decide on recruiting support.",
        "dec.probation": "{value} of exits happen in probation: decide on onboarding and mentoring for new hires.",
        "company.title": "Company metrics",
        "company.take": "The company's own metrics for {label} ({n}): {list}.",
        "company.def": ("Metrics the company defined itself (one file each in the metrics folder), computed as the "
                        "built-in ones are: the same scope, masked groups, small bases and comparison."),
        "company.metric": "Metric", "company.value": "{label}", "company.previous": "Previous period",
        "company.change": "Change",
    },
    "zh": {
        "title.monthly": "月度协调会 {label}", "title.quarterly": "季度战略会 {label}",
        "scope.all": "全公司", "scope.aggregate": "仅汇总数据",
        "up": "较{prev}上升{d}", "down": "较{prev}下降{d}", "flat": "与{prev}持平",
        "nocomp": "无法与{prev}比较",
        "sales.title": "销售目标达成",
        "sales.take": "{label}指标达成率{att}，{change}；销售额{bookings}，指标{quota}；本期销售额已回款{coll}。",
        "sales.leads": "线索转化率{lead}，{change}——{owners}。",
        "rec.title": "招聘进展",
        "rec.take": ("{label}新开招聘需求{opened}，到岗{filled}个；期末仍在招{open}个，其中{past}个已超过目标到岗日"
                     "期（关键岗位{n_key}个）。"),
        "rec.def": ("新开/到岗：开启日期/到岗日期（接受录用）在期内的招聘需求。"
                    "在招：期末（或统计日）前已开启、且当时尚未到岗或取消。超期：在招且目标到岗日期早于该日。"),
        "rec.opened": "新开", "rec.filled": "到岗", "rec.open": "在招", "rec.past": "超期未到岗",
        "rec.key_past": "超期关键岗位", "region": "区域",
        "train.title": "培训完成情况",
        "train.take": "{label}完成培训{done}人次（新报名{started}人次）；{top}平均成绩提升{gain}。",
        "train.top": "完成最多：{course}（{n}人次）；", "train.none": "{label}没有完成的培训。",
        "train.def": ("完成：完成日期在期内的报名记录，按当天所属组织单元归属。成绩提升：课后成绩减课前成绩（0–100）"
                      "，两者都有时计算。"),
        "train.course": "课程", "train.done": "完成人次", "train.gain": "平均成绩提升",
        "attr.title": "离职与试用期离职",
        "attr.take": "{label}离职{exits}，其中试用期内{prob}人；滚动12个月离职率{ttm}，{change}。",
        "alerts.title": "预警",
        "alerts.take": ("高离职风险{risk}（6个月内离职概率≥{thr}），超期未到岗岗位{past}，{rule}的销售{"
                        "coach}。"),
        "alerts.def": "高离职风险：离职概率不低于范围内人员平均概率的两倍。",
        "alerts.kind": "预警", "alerts.count": "人数/岗位数", "alerts.name": "姓名", "alerts.detail": "说明",
        "alerts.risk": "高离职风险", "alerts.vacancy": "超期未到岗岗位", "alerts.coach": "待辅导（{rule}）",
        "list.cut": "表中只列出{name}名单{n}人中的前{shown}人；完整名单见“绩效计分卡与名单”页。",
        "green.title": "绿色通道：预警及响应速度",
        "green.take": ("自{since}以来触发预警{n}条（紧急{urgent}条，销售需求{requests}条）；在响应时限内确认的比例为"
                       "{share}（已到期或已确认的{den}条中有{num}条）；仍未关闭{open}条。"),
        "green.none": "自{since}以来没有触发预警。",
        "green.alert": "预警", "green.what": "情况", "green.raised": "触发时间",
        "green.answered": "响应用时", "green.in_time": "是否按时", "green.state": "状态",
        "green.count": "预警数", "green.yes": "是", "green.no": "否", "green.pending": "尚未到期",
        "green.cut": "表中只列出{n}条预警中的前{shown}条；全部预警见“收件箱”页。",
        "green.held": "另有{n}条涉及个人的预警只计数，姓名仅对有个人明细权限的角色显示。",
        "actions.title": "上次会议的行动项",
        "actions.take": ("截至{prev}的会议的行动项共{n}项：待办{open}项，进行中{progress}项，"
                         "已完成{done}项，已取消{dropped}项；逾期{overdue}项。"),
        "actions.none": "此范围内没有更早的会议，没有需要跟进的行动项。",
        "actions.def": "行动项随会议保存，未完成或未取消的行动项会带入同一范围的下一次会议（月度或季度）。",
        "actions.text": "行动项", "actions.owner": "负责人", "actions.due": "截止日期", "actions.status": "状态",
        "status.open": "待办", "status.in_progress": "进行中", "status.done": "已完成", "status.dropped": "已取消",
        "att.title": "指标达成与分布",
        "att.take": "指标达成率{att}，{change}；达标销售占比{at_quota}；{low}人达成率低于50%。",
        "att.band": "达成率区间", "att.reps": "人数", "att.share": "人数占比",
        "qattr.title": "离职与留存",
        "qattr.take": ("{label}离职率{rate}（{prev}为{prev_rate}）：离职{exits}人，其中主动离职{vol_n}人（{vol}）。"
                       "按年口径：年化{ann}，滚动12个月{ttm}；试用期离职占比{prob}。"),
        "qattr.metric": "指标", "qattr.basis": "口径", "qattr.value": "{label}", "qattr.previous": "{label}",
        "talent.title": "人才盘点",
        "talent.take": "高潜人才{hipo}人（连续三个季度达标且潜力高）；{rule}、需要辅导的销售{coach}人。",
        "talent.hipo": "高潜人才", "talent.coach": "待辅导", "talent.group": "名单",
        "goals.title": "目标进展",
        "goals.take": "共{n}个目标：绿{green}个，黄{amber}个，红{red}个，{none}个暂无计算值。",
        "goals.goal": "目标", "goals.owner": "负责人", "goals.metric": "指标", "goals.actual": "实际",
        "goals.target": "目标值", "goals.status": "状态", "goals.reason": "说明",
        "goals.progress": "目标完成度（100% = 达标）",
        "regions.title": "区域下钻",
        "regions.one": "{best}：达成率{best_v}，当季离职率{hot_v}。",
        "regions.take": ("达成率最高：{best}（{best_v}），最低：{worst}（{worst_v}）；当季离职率最高：{hot}（{hot_v}"
                         "）。"),
        "regions.att": "指标达成率", "regions.bookings": "销售额", "regions.at_quota": "达标人数占比",
        "regions.attr": "离职率（当季）", "regions.exits": "离职人数",
        "decisions.title": "待决策事项",
        "decisions.take": "按以下规则，共有{n}项待决策事项。", "decisions.none": "没有规则提示需要决策的事项。",
        "decisions.def": ("规则：区域当季离职率≥范围整体的{mult}倍（且基数足够）→ 留任计划；"
                          "区域达成率低于{floor} → 业绩改善计划；"
                          "红灯目标 → 纠偏措施或调整目标；{rule} → 辅导计划；超期未到岗 → 招聘支持；"
                          "试用期离职占比≥{prob} → 入职培养与导师制。"),
        "decisions.decision": "决策事项",
        "dec.attrition": "{region}当季离职率{value}（整体{scope}）：需决定留任计划。",
        "dec.attainment": "{region}指标达成率{value}：需决定业绩改善计划（辅导、区域划分、商机）。",
        "dec.goal": "目标“{goal}”为红灯（实际{actual}，目标{target}）：需决定纠偏措施或调整目标。",
        "dec.coach": "{n}名销售{rule}：需确定辅导计划。",
        "dec.vacancy": "{n}个岗位超过目标到岗日期：需决定招聘支持。",
        "dec.probation": "试用期离职占全部离职的{value}：需决定新人入职培养与导师安排。",
        "company.title": "本公司指标",
        "company.take": "{label}本公司自定义指标{n}项：{list}。",
        "company.def": ("本公司自行定义的指标（指标文件夹中每项一个文件），与内置指标同样计算："
                        "相同的查看范围、小组屏蔽、小基数和比较规则。"),
        "company.metric": "指标", "company.value": "{label}", "company.previous": "上一期",
        "company.change": "变化",
    },
}


def tx(text_key: str, lang: str, **values: object) -> str:
    text = TEXT["zh" if lang == "zh" else "en"][text_key]
    return text.format(**values) if values else text
