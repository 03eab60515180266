"""Header synonyms per column, in English and Chinese, used by :mod:`analytics.sources.ingest.mapping`.

``GLOBAL`` applies to a column name in every table that has it; ``BY_TABLE`` adds (and for the
keys named in ``REPLACES`` replaces) per table. An alias written with a leading ``~`` is weak: it
matches with a lower confidence (e.g. ``DateofHire`` as the start of an assignment).
Spelling does not matter: headers and aliases are compared after normalising case, spaces,
underscores, punctuation and camelCase (``DateofHire`` ≡ ``date of hire`` ≡ ``date_of_hire``).
"""
from __future__ import annotations

_PERSON = ("emp id", "empid", "employee id", "employee number", "employee no", "staff id", "staff no", "person id",
           "员工编号", "员工号", "工号", "人员编号", "员工id", "business entity id", "sales person id")
_REP = ("sales agent", "sales rep", "salesperson", "sales person", "rep", "agent", "owner", "account manager",
        "销售", "销售代表", "业务员", "销售人员", "客户经理", "负责人")
_CUSTOMER = ("customer", "customer id", "customer code", "account", "account id", "account name", "client",
             "客户", "客户编号", "客户名称", "客户代码")
_PRODUCT = ("product", "product line", "product id", "series", "产品", "产品线", "产品名称")

GLOBAL: dict[str, tuple[str, ...]] = {
    "employee_id": _PERSON,
    "name_en": ("english name", "name (en)", "英文名", "英文名称"),
    "name_zh": ("chinese name", "name (zh)", "中文名", "中文名称", "名称"),
    "valid_from": ("effective date", "effective from", "start date", "from", "date from", "生效日期", "开始日期"),
    "valid_to": ("effective to", "end date", "to", "date to", "失效日期", "结束日期"),
    "org_unit_id": ("org unit", "department", "dept", "team", "unit", "部门", "团队", "组织", "所属部门", "组织单元"),
    "role_id": ("role", "position", "job title", "title", "job", "岗位", "职位", "职务", "角色"),
    "skill_id": ("skill", "技能", "技能编号"),
    "course_id": ("course", "course code", "课程", "课程编号"),
    "customer_id": _CUSTOMER,
    "product_line_id": _PRODUCT,
    "category": ("type", "类别", "分类"),
    "amount": ("amount", "value", "金额"),
    "score": ("rating", "评分", "得分", "分数"),
}

# Surrogate ids a source does not have: their usual headers belong to the natural key (external_key).
REPLACES = {("employees", "employee_id"), ("customers", "customer_id"), ("opportunities", "opportunity_id"),
            ("leads", "lead_id")}

