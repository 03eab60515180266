"""What the demo company is made of: roles, regions, hiring channels, exit reasons, product lines,
skills, courses and industries, each with the parameters that belong to its items."""

from __future__ import annotations

import numpy as np

ROLE_IDS = ["sales_rep", "ka_rep", "team_lead", "regional_manager", "sales_ops", "customer_success", "hr_bp"]
REP, KA, LEAD, RM, OPS, CS, HRBP = range(7)
ROLE_ROWS = [
    ("sales_rep", "Sales rep", "销售代表", "sales", True, 1),
    ("ka_rep", "Key-account rep", "大客户经理", "sales", True, 1),
    ("team_lead", "Sales supervisor", "销售主管", "sales", True, 2),
    ("regional_manager", "Regional manager", "区域经理", "management", False, 3),
    ("sales_ops", "Sales operations", "销售运营", "support", False, None),
    ("customer_success", "Customer success", "客户成功", "support", False, None),
    ("hr_bp", "HR business partner", "HRBP", "hr", False, None),
]

REGIONS = [
    ("east", "East", "华东", 6),
    ("north", "North", "华北", 5),
    ("south", "South", "华南", 5),
    ("west", "Southwest", "西南", 4),
    ("central", "Central", "华中", 4),
    ("northwest", "Northwest", "西北", 3),
]
NEW_REGION = "northwest"

SOURCES = ["referral", "job_board", "campus", "agency", "event", "internal"]
SOURCE_P = np.array([0.25, 0.38, 0.12, 0.12, 0.10, 0.03])
SOURCE_HZ = np.array([0.33, 1.0, 1.1, 0.9, 1.0, 0.5])  # first-year exit hazard multiplier
SOURCE_TTF = np.array([28.0, 42.0, 55.0, 33.0, 40.0, 30.0])  # median days to fill
# funnel conversion per channel: screened, interviewed, offered, accepted
FUNNEL = np.array(
    [
        [0.65, 0.55, 0.45, 0.85],
        [0.30, 0.35, 0.30, 0.70],
        [0.40, 0.40, 0.35, 0.65],
        [0.70, 0.50, 0.40, 0.80],
        [0.35, 0.35, 0.30, 0.70],
        [0.80, 0.60, 0.50, 0.90],
    ]
)
RECRUITERS = ["李娜", "王芳", "张伟", "刘洋", "陈静", "赵磊"]

EXIT_TYPES = ["voluntary", "involuntary", "other"]
VOL_REASONS = ["compensation", "career", "manager", "workload", "relocation", "personal"]
INV_REASONS = ["performance", "misconduct", "restructuring"]
OTHER_REASONS = ["retirement", "health"]
EXIT_REASONS = VOL_REASONS + INV_REASONS + OTHER_REASONS

PRODUCT_LINES = [
    ("core", "Core", "核心产品"),
    ("pro", "Professional", "专业版"),
    ("service", "Services", "服务"),
    ("smart", "Smart devices", "智能新品"),
]
PL_BEFORE = np.array([0.55, 0.30, 0.15, 0.0])
PL_AFTER = np.array([0.53, 0.30, 0.145, 0.025])
PL_NEW_TEAM = np.array([0.10, 0.05, 0.05, 0.80])

SKILLS = [
    ("prospecting", "Prospecting", "客户开发", "sales"),
    ("negotiation", "Negotiation", "商务谈判", "sales"),
    ("ka_management", "Key-account management", "大客户管理", "sales"),
    ("product_knowledge", "Product knowledge", "产品知识", "knowledge"),
    ("communication", "Communication", "沟通表达", "soft"),
    ("closing", "Closing", "成交能力", "sales"),
    ("customer_retention", "Customer retention", "客户维护", "sales"),
    ("coaching", "Coaching", "辅导带教", "management"),
]
SKILL_IDS = [s[0] for s in SKILLS]
# required score per role, in SKILLS order (None = not required)
ROLE_SKILLS = {
    "sales_rep": [3.5, 3.0, 2.0, 3.5, 3.5, 3.5, 3.0, None],
    "ka_rep": [3.0, 4.0, 4.0, 3.5, 4.0, 3.5, 4.0, None],
    "team_lead": [3.5, 4.0, 3.5, 4.0, 4.0, 4.0, 3.5, 4.0],
    "regional_manager": [None, 4.5, 4.0, 4.0, 4.5, None, None, 4.5],
    "sales_ops": [None, None, None, 4.0, 3.5, None, None, None],
    "customer_success": [None, None, 3.0, 4.0, 4.0, None, 4.0, None],
    "hr_bp": [None, None, None, 2.5, 4.0, None, None, 3.5],
}

COURSES = [
    (
        "onboarding_30d",
        "30-day onboarding",
        "新人30天入职培训",
        "onboarding",
        "product_knowledge",
        "probation_exit_rate",
        16.0,
    ),
    ("ka_negotiation", "KA negotiation", "大客户谈判", "ka", "negotiation", "ka_share", 12.0),
    (
        "product_smart",
        "Smart devices product training",
        "智能新品产品培训",
        "product",
        "product_knowledge",
        "bookings",
        6.0,
    ),
    ("prospecting_basics", "Prospecting techniques", "客户开发技巧", "skills", "prospecting", "new_customers", 8.0),
    ("closing_skills", "Closing skills", "成交技巧", "skills", "closing", "attainment", 6.0),
    (
        "coaching_leads",
        "Coaching for sales supervisors",
        "销售主管辅导技巧",
        "management",
        "coaching",
        "attainment",
        10.0,
    ),
]

INDUSTRIES = ["manufacturing", "retail", "healthcare", "education", "logistics", "finance", "energy", "hospitality"]
INDUSTRY_ZH = ["制造", "零售", "医疗", "教育", "物流", "金融", "能源", "酒店"]
