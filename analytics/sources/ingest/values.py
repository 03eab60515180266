"""Value maps: the codes a source writes (``Voluntarily Terminated``, ``是``, ``Closed Won``) → Tandem's codes.

A value map belongs to a target column: ``{raw value: code}``, where a code of ``None`` means "empty"
(``Active`` → no exit type). Keys are compared after :func:`value_key` (Unicode NFKC, trimmed,
case-folded, inner spaces collapsed), so ``" YES "`` finds ``"yes"``. The map used for a column is,
in order of precedence: the user's entries (saved in the mapping profile), the built-ins below for
that table and column, the built-ins for the column name, the enum's own codes, the boolean words,
and for typed columns the empty markers (``N/A``, ``null``, ``-`` …).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import polars as pl

from analytics.sources.ingest.tables import Column, TableSpec

TRUE_WORDS = ("yes", "y", "true", "t", "1", "是", "对", "有", "真", "√", "✓", "on")
FALSE_WORDS = ("no", "n", "false", "f", "0", "否", "不是", "无", "没有", "假", "×", "✗", "off")
BOOL_MAP: dict[str, str | None] = {**dict.fromkeys(TRUE_WORDS, "true"), **dict.fromkeys(FALSE_WORDS, "false")}
# Markers that mean "no value" in a date, number, boolean or enum column (never in free text).
EMPTY_MARKERS = ("n/a", "na", "#n/a", "null", "none", "nan", "-", "--", "—", "/", "nil")

_CHANNEL = {
    "employee referral": "referral", "referral": "referral", "referred": "referral", "内推": "referral",
    "员工推荐": "referral", "推荐": "referral",
    "indeed": "job_board", "linkedin": "job_board", "careerbuilder": "job_board", "job board": "job_board",
    "website": "job_board", "on-line web application": "job_board", "online application": "job_board",
    "monster": "job_board", "glassdoor": "job_board", "招聘网站": "job_board", "网络招聘": "job_board",
    "智联招聘": "job_board", "前程无忧": "job_board", "boss直聘": "job_board", "猎聘": "job_board",
    "拉勾": "job_board", "官网": "job_board",
    "campus": "campus", "campus recruiting": "campus", "university": "campus", "校园招聘": "campus", "校招": "campus",
    "agency": "agency", "headhunter": "agency", "recruiting agency": "agency", "猎头": "agency", "中介": "agency",
    "diversity job fair": "event", "job fair": "event", "career fair": "event", "event": "event",
    "招聘会": "event", "活动": "event",
    "internal": "internal", "internal transfer": "internal", "内部调动": "internal", "内部": "internal",
    "google search": "other", "other": "other", "其他": "other",
}

DEFAULT_VALUE_MAPS: dict[str, dict[str, str | None]] = {
    "employees.exit_type": {
        "voluntarily terminated": "voluntary", "voluntary": "voluntary", "resigned": "voluntary",
        "resignation": "voluntary", "quit": "voluntary", "主动离职": "voluntary", "辞职": "voluntary",
        "terminated for cause": "involuntary", "involuntary": "involuntary", "dismissed": "involuntary",
        "fired": "involuntary", "laid off": "involuntary", "layoff": "involuntary", "被动离职": "involuntary",
        "辞退": "involuntary", "解雇": "involuntary", "裁员": "involuntary", "开除": "involuntary",
        "retired": "other", "other": "other", "其他": "other", "退休": "other",
        "active": None, "employed": None, "在职": None, "试用期": None, "正式": None,
    },
    "employees.exit_reason": {
        "n/a-stillemployed": None, "n/a-has not started yet": None, "n/a - still employed": None,
        "more money": "compensation", "compensation": "compensation", "pay": "compensation", "薪酬": "compensation",
        "薪资": "compensation", "another position": "career", "career change": "career", "career": "career",
        "职业发展": "career", "performance": "performance", "绩效": "performance", "attendance": "conduct",
        "no-call, no-show": "conduct", "gross misconduct": "conduct", "违纪": "conduct",
        "relocation out of area": "relocation", "relocation": "relocation", "搬迁": "relocation",
        "return to school": "education", "深造": "education", "retiring": "retirement", "retired": "retirement",
        "retirement": "retirement", "退休": "retirement",
        "death": "death", "deceased": "death", "身故": "death", "去世": "death", "end of contract": "contract_end",
        "contract ended": "contract_end", "fixed-term contract ended": "contract_end", "合同到期": "contract_end",
        "medical issues": "health", "健康": "health", "maternity leave - did not return": "family",
        "家庭原因": "family", "hours": "workload", "工作强度": "workload", "unhappy": "other", "military": "other",
        "个人原因": "other", "其他": "other",
    },
    "employees.gender": {"f": "F", "female": "F", "woman": "F", "女": "F", "女性": "F",
                         "m": "M", "male": "M", "man": "M", "男": "M", "男性": "M"},
    "hire_source": _CHANNEL,
    "channel": _CHANNEL,
    "performance_reviews.rating": {"exceeds": "4", "fully meets": "3", "meets": "3", "needs improvement": "2",
                                   "pip": "1", "优秀": "5", "良好": "4", "合格": "3", "待改进": "2", "不合格": "1"},
    "customers.tier": {"ka": "KA", "key account": "KA", "key": "KA", "大客户": "KA", "重点客户": "KA",
                       "regular": "regular", "standard": "regular", "normal": "regular", "普通": "regular",
                       "普通客户": "regular"},
    "opportunities.stage": {"prospecting": "prospecting", "lead": "prospecting", "潜在": "prospecting",
                            "线索": "prospecting", "engaging": "engaging", "qualified": "engaging", "洽谈": "engaging",
                            "跟进": "engaging", "proposal": "proposal", "quote": "proposal", "方案": "proposal",
                            "报价": "proposal", "won": "won", "closed won": "won", "赢单": "won", "成交": "won",
                            "lost": "lost", "closed lost": "lost", "输单": "lost", "丢单": "lost"},
    "activities.kind": {"visit": "visit", "meeting": "visit", "拜访": "visit", "面访": "visit", "call": "call",
                        "phone": "call", "电话": "call", "proposal": "proposal", "方案": "proposal",
                        "提案": "proposal"},
    "org_units.level": {"公司": "company", "总公司": "company", "集团": "company", "大区": "region", "区域": "region",
                        "团队": "team", "组": "team", "小组": "team", "部门": "department", "职能部门": "department"},
    "leads.source": {"website": "web", "官网": "web", "网站": "web", "线上": "web", "展会": "event", "活动": "event",
                     "会议": "event", "合作伙伴": "partner", "渠道伙伴": "partner", "市场活动": "campaign",
                     "推广": "campaign", "转介绍": "referral", "推荐": "referral", "其他": "other"},
    "roles.family": {"销售": "sales", "管理": "management", "支持": "support", "人力": "hr", "人力资源": "hr"},
    "goals.level": {"战略": "strategy", "销售": "sales", "人力": "hr"},
    "goals.direction": {"higher": "up", "increase": "up", "上升": "up", "越高越好": "up",
                        "lower": "down", "decrease": "down", "下降": "down", "越低越好": "down"},
}

_SPACES = re.compile(r"\s+")


def value_key(value: str) -> str:
    """The form value-map keys are compared in: NFKC, trimmed, case-folded, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip().casefold()


def value_key_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`value_key` as a polars expression (vectorised)."""
    return expr.str.normalize("NFKC").str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()


def default_value_map(spec: TableSpec, column: Column) -> dict[str, str | None]:
    """The built-in value map of one column (before the user's entries)."""
    out: dict[str, str | None] = {}
    if column.type not in ("str",):
        out.update(dict.fromkeys(EMPTY_MARKERS))
    if column.type == "bool":
        out.update(BOOL_MAP)
    if column.type == "enum":
        out.update({value_key(v): v for v in column.values})
    out.update(DEFAULT_VALUE_MAPS.get(column.name, {}))
    out.update(DEFAULT_VALUE_MAPS.get(f"{spec.name}.{column.name}", {}))
    return out


def effective_value_map(spec: TableSpec, column: Column,
                        user: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """Built-ins overlaid with the user's entries, keys in :func:`value_key` form."""
    out = default_value_map(spec, column)
    out.update({value_key(k): v for k, v in (user or {}).items()})
    return out