BY_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "org_units": {
        "org_unit_id": ("department id", "dept id", "unit id", "部门编号", "组织编号"),
        "parent_id": ("parent", "parent unit", "parent department", "上级部门", "上级组织", "上级单元"),
        "level": ("org level", "层级", "级别"),
        "opened_date": ("opened", "open date", "成立日期"), "closed_date": ("closed", "close date", "撤销日期"),
    },
    "roles": {
        "role_id": ("role code", "岗位编号", "角色编号"), "family": ("job family", "职族", "职类"),
        "carries_quota": ("has quota", "quota bearing", "承担指标", "是否有指标"),
        "career_step": ("career level", "职业阶梯"),
    },
    "employees": {
        "external_key": (*_PERSON, "id", "hr id", "编号"),
        "name": ("employee name", "full name", "name", "姓名", "员工姓名", "名字"),
        "gender": ("sex", "性别"),
        "birth_year": ("birth year", "year of birth", "dob", "date of birth", "birth date", "birthday", "出生年份",
                       "出生日期", "生日", "出生年月"),
        "hire_date": ("date of hire", "hire date", "start date", "join date", "joining date", "date joined",
                      "employment date", "入职日期", "入职时间", "到岗日期"),
        "termination_date": ("date of termination", "termination date", "term date", "leave date", "exit date",
                             "separation date", "last day", "last working day", "离职日期", "离职时间", "最后工作日"),
        "exit_type": ("employment status", "termination type", "exit type", "separation type", "status",
                      "离职类型", "在职状态", "员工状态"),
        "exit_reason": ("term reason", "termination reason", "reason for leaving", "exit reason", "leave reason",
                        "离职原因"),
        "regretted": ("regretted", "regrettable", "regretted loss", "惋惜离职", "是否惋惜"),
        "hire_source": ("recruitment source", "hire source", "source of hire", "recruiting channel", "channel",
                        "source", "招聘渠道", "来源渠道", "渠道"),
        "referrer_id": ("referrer", "referred by", "referrer id", "推荐人", "推荐人工号"),
        "probation_months": ("probation", "probation period", "试用期", "试用期月数"),
    },
    "assignments": {
        "manager_id": ("manager", "manager name", "manager id", "supervisor", "reports to", "line manager",
                       "直属上级", "上级", "经理", "主管"),
        "job_level": ("level", "grade", "job grade", "职级", "级别"),
        "valid_from": ("~date of hire", "~hire date", "~入职日期"),
    },
    "compensation": {
        "base_monthly": ("base salary", "monthly salary", "base pay", "salary", "基本工资", "月薪", "底薪"),
        "commission_plan": ("commission plan", "plan", "提成方案", "佣金方案"),
    },
    "requisitions": {
        "requisition_id": ("req id", "requisition", "job id", "需求编号", "职位需求编号"),
        "key_position": ("key position", "critical role", "关键岗位", "是否关键岗位"),
        "opened_date": ("open date", "opened", "posted date", "开启日期", "发布日期"),
        "target_date": ("target date", "need by", "目标到岗日期", "期望到岗日期"),
        "filled_date": ("filled date", "fill date", "填补日期", "录用日期"),
        "cancelled_date": ("cancelled", "cancel date", "取消日期"),
        "recruiter": ("招聘专员", "招聘负责人"),
        "hired_employee_id": ("hired employee", "hire", "录用员工"),
    },
    "applications": {
        "application_id": ("application", "candidate id", "应聘编号", "候选人编号"),
        "requisition_id": ("requisition", "req id", "job id", "需求编号"),
        "channel": ("source", "recruitment source", "渠道", "应聘渠道", "招聘渠道"),
        "applied_date": ("application date", "applied", "apply date", "投递日期", "申请日期"),
        "screened_date": ("screen date", "screened", "筛选日期"),
        "interviewed_date": ("interview date", "interviewed", "面试日期"),
        "offered_date": ("offer date", "offered", "offer日期", "发放offer日期"),
        "accepted_date": ("acceptance date", "offer accepted", "accepted", "接受offer日期"),
        "hired_employee_id": ("hired employee", "录用员工"),
        "referrer_id": ("referrer", "referred by", "推荐人"),
    },
    "application_traits": {
        "application_id": ("application", "candidate id", "应聘编号", "候选人编号"),
        "years_experience": ("experience", "years of experience", "work experience", "工作年限", "工作经验"),
        "same_industry": ("industry experience", "same industry", "同行业经验", "行业经验"),
        "education": ("degree", "education level", "highest degree", "学历", "最高学历"),
        "assessment_score": ("assessment", "aptitude test", "test score", "测评分", "能力测评"),
        "interview_score": ("interview", "interview rating", "面试评分", "面试得分"),
    },
    "courses": {"hours": ("duration", "length", "课时", "时长"), "target_metric": ("metric", "目标指标")},
    "enrollments": {
        "enrolled_date": ("enrollment date", "enrolment date", "registered", "报名日期"),
        "completed_date": ("completion date", "date completed", "完成日期"),
        "completed": ("is completed", "finished", "是否完成", "完成"),
        "pre_score": ("pre test", "pretest", "pre-test score", "课前成绩", "课前测评"),
        "post_score": ("post test", "posttest", "post-test score", "课后成绩", "课后测评"),
    },
    "skill_assessments": {"assessed_date": ("assessment date", "date", "评估日期")},
    "role_skill_requirements": {"required_score": ("required level", "target score", "要求分数", "要求等级")},
    "performance_reviews": {
        "quarter": ("period", "review period", "季度", "考核周期"),
        "review_date": ("review date", "last performance review date", "评估日期", "考核日期"),
        "rating": ("performance rating", "performance score", "performance", "绩效", "绩效等级", "绩效评分"),
        "potential": ("potential rating", "潜力", "潜力评级"),
        "reviewer_id": ("reviewer", "评估人", "考核人"),
        "value_customer": ("customer first", "客户第一"), "value_teamwork": ("teamwork", "团队合作"),
        "value_results": ("results", "结果导向"),
        "collaboration": ("cross-department collaboration", "跨部门协作", "协作"),
        "veto": ("one-vote veto", "一票否决", "否决"), "veto_reason": ("veto reason", "否决原因"),
    },
    "engagement": {
        "survey_date": ("survey date", "date", "调研日期"),
        "engagement_score": ("engagement survey", "engagement", "敬业度", "敬业度得分"),
        "manager_score": ("manager rating", "上级评分"), "enps": ("recommend", "推荐意愿"),
    },
    "attendance": {
        "month": ("period", "月份"),
        "overtime_hours": ("overtime", "ot hours", "加班时长", "加班小时"),
        "leave_days": ("leave", "days off", "absence days", "请假天数"),
    },
    "travel": {
        "month": ("period", "月份"),
        "travel_days": ("travel", "travel days", "days travelled", "business trip days", "出差天数", "出差"),
    },
    "assistance_referrals": {
        "referral_date": ("date", "referred on", "eap date", "转介日期"),
        "source": ("referred by", "referral source", "转介来源"),
    },
    "mentorships": {"mentor_id": ("mentor", "导师"), "mentee_id": ("mentee", "protege", "学员", "徒弟")},
    "onboarding": {
        "plan_start": ("start", "start date", "开始日期"), "tasks_total": ("total tasks", "任务总数"),
        "tasks_done": ("done", "tasks completed", "完成任务数"), "completed_on": ("completed", "完成日期"),
    },
    "product_lines": {"launched_date": ("launch date", "launched", "上市日期")},
    "customers": {
        "customer_id": (),
        "external_key": (*_CUSTOMER[1:3], "account id", "客户编号", "客户代码", "id", "编号"),
        "name": ("customer name", "account", "account name", "company", "customer", "客户名称", "客户", "公司名称"),
        "tier": ("segment", "customer tier", "客户等级", "客户类型"),
        "region_id": ("region", "regional office", "office", "territory", "大区", "区域"),
        "industry": ("sector", "行业"), "created_date": ("created", "create date", "建档日期"),
    },
    "account_owners": {"employee_id": _REP},
    "quotas": {
        "employee_id": _REP,
        "month": ("quota date", "quota month", "period", "月份", "指标月份"),
        "amount": ("quota", "sales quota", "target", "指标", "销售指标", "目标金额"),
    },
    "orders": {
        "order_id": ("order", "order no", "order number", "deal id", "订单号", "订单编号"),
        "employee_id": _REP,
        "order_date": ("close date", "order date", "booking date", "date", "订单日期", "签约日期", "下单日期"),
        "amount": ("close value", "order amount", "total", "revenue", "订单金额", "合同金额"),
        "is_new_customer": ("new customer", "新客户", "是否新客户"),
    },
    "collections": {
        "collection_id": ("collection", "payment id", "回款编号"),
        "order_id": ("order", "order no", "订单号", "订单编号"),
        "collected_date": ("payment date", "received date", "collection date", "回款日期", "到账日期"),
        "amount": ("amount received", "payment", "回款金额"),
    },
    "opportunities": {
        "opportunity_id": (),
        "external_key": ("opportunity id", "opportunity", "deal id", "deal", "商机编号", "id"),
        "employee_id": _REP,
        "stage": ("deal stage", "status", "阶段", "商机阶段"),
        "amount": ("expected value", "deal value", "预计金额"),
        "created_date": ("engage date", "created", "create date", "创建日期"),
        "expected_close_date": ("expected close", "expected close date", "预计成交日期"),
        "closed_date": ("close date", "成交日期", "关闭日期"),
        "close_value": ("won value", "成交金额"),
    },
    "leads": {
        "external_key": ("lead id", "lead", "线索编号", "id"), "created_on": ("created", "create date", "创建日期"),
        "source": ("lead source", "channel", "来源", "线索来源", "渠道"), "campaign": ("campaign name", "市场活动"),
        "marketing_unit_id": ("marketing team", "市场团队"), "owner_id": ("lead owner", "owner", "负责销售", "跟进人"),
        "qualified_on": ("qualified", "qualified date", "确认日期"),
        "converted_on": ("converted", "转化日期", "成交日期"),
        "lost_on": ("lost", "丢失日期"), "customer_id": ("customer", "客户"),
    },
    "activities": {
        "employee_id": _REP, "activity_date": ("date", "活动日期"),
        "kind": ("type", "activity type", "类型", "活动类型"),
        "due_date": ("due", "截止日期"), "on_time": ("on time", "按时", "是否按时"),
    },
    "complaints": {"complaint_date": ("date", "投诉日期"), "severity": ("严重程度", "级别")},
    "csat": {"response_id": ("response", "答卷编号"), "score": ("csat", "satisfaction", "满意度"),
             "survey_date": ("date", "调研日期")},
    "goals": {"metric_id": ("metric", "指标"), "owner": ("负责人",), "target": ("目标值",)},
}


def aliases(table: str, column: str) -> tuple[str, ...]:
    """Every alias of one column of one table (weak ones with a leading ``~``)."""
    own = BY_TABLE.get(table, {}).get(column, ())
    if (table, column) in REPLACES:
        return own
    return GLOBAL.get(column, ()) + own
