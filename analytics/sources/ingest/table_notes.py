"""The annotations behind :mod:`analytics.sources.ingest.tables`: meanings, types, ranges, codes, references, rules.

One :class:`Note` per importable table of ``sql/schema.sql``, one :func:`a` per column. Column names
and order come from the schema; a test (and the build in tables.py) fails when the two disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analytics.sources.ingest.rules import Ref, Rule


@dataclass(frozen=True)
class A:
    en: str
    zh: str
    example: str = ""
    type: str | None = None
    values: tuple[str, ...] = ()
    open_enum: bool = False
    min: float | None = None
    max: float | None = None
    ref: Ref | None = None
    month_start: bool = False
    year_of_date: bool = False
    past: bool = False
    pattern: str | None = None
    derived: str | None = None


def a(en: str, zh: str, example: str = "", **kw: object) -> A:
    return A(en, zh, example, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Note:
    en: str
    zh: str
    columns: dict[str, A]
    natural_key: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = field(default_factory=tuple)


def order(first: str, then: str, severity: str = "error") -> Rule:
    return Rule("order", first, then, severity)  # type: ignore[arg-type]


EMP = Ref("employees", "employee_id")
CUST = Ref("customers", "customer_id")
ORG = Ref("org_units", "org_unit_id")
ROLE = Ref("roles", "role_id")
SKILL = Ref("skills", "skill_id")
PRODUCT = Ref("product_lines", "product_line_id")
CHANNELS = ("referral", "job_board", "campus", "agency", "event", "internal", "other")
EXIT_REASONS = ("compensation", "career", "performance", "conduct", "relocation", "education", "retirement",
                "health", "family", "workload", "manager", "other")
QUARTER = r"^\d{4}-Q[1-4]$"
LEAD_SOURCES = ("web", "event", "partner", "campaign", "referral", "other")


def _person(en: str = "Person (employee id or external key)", zh: str = "员工（编号或外部编号）", **kw: object) -> A:
    return a(en, zh, "10026", ref=EMP, **kw)


NOTES: dict[str, Note] = {
    # ───────────────────────────── HR ─────────────────────────────
    "org_units": Note("Org units", "组织单元", {
        "org_unit_id": a("Org unit id", "组织单元编号", "east-01"),
        "parent_id": a("Parent unit id; empty for the company root", "上级单元编号；公司根节点为空", "east", ref=ORG),
        "level": a("Level in the tree", "层级", "team", values=("company", "region", "team", "department")),
        "name_en": a("Name in English", "英文名称", "East Team 1"),
        "name_zh": a("Name in Chinese", "中文名称", "华东一组"),
        "opened_date": a("Date the unit opened", "成立日期", "2020-01-01"),
        "closed_date": a("Date the unit closed (last day)", "撤销日期（最后一天）", ""),
    }, rules=(order("opened_date", "closed_date"), Rule("different", "org_unit_id", "parent_id"))),
    "roles": Note("Roles", "岗位角色", {
        "role_id": a("Role id", "角色编号", "sales_rep"),
        "name_en": a("Name in English", "英文名称", "Sales representative"),
        "name_zh": a("Name in Chinese", "中文名称", "销售代表"),
        "family": a("Job family", "职族", "sales", values=("sales", "management", "support", "hr")),
        "carries_quota": a("Carries a sales quota", "是否承担销售指标", "yes"),
        "career_step": a("Step on the sales career ladder (rep 1, supervisor 2, regional manager 3)",
                         "销售职业阶梯级别（代表 1、主管 2、区域经理 3）", "1", min=1, max=10),
    }),
    "employees": Note("Employees", "员工", {
        "employee_id": a("Tandem's person id; leave empty when external_key is given (Tandem assigns it)",
                         "系统内部员工编号；填写外部编号时留空（由系统分配）", ""),
        "external_key": a("The person's id in your HR system (the natural key for imports)",
                          "人事系统中的员工编号（导入时的自然键）", "10026"),
        "name": a("Full name", "姓名", "Wilson Adinolfi"),
        "gender": a("Gender: F or M", "性别：F 或 M", "F", values=("F", "M")),
        "birth_year": a("Year of birth (a birth date is accepted and reduced to its year)",
                        "出生年份（也可填写出生日期，只保留年份）", "1983", min=1900, max=2100, year_of_date=True,
                        past=True),
        "hire_date": a("First day employed", "入职日期", "2011-07-05"),
        "termination_date": a("Last day employed; empty while employed", "离职日期（最后工作日）；在职为空",
                              "2016-06-16"),
        "exit_type": a("How the person left; empty while employed", "离职类型；在职为空", "voluntary",
                       values=("voluntary", "involuntary", "other")),
        "exit_reason": a("Why the person left (a code)", "离职原因（代码）", "compensation", values=EXIT_REASONS,
                         open_enum=True),
        "regretted": a("A loss the company regrets", "是否为惋惜离职", "yes"),
        "hire_source": a("Recruiting channel of the hire", "招聘渠道", "referral", values=CHANNELS, open_enum=True),
        "referrer_id": _person("Employee who referred the person", "推荐人（员工编号或外部编号）"),
        "probation_months": a("Length of probation in months (3 when empty)", "试用期月数（为空时为 3）", "3",
                              min=0, max=24),
    }, natural_key=("external_key",), rules=(
        order("hire_date", "termination_date"), Rule("paired", "termination_date", "exit_type"),
        Rule("different", "employee_id", "referrer_id"))),
    "assignments": Note("Assignments (org unit, manager, role over time)", "任职记录（组织、上级、岗位的变化）", {
        "assignment_id": a("Assignment id; empty to let Tandem number new rows", "任职记录编号；新记录可留空", ""),
        "employee_id": _person(),
        "org_unit_id": a("Org unit (team) id", "所属组织单元编号", "east-01", ref=ORG),
        "manager_id": _person("Manager (employee id or external key)", "直属上级（员工编号或外部编号）"),
        "role_id": a("Role id", "角色编号", "sales_rep", ref=ROLE),
        "job_level": a("Job level, 1 (junior) to 6", "职级，1（初级）至 6", "2", min=1, max=6),
        "valid_from": a("First day of the assignment", "生效日期", "2024-01-01"),
        "valid_to": a("Last day of the assignment; empty while current", "失效日期（最后一天）；当前为空", ""),
    }, natural_key=("employee_id", "valid_from"), rules=(
        order("valid_from", "valid_to"), Rule("different", "employee_id", "manager_id", "warning"))),
    "compensation": Note("Compensation", "薪酬", {
        "employee_id": _person(),
        "valid_from": a("First day of this pay", "生效日期", "2024-01-01"),
        "valid_to": a("Last day of this pay; empty while current", "失效日期；当前为空", ""),
        "base_monthly": a("Base salary per month", "月度基本工资", "12000", type="money", min=0),
        "commission_plan": a("Commission plan id (data/plans/)", "提成方案编号", "standard"),
    }, rules=(order("valid_from", "valid_to"),)),
    "requisitions": Note("Requisitions (open seats)", "招聘需求", {
        "requisition_id": a("Requisition id", "招聘需求编号", "501"),
        "org_unit_id": a("Org unit hiring", "需求组织单元", "east-01", ref=ORG),
        "role_id": a("Role to fill", "招聘角色", "sales_rep", ref=ROLE),
        "key_position": a("A key position", "是否关键岗位", "no"),
        "opened_date": a("Date opened", "开启日期", "2024-02-01"),
        "target_date": a("Date the seat should be filled by", "目标到岗日期", "2024-04-01"),
        "filled_date": a("Date the offer was accepted", "录用（接受 offer）日期", ""),
        "cancelled_date": a("Date cancelled", "取消日期", ""),
        "recruiter": a("Recruiter", "招聘专员", "Li Na"),
        "hired_employee_id": _person("Person hired (employee id or external key)", "录用员工（编号或外部编号）"),
    }, rules=(order("opened_date", "target_date"), order("opened_date", "filled_date"),
              order("opened_date", "cancelled_date"))),
    "applications": Note("Applications", "应聘记录", {
        "application_id": a("Application id", "应聘记录编号", "9001"),
        "requisition_id": a("Requisition applied to", "招聘需求编号", "501", ref=Ref("requisitions", "requisition_id")),
        "channel": a("Channel the candidate came through", "应聘渠道", "job_board", values=CHANNELS, open_enum=True),
        "applied_date": a("Date applied", "投递日期", "2024-02-03"),
        "screened_date": a("Date screened", "筛选日期", ""),
        "interviewed_date": a("Date interviewed", "面试日期", ""),
        "offered_date": a("Date of the offer", "发放 offer 日期", ""),
        "accepted_date": a("Date the offer was accepted", "接受 offer 日期", ""),
        "hired_employee_id": _person("Person hired (employee id or external key)", "录用员工（编号或外部编号）"),
        "referrer_id": _person("Employee who referred the candidate", "推荐人（员工编号或外部编号）"),
    }, rules=(order("applied_date", "screened_date"), order("screened_date", "interviewed_date"),
              order("interviewed_date", "offered_date"), order("offered_date", "accepted_date"))),
    "application_traits": Note("Candidate traits", "候选人特征", {
        "application_id": a("Application id", "应聘记录编号", "9001", ref=Ref("applications", "application_id")),
        "years_experience": a("Years of relevant work experience", "相关工作年限", "3.5", min=0, max=50),
        "same_industry": a("Worked in the same industry before", "是否有同行业经验", "yes"),
        "education": a("Education: secondary, bachelor or master",
                       "学历：secondary（高中/中专）、bachelor（本科）或 master（硕士）", "bachelor",
                       values=("secondary", "bachelor", "master")),
        "assessment_score": a("Sales aptitude test score, 0–100", "销售能力测评分（0–100）", "72", min=0, max=100),
        "interview_score": a("Structured interview score, 1–5", "结构化面试评分（1–5）", "3.5", min=1, max=5),
    }),
    "courses": Note("Courses", "课程", {
        "course_id": a("Course id", "课程编号", "ka-negotiation"),
        "name_en": a("Name in English", "英文名称", "KA negotiation"),
        "name_zh": a("Name in Chinese", "中文名称", "大客户谈判"),
        "category": a("Category", "类别", "ka", values=("onboarding", "ka", "skills", "management", "product"),
                      open_enum=True),
        "skill_id": a("Skill it develops", "培养的技能", "negotiation", ref=SKILL),
        "target_metric": a("Metric id it is meant to move", "目标指标编号", "ka_bookings"),
        "hours": a("Length in hours", "课时（小时）", "8", min=0),
    }),
    "enrollments": Note("Course enrolments", "培训报名", {
        "enrollment_id": a("Enrolment id; empty to let Tandem number new rows", "报名记录编号；新记录可留空", ""),
        "employee_id": _person(),
        "course_id": a("Course id", "课程编号", "ka-negotiation", ref=Ref("courses", "course_id")),
        "enrolled_date": a("Date enrolled", "报名日期", "2024-03-01"),
        "completed_date": a("Date completed", "完成日期", "2024-03-20"),
        "completed": a("Completed", "是否完成", "yes"),
        "pre_score": a("Score before the course, 0–100", "课前测评分（0–100）", "55", min=0, max=100),
        "post_score": a("Score after the course, 0–100", "课后测评分（0–100）", "78", min=0, max=100),
    }, natural_key=("employee_id", "course_id", "enrolled_date"), rules=(
        order("enrolled_date", "completed_date"), Rule("required_if", "completed", "completed_date"))),
    "skills": Note("Skills", "技能", {
        "skill_id": a("Skill id", "技能编号", "negotiation"),
        "name_en": a("Name in English", "英文名称", "Negotiation"),
        "name_zh": a("Name in Chinese", "中文名称", "谈判"),
        "category": a("Category", "类别", "sales"),
    }),
    "role_skill_requirements": Note("Required skill levels per role", "岗位技能要求", {
        "role_id": a("Role id", "角色编号", "sales_rep", ref=ROLE),
        "skill_id": a("Skill id", "技能编号", "negotiation", ref=SKILL),
        "required_score": a("Required score, 1–5", "要求分数（1–5）", "3", min=1, max=5),
    }),
    "skill_assessments": Note("Skill assessments", "技能评估", {
        "employee_id": _person(),
        "skill_id": a("Skill id", "技能编号", "negotiation", ref=SKILL),
        "assessed_date": a("Date assessed", "评估日期", "2024-06-30"),
        "score": a("Score, 1–5", "评分（1–5）", "3.5", min=1, max=5),
    }),
    "performance_reviews": Note("Performance reviews", "绩效评估", {
        "employee_id": _person(),
        "quarter": a("Fiscal quarter, e.g. 2025-Q3", "财年季度，如 2025-Q3", "2025-Q3", pattern=QUARTER),
        "review_date": a("Date of the review", "评估日期", "2025-10-10"),
        "rating": a("Rating, 1–5", "绩效等级（1–5）", "4", min=1, max=5),
        "potential": a("Potential, 1–3", "潜力（1–3）", "2", min=1, max=3),
        "reviewer_id": _person("Reviewer (employee id or external key)", "评估人（员工编号或外部编号）"),
        "value_customer": a("Value: customer first, 1–5", "价值观：客户第一（1–5）", "4", min=1, max=5),
        "value_teamwork": a("Value: teamwork, 1–5", "价值观：团队合作（1–5）", "4", min=1, max=5),
        "value_results": a("Value: results, 1–5", "价值观：结果导向（1–5）", "3", min=1, max=5),
        "collaboration": a("Cross-department collaboration, 1–5", "跨部门协作（1–5）", "4", min=1, max=5),
        "veto": a("One-vote veto (e.g. grabbing colleagues' orders)", "一票否决（如抢单）", "no"),
        "veto_reason": a("Why the veto; required with a veto", "否决原因；一票否决时必填", ""),
    }, rules=(Rule("required_if", "veto", "veto_reason"),)),
    "engagement": Note("Engagement surveys", "敬业度调研", {
        "employee_id": _person(),
        "survey_date": a("Date of the survey", "调研日期", "2024-05-15"),
        "engagement_score": a("Engagement score, 1–5", "敬业度得分（1–5）", "4.2", min=1, max=5),
        "manager_score": a("Score given to the manager, 1–5", "对上级的评分（1–5）", "4", min=1, max=5),
        "enps": a("Would-recommend answer, 0–10 (eNPS)", "推荐意愿（0–10，eNPS）", "8", min=0, max=10),
    }),
    "attendance": Note("Attendance per month", "月度考勤", {
        "employee_id": _person(),
        "month": a("Month (a date in it is moved to the first day)", "月份（任意日期会归到当月 1 日）", "2024-03",
                   month_start=True),
        "overtime_hours": a("Overtime hours in the month", "当月加班小时数", "12", min=0),
        "leave_days": a("Leave days in the month", "当月请假天数", "1.5", min=0, max=31),
    }),
    "travel": Note("Business travel per month", "月度出差", {
        "employee_id": _person(),
        "month": a("Month (a date in it is moved to the first day)", "月份（任意日期会归到当月 1 日）", "2024-03",
                   month_start=True),
        "travel_days": a("Days away on business in the month", "当月出差天数", "4", min=0, max=31),
    }),
    "assistance_referrals": Note("Employee assistance programme referrals", "员工援助计划（EAP）转介", {
        "employee_id": _person(),
        "referral_date": a("Date of the referral", "转介日期", "2024-05-20"),
        "source": a("Who referred: self, manager or hr", "转介来源：self（本人）、manager（主管）或 hr（人力资源）",
                    "self", values=("self", "manager", "hr")),
    }),
    "person_measures": Note("Other HR measures per person", "其他人事指标", {
        "employee_id": _person(),
        "measured_on": a("Date of the measure", "记录日期", "2024-05-20"),
        "measure": a("satisfaction (1–5), special_projects (count), days_late_30 (days late in the 30 days "
                     "before) or absences (days in the year before)",
                     "satisfaction（满意度 1–5）、special_projects（专项项目数）、days_late_30（前 30 天迟到天数）或 "
                     "absences（前一年缺勤天数）", "satisfaction",
                     values=("satisfaction", "special_projects", "days_late_30", "absences")),
        "value": a("The value", "数值", "4", min=0),
    }),
    "mentorships": Note("Mentorships", "导师带教", {
        "mentorship_id": a("Mentorship id; empty to let Tandem number new rows", "带教记录编号；新记录可留空", ""),
        "mentor_id": _person("Mentor (employee id or external key)", "导师（员工编号或外部编号）"),
        "mentee_id": _person("Mentee (employee id or external key)", "学员（员工编号或外部编号）"),
        "start_date": a("First day", "开始日期", "2024-01-08"),
        "end_date": a("Last day", "结束日期", "2024-04-08"),
    }, natural_key=("mentor_id", "mentee_id", "start_date"), rules=(
        order("start_date", "end_date"), Rule("different", "mentor_id", "mentee_id"))),
    "onboarding": Note("Onboarding (30-day plan)", "入职 30 天计划", {
        "employee_id": _person(),
        "plan_start": a("First day of the plan", "计划开始日期", "2024-01-08"),
        "tasks_total": a("Tasks in the plan", "计划任务总数", "12", min=0),
        "tasks_done": a("Tasks done within 30 days", "30 天内完成的任务数", "10", min=0),
        "completed_on": a("Date the plan was completed", "计划完成日期", ""),
    }, rules=(order("plan_start", "completed_on"), Rule("not_greater", "tasks_done", "tasks_total"))),
    # ───────────────────────────── Sales ─────────────────────────────
    "product_lines": Note("Product lines", "产品线", {
        "product_line_id": a("Product line id", "产品线编号", "gtx"),
        "name_en": a("Name in English", "英文名称", "GTX"),
        "name_zh": a("Name in Chinese", "中文名称", "GTX 系列"),
        "launched_date": a("Launch date", "上市日期", "2023-01-01"),
    }),
    "customers": Note("Customers", "客户", {
        "customer_id": a("Tandem's customer id; leave empty when external_key is given",
                         "系统内部客户编号；填写外部编号时留空", ""),
        "external_key": a("The customer's id in your CRM (the natural key for imports)",
                          "CRM 中的客户编号（导入时的自然键）", "ACME-001"),
        "name": a("Customer name", "客户名称", "Acme Corporation"),
        "tier": a("Tier: KA (key account) or regular", "客户等级：KA（大客户）或 regular（普通）", "KA",
                  values=("KA", "regular")),
        "region_id": a("Region (org unit id of level region)", "所属大区（组织单元编号）", "east", ref=ORG),
        "industry": a("Industry", "行业", "technology"),
        "created_date": a("Date the customer was created", "建档日期", "2020-05-01"),
    }, natural_key=("external_key",)),
    "account_owners": Note("Account owners over time", "客户归属（随时间变化）", {
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "employee_id": _person("Owning rep (employee id or external key)", "负责销售（员工编号或外部编号）"),
        "valid_from": a("First day of ownership", "开始日期", "2024-01-01"),
        "valid_to": a("Last day of ownership; empty while current", "结束日期；当前为空", ""),
    }, rules=(order("valid_from", "valid_to"),)),
    "quotas": Note("Quotas per month", "月度销售指标", {
        "employee_id": _person("Rep (employee id or external key)", "销售（员工编号或外部编号）"),
        "month": a("Month (a date in it is moved to the first day)", "月份（任意日期会归到当月 1 日）", "2024-01",
                   month_start=True),
        "amount": a("Quota amount", "指标金额", "120000", type="money", min=0),
    }),
    "orders": Note("Orders (bookings)", "订单（签约）", {
        "order_id": a("Order id (a whole number)", "订单编号（整数）", "100234"),
        "employee_id": _person("Rep credited (employee id or external key); empty if none",
                               "业绩归属销售（员工编号或外部编号）；可为空"),
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "order_date": a("Date of the order", "订单日期", "2024-01-15"),
        "amount": a("Order amount", "订单金额", "52000", type="money", min=0),
        "product_line_id": a("Product line id", "产品线编号", "gtx", ref=PRODUCT),
        "is_new_customer": a("The customer's first-ever order (derived from the data when absent)",
                             "是否新客户首单（缺省时按数据推算）", "no",
                             derived="true for the customer's earliest order in the database and the file"),
    }),
    "collections": Note("Collections (cash received)", "回款", {
        "collection_id": a("Collection id; empty to let Tandem number new rows", "回款记录编号；新记录可留空", ""),
        "order_id": a("Order id", "订单编号", "100234", ref=Ref("orders", "order_id")),
        "collected_date": a("Date received", "回款日期", "2024-03-01"),
        "amount": a("Amount received", "回款金额", "26000", type="money", min=0),
    }, natural_key=("order_id", "collected_date")),
    "opportunities": Note("Opportunities (pipeline)", "商机", {
        "opportunity_id": a("Tandem's opportunity id; leave empty when external_key is given",
                            "系统内部商机编号；填写外部编号时留空", ""),
        "external_key": a("The opportunity's id in your CRM (the natural key for imports)",
                          "CRM 中的商机编号（导入时的自然键）", "1C1I7A6R"),
        "employee_id": _person("Rep (employee id or external key)", "负责销售（员工编号或外部编号）"),
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "product_line_id": a("Product line id", "产品线编号", "gtx", ref=PRODUCT),
        "stage": a("Stage", "阶段", "won", values=("prospecting", "engaging", "proposal", "won", "lost")),
        "amount": a("Expected value", "预计金额", "5000", type="money", min=0),
        "created_date": a("Date created (or first engaged)", "创建（首次接触）日期", "2016-10-20"),
        "expected_close_date": a("Expected close date", "预计成交日期", ""),
        "closed_date": a("Date won or lost", "赢单或输单日期", "2017-03-01"),
        "close_value": a("Value when won", "成交金额", "1054", type="money", min=0),
    }, natural_key=("external_key",), rules=(
        order("created_date", "closed_date"), order("created_date", "expected_close_date", "warning"))),
    "leads": Note("Leads (marketing to sales)", "线索（市场转销售）", {
        "lead_id": a("Tandem's lead id; leave empty when external_key is given", "系统内部线索编号；填写外部编号时留空",
                     ""),
        "external_key": a("The lead's id in your CRM (the natural key for imports)",
                          "CRM 中的线索编号（导入时的自然键）", "L-2025-0042"),
        "created_on": a("Date the lead was created", "线索创建日期", "2025-03-02"),
        "source": a("Marketing channel", "市场渠道", "web", values=LEAD_SOURCES),
        "campaign": a("Campaign name", "市场活动名称", "Spring expo"),
        "marketing_unit_id": a("Marketing team that generated it (org unit id)", "产生该线索的市场团队（组织单元编号）",
                               "mkt-digital", ref=ORG),
        "owner_id": _person("Sales rep it was passed to (employee id or external key)",
                            "接手的销售（员工编号或外部编号）"),
        "qualified_on": a("Date qualified", "确认有效日期", "2025-03-10"),
        "converted_on": a("Date converted (won: became a customer or an order)", "转化日期（成交：成为客户或订单）",
                          "2025-04-20"),
        "lost_on": a("Date lost", "丢失日期", ""),
        "customer_id": a("Customer when converted (id or external key)", "转化后的客户（编号或外部编号）", "ACME-001",
                         ref=CUST),
    }, natural_key=("external_key",), rules=(
        order("created_on", "qualified_on"), order("created_on", "converted_on"), order("created_on", "lost_on"))),
    "activities": Note("Sales activities", "销售活动", {
        "activity_id": a("Activity id", "活动编号", "70001"),
        "employee_id": _person("Rep (employee id or external key)", "销售（员工编号或外部编号）"),
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "activity_date": a("Date of the activity", "活动日期", "2024-02-02"),
        "kind": a("Kind: visit, call or proposal", "类型：拜访、电话或方案", "visit",
                  values=("visit", "call", "proposal")),
        "due_date": a("Proposals: date it was due", "方案：截止日期", ""),
        "on_time": a("Proposals: submitted by the due date", "方案：是否按时提交", ""),
    }, rules=(Rule("required_if", "on_time", "due_date", "warning"),)),
    "complaints": Note("Complaints", "客户投诉", {
        "complaint_id": a("Complaint id", "投诉编号", "3001"),
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "employee_id": _person("Rep concerned (employee id or external key)", "相关销售（员工编号或外部编号）"),
        "complaint_date": a("Date of the complaint", "投诉日期", "2024-04-02"),
        "severity": a("Severity, 1 (minor) to 3 (serious)", "严重程度，1（轻微）至 3（严重）", "2", min=1, max=3),
        "category": a("Category", "类别", "delivery"),
    }),
    "csat": Note("Customer satisfaction answers", "客户满意度", {
        "response_id": a("Response id", "答卷编号", "5001"),
        "customer_id": a("Customer (id or external key)", "客户（编号或外部编号）", "ACME-001", ref=CUST),
        "employee_id": _person("Rep concerned (employee id or external key)", "相关销售（员工编号或外部编号）"),
        "survey_date": a("Date of the answer", "调研日期", "2024-05-20"),
        "score": a("Score, 1–5", "满意度评分（1–5）", "4", min=1, max=5),
    }),
    # ───────────────────────────── Joint ─────────────────────────────
    "goals": Note("Goals", "目标", {
        "goal_id": a("Goal id", "目标编号", "S1"),
        "parent_id": a("Parent goal id; empty for a strategy goal", "上级目标编号；战略目标为空", "",
                       ref=Ref("goals", "goal_id")),
        "level": a("Level: strategy, sales or hr", "层级：战略、销售或人力", "sales",
                   values=("strategy", "sales", "hr")),
        "title_en": a("Title in English", "英文标题", "Grow KA bookings"),
        "title_zh": a("Title in Chinese", "中文标题", "提升大客户签约"),
        "metric_id": a("Registry metric id the goal tracks", "跟踪的指标编号", "ka_bookings"),
        "target": a("Target value", "目标值", "0.3"),
        "direction": a("Which way is good: up or down", "方向：up（越高越好）或 down", "up", values=("up", "down")),
        "period": a("Period, e.g. FY2025", "期间，如 FY2025", "FY2025"),
        "org_unit_id": a("Org unit in scope; empty for the company", "适用组织单元；全公司为空", "", ref=ORG),
        "owner": a("Owner", "负责人", "Sales director"),
        "action_en": a("Action in English", "行动（英文）", ""),
        "action_zh": a("Action in Chinese", "行动（中文）", ""),
    }, rules=(Rule("different", "goal_id", "parent_id"),)),
}
