"""The synthetic demo company: a sales organisation whose data behaves like the real thing.

`build_demo(size, seed, end)` returns one polars frame per table of `sql/schema.sql`
(every table except `meta`), with the schema's columns in schema order.  The company is
simulated month by month over state arrays that hold every person (vectorised numpy:
the only Python loop is over months), then the facts are expanded from those states.

What the data contains, and the effects embedded in it, is described in
`docs/demo_company.md`; the tests in `tests/analytics/test_demo.py` measure the effects
from the frames alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl

__all__ = ["SIZES", "build_demo", "default_end_month"]

# ───────────────────────────── sizes ─────────────────────────────
# team_scale multiplies the number of teams of every region; the other knobs keep the
# largest size within a few GB (fewer, larger orders and fewer logged activities).
SIZES: dict[str, dict] = {
    "small": {
        "years": 3,
        "team_scale": 1.0,
        "np_regions": ["east"],
        "order_size": 1.0,
        "activity_rate": 1.0,
        "approx_headcount": 300,
    },
    "medium": {
        "years": 5,
        "team_scale": 17.0,
        "np_regions": ["east", "north", "south", "west", "central"],
        "order_size": 1.0,
        "activity_rate": 1.0,
        "approx_headcount": 5_000,
    },
    "large": {
        "years": 5,
        "team_scale": 170.0,
        "np_regions": ["east", "north", "south", "west", "central"],
        "order_size": 4.0,
        "activity_rate": 0.2,
        "approx_headcount": 50_000,
    },
}

BURN_IN = 120  # months simulated before the window so tenures and flags are settled
BIG = 10**7  # "never" as a day number

# ───────────────────────────── vocabulary ─────────────────────────────
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
NAME_HEAD = list("华中东恒瑞鑫博创盛泰联宏新安金天远通达海明嘉信德兴和永光")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉宇鑫浩凯婷雪琳晨阳")

# Seasonality of quota and bookings by calendar month (mean 1): February dip, Q4 peak.
SEASON = np.array([0.92, 0.70, 1.00, 0.98, 1.00, 1.05, 0.95, 0.93, 1.04, 1.04, 1.12, 1.27])
QUOTA_BASE = {REP: 100_000.0, KA: 160_000.0, LEAD: 60_000.0}  # CNY per month at window start
QUOTA_GROWTH = 0.06  # per year
ORDER_SIZE = {"ka": 45_000.0, "rep": 12_000.0, "new": 25_000.0}
# bookings split by rep type: (KA share, new-customer share); the rest is repeat business
TYPE_SPLIT = {0: (0.22, 0.15), 1: (0.05, 0.65), 2: (0.75, 0.05)}  # mixed, hunter, KA specialist

# ── embedded effects (magnitudes measured in docs/demo_company.md) ──
HZ_SCALE = 0.93
HZ_REP = np.array([0.0, 0.285, 0.305, 0.270, 0.120, 0.032, 0.032] + [0.0175] * 6 + [0.0129] * 12 + [0.0115] * 400)
HZ_OTHER = {LEAD: 0.008, RM: 0.005, OPS: 0.011, CS: 0.011, HRBP: 0.009}
MENTOR_P = 0.55  # share of new reps given a mentor when the team has an experienced rep
MENTOR_PROBATION_HZ = 0.5  # hazard multiplier for mentored reps in tenure months 1–4
RAMP_TAU = (2.1, 1.5)  # months: unmentored, mentored  (ramp = 1 - exp(-(k - 0.5) / tau))
LOW_ATT_HZ = 2.5  # two consecutive full quarters under 70% attainment
OT_HZ = 0.045  # log-hazard per overtime hour above 18 h/month
ENG_HZ = 0.8  # log-hazard per engagement point below 3.7
COMM_HZ = ((0.6, 2.3), (0.85, 1.5))  # trailing-3-month bookings ÷ peer mean below x → ×y
KA_LIFT = 0.22  # KA bookings in the 6 months after completing ka_negotiation
KA_TRAIN_SHARE = 0.30  # of eligible KA-holding reps enrolled per wave (random)
POOR_COLLECTOR_P = 0.05
TRANSFER_P = 0.003  # per experienced rep per month
SEED_REPS = 2  # experienced reps transferred into each new team when it starts
INTERNAL_LEAD_P = 0.6  # team-lead vacancies filled by promotion
KA_ROLE_P = 0.22  # of rep hires hired as ka_rep
HUNTER_P = 0.35  # of sales_rep hires who hunt


def default_end_month(today: date | None = None) -> date:
    """First day of the last complete month before `today` (default: today)."""
    today = today or date.today()
    first = date(today.year, today.month, 1)
    return _add_months(first, -1)


def _add_months(d: date, k: int) -> date:
    n = d.year * 12 + d.month - 1 + k
    return date(n // 12, n % 12 + 1, 1)


def _cn_num(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五 (enough for team numbers)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = digits[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + digits[rest]
        return head + (digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))
    return str(n)


def _group_pick(rng, cand_keys, cand_vals, want_keys):
    """For each wanted key, a uniformly random candidate value with that key (-1 if none)."""
    want_keys = np.asarray(want_keys)
    if len(cand_keys) == 0 or len(want_keys) == 0:
        return np.full(len(want_keys), -1, dtype=np.int64)
    order = np.argsort(cand_keys, kind="stable")
    ks, vs = cand_keys[order], cand_vals[order]
    lo = np.searchsorted(ks, want_keys, "left")
    cnt = np.searchsorted(ks, want_keys, "right") - lo
    pick = lo + np.floor(rng.random(len(want_keys)) * cnt).astype(np.int64)
    return np.where(cnt > 0, vs[np.minimum(pick, len(vs) - 1)], -1)


def _best_distinct(need_keys, cand_keys, cand_vals, cand_score):
    """The j-th need of a key gets the j-th best candidate of that key (-1 if none left)."""
    need_keys = np.asarray(need_keys)
    out = np.full(len(need_keys), -1, dtype=np.int64)
    if len(cand_keys) == 0 or len(need_keys) == 0:
        return out
    co = np.lexsort((-cand_score, cand_keys))
    ck, cv = cand_keys[co], cand_vals[co]
    no = np.argsort(need_keys, kind="stable")
    nk = need_keys[no]
    first = np.searchsorted(nk, nk, "left")
    rank = np.arange(len(nk)) - first
    lo = np.searchsorted(ck, nk, "left")
    cnt = np.searchsorted(ck, nk, "right") - lo
    ok = rank < cnt
    res = np.full(len(nk), -1, dtype=np.int64)
    res[ok] = cv[lo[ok] + rank[ok]]
    out[no] = res
    return out


# ───────────────────────────── the simulation ─────────────────────────────

_FIELDS = {
    "unit": (np.int32, -1),
    "role": (np.int8, -1),
    "level": (np.int8, 1),
    "hire": (np.int64, 0),
    "hire_m": (np.int32, 0),
    "term": (np.int64, BIG),
    "source": (np.int8, 1),
    "referrer": (np.int64, -1),
    "mentor": (np.int64, -1),
    "mentor_start": (np.int64, 0),
    "prod": (np.float64, 1.0),
    "rtype": (np.int8, 0),
    "poor": (np.bool_, False),
    "eng_lat": (np.float64, 3.7),
    "eng_obs": (np.float64, np.nan),
    "ot_lat": (np.float64, 18.0),
    "ot_last": (np.float64, np.nan),
    "quality": (np.float64, 0.0),
    "intensity": (np.float64, 1.0),
    "gender": (np.int8, 0),
    "birth": (np.int32, 1990),
    "pot": (np.float64, 0.0),
    "u_base": (np.float64, 0.5),
    "lowq1": (np.bool_, False),
    "lowq2": (np.bool_, False),
    "qB": (np.float64, 0.0),
    "qQ": (np.float64, 0.0),
    "qfull": (np.int8, 0),
    "b3": (np.float64, 0.0),
    "b2": (np.float64, 0.0),
    "b1": (np.float64, 0.0),
    "nb": (np.int16, 0),
    "ka_m": (np.int32, -999),
    "ka_since": (np.int32, 10**6),
    "ka_enr": (np.bool_, False),
    "never_assessed": (np.bool_, False),
    "exit_type": (np.int8, -1),
    "exit_reason": (np.int8, -1),
}


class _Sim:
    def __init__(self, params: dict, end: date, seed: int, progress):
        self.p = params
        self.rng = np.random.default_rng(seed)
        self.progress = progress or (lambda f, msg: None)
        self.M = 12 * int(params["years"])
        self.B = BURN_IN
        self.end = end
        self.start = _add_months(end, -(self.M - 1))
        self.ym0 = self.start.year * 12 + self.start.month - 1
        months = np.arange(self.ym0 - self.B, self.ym0 + self.M + 1) - 1970 * 12
        self.mstart = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        self.W0 = int(self.mstart[self.B])
        self.END = int(self.mstart[self.B + self.M] - 1)  # last day of history
        self.nw_open = 24  # start of year 3
        self.launch = 36 if self.M >= 48 else self.M - 12
        self.cap = 0
        self.n = 0
        self.P: dict[str, np.ndarray] = {}
        self._grow(4096)
        # logs
        self.ev: list[tuple] = []  # placement events (p, day, unit, role, level)
        self.reqs: list[dict] = []  # requisitions of arrivals / pending
        self.panel: list[dict] = []
        self.orders: list[dict] = []
        self.surveys: list[dict] = []
        self.ka_enr: list[dict] = []
        self.own_rows: list[tuple] = []
        self._build_org()

    # ── storage ──
    def _grow(self, need: int):
        if need <= self.cap:
            return
        new = max(need, int(self.cap * 1.6) + 1024)
        for k, (dt_, dflt) in _FIELDS.items():
            arr = np.full(new, dflt, dtype=dt_)
            if k in self.P:
                arr[: self.cap] = self.P[k][: self.cap]
            self.P[k] = arr
        self.cap = new

    def _new_people(self, unit, role, hire, hire_m, source):
        """Create people with fresh latent traits; returns their indices."""
        k = len(unit)
        self._grow(self.n + k)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        r, P = self.rng, self.P
        P["unit"][idx] = unit
        P["role"][idx] = role
        P["hire"][idx] = hire
        P["hire_m"][idx] = hire_m
        P["source"][idx] = source
        z = r.standard_normal(k)
        P["prod"][idx] = np.exp(np.log(0.89) + 0.30 * z)
        P["pot"][idx] = 0.6 * z + 0.8 * r.standard_normal(k)
        is_rep = (role == REP) | (role == KA)
        rt = np.where(r.random(k) < HUNTER_P, 1, 0)
        P["rtype"][idx] = np.where(role == KA, 2, np.where(role == REP, rt, 0))
        P["poor"][idx] = is_rep & (r.random(k) < POOR_COLLECTOR_P)
        P["eng_lat"][idx] = np.clip(3.7 + 0.55 * r.standard_normal(k), 1.3, 5.0)
        P["ot_lat"][idx] = 18.0 * np.exp(0.45 * r.standard_normal(k) - 0.1)
        P["quality"][idx] = r.standard_normal(k)
        P["intensity"][idx] = np.exp(0.25 * (0.4 * z + 0.9 * r.standard_normal(k)))
        P["gender"][idx] = (r.random(k) < 0.46).astype(np.int8)  # 1 = F
        age = np.where(
            role == RM, r.integers(32, 46, k), np.where(role == LEAD, r.integers(27, 40, k), r.integers(21, 36, k))
        )
        hy = (hire.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int32)
        P["birth"][idx] = hy - age
        P["u_base"][idx] = r.random(k)
        P["never_assessed"][idx] = r.random(k) < 0.10
        P["level"][idx] = self._level(role, np.zeros(k))
        return idx

    @staticmethod
    def _level(role, tenure_days):
        yrs = np.asarray(tenure_days) / 365.25
        step = np.where(yrs < 2, 0, np.where(yrs < 4, 1, 2))
        base = np.select(
            [role == REP, role == KA, role == LEAD, role == RM, role == HRBP],
            [1, 2, 4, 5, 3],
            default=2,
        )
        lvl = np.where(
            (role == REP) | (role == KA),
            base + step,
            np.where((role == OPS) | (role == CS), base + np.minimum(step, 1), base),
        )
        return lvl.astype(np.int8)

    # ── organisation ──
    def _build_org(self):
        r = self.rng
        scale = float(self.p["team_scale"])
        founding = np.datetime64(date(self.start.year - 12, 1, 1)).astype(np.int64)
        self.founding = int(founding)
        u = {
            "id": ["company"],
            "parent": [None],
            "level": ["company"],
            "en": ["Company"],
            "zh": ["总公司"],
            "opened": [self.founding],
            "region": [-1],
        }
        self.region_units = {}
        for i, (rid, en, zh, _) in enumerate(REGIONS):
            self.region_units[rid] = len(u["id"])
            opened = int(self.mstart[self.B + self.nw_open]) if rid == NEW_REGION else self.founding
            for key, val in zip(u, [rid, "company", "region", en, zh, opened, i], strict=True):
                u[key].append(val)
        team_rows = []  # (unit_idx, region_i, is_np, rep_from_m, lead_from_m)
        for i, (rid, en, zh, base) in enumerate(REGIONS):
            nt = max(1, round(base * scale))
            for t in range(1, nt + 1):
                idx = len(u["id"])
                new_region = rid == NEW_REGION
                opened = int(self.mstart[self.B + self.nw_open]) if new_region else self.founding
                for key, val in zip(
                    u, [f"{rid}-{t:02d}", rid, "team", f"{en} Team {t}", f"{zh}{_cn_num(t)}组", opened, i], strict=True
                ):
                    u[key].append(val)
                if new_region:
                    team_rows.append((idx, i, False, self.nw_open - 4, self.nw_open - 3))
                else:
                    team_rows.append((idx, i, False, -10_000, -10_000))
        for rid in self.p["np_regions"]:
            i = [x[0] for x in REGIONS].index(rid)
            en, zh = REGIONS[i][1], REGIONS[i][2]
            idx = len(u["id"])
            opened = int(self.mstart[self.B + self.launch - 3])
            for key, val in zip(
                u, [f"{rid}-np", rid, "team", f"{en} New Product Team", f"{zh}新品组", opened, i], strict=True
            ):
                u[key].append(val)
            team_rows.append((idx, i, True, self.launch - 3, self.launch - 3))
        self.units = u
        U = len(u["id"])
        self.U = U
        self.unit_region = np.array(u["region"], dtype=np.int64)
        self.region_unit_idx = np.array([self.region_units[x[0]] for x in REGIONS])
        tr = np.array([(a, b, int(c), d, e) for a, b, c, d, e in team_rows], dtype=np.int64)
        self.team_idx = tr[:, 0]
        self.is_team = np.zeros(U, bool)
        self.is_team[self.team_idx] = True
        self.is_np = np.zeros(U, bool)
        self.is_np[tr[tr[:, 2] == 1, 0]] = True
        self.rep_from = np.full(U, 10**6)
        self.rep_from[self.team_idx] = tr[:, 3]
        self.lead_from = np.full(U, 10**6)
        self.lead_from[self.team_idx] = tr[:, 4]
        nt = len(self.team_idx)
        self.team_f = np.ones(U)
        self.team_f[self.team_idx] = np.exp(0.08 * r.standard_normal(nt))
        nw_ri = [x[0] for x in REGIONS].index(NEW_REGION)
        self.team_f[self.team_idx[tr[:, 1] == nw_ri]] *= 0.92
        self.seat0 = np.zeros(U)
        self.seat0[self.team_idx] = np.where(
            tr[:, 2] == 1, 8.0, np.where(tr[:, 1] == nw_ri, r.uniform(7.0, 8.5, nt), r.uniform(7.6, 9.3, nt))
        )
        self.seat_u = np.zeros(U)
        self.seat_u[self.team_idx] = r.random(nt)
        # support seats: (unit, role) → count, active from month
        sup = np.zeros((U, 7), dtype=np.int64)
        teams_per_region = np.bincount(self.unit_region[self.team_idx], minlength=len(REGIONS))
        for i, (rid, *_rest) in enumerate(REGIONS):
            ru = self.region_units[rid]
            ntr = teams_per_region[i]
            sup[ru, HRBP] = max(1, round(ntr / 8))
            sup[ru, CS] = max(1, round(ntr / 5))
            sup[ru, OPS] = max(1, round(ntr / 6)) if ntr >= 5 else 0
        sup[0, OPS] = max(2, round(nt / 20))
        sup[0, HRBP] = max(1, round(nt / 30))
        self.sup = sup
        self.sup_from = np.full(U, -10_000)
        self.sup_from[self.region_units[NEW_REGION]] = self.nw_open - 4
        self.rm_from = np.full(U, 10**6)
        for rid in self.region_units:
            self.rm_from[self.region_units[rid]] = self.nw_open - 3 if rid == NEW_REGION else -10_000

    def _seats(self, m: int) -> np.ndarray:
        """Seats per group (unit*8 + class) in month m."""
        U = self.U
        s = np.zeros(U * 8, dtype=np.int64)
        t = self.team_idx
        g = (1 + 0.04) ** (max(m, 0) / 12)
        reps = np.floor(self.seat0[t] * g + self.seat_u[t]).astype(np.int64)
        started = m >= self.rep_from[t]
        first = m == self.rep_from[t]
        nw_first = first & ~self.is_np[t]
        reps = np.where(started, np.where(nw_first, np.ceil(reps * 0.5).astype(np.int64), reps), 0)
        s[t * 8 + 0] = reps
        s[t * 8 + LEAD] = (m >= self.lead_from[t]).astype(np.int64)
        ru = self.region_unit_idx
        s[ru * 8 + RM] = (m >= self.rm_from[ru]).astype(np.int64)
        for role in (OPS, CS, HRBP):
            units = np.arange(U)
            s[units * 8 + role] = np.where(m >= self.sup_from, self.sup[:, role], 0)
        return s

    def _group(self, idx):
        role = self.P["role"][idx].astype(np.int64)
        cls = np.where(role == KA, 0, role)
        return self.P["unit"][idx].astype(np.int64) * 8 + cls

    # ── initial population ──
    def _initial(self):
        r = self.rng
        m = -self.B
        ms = int(self.mstart[0])
        seats = self._seats(m)
        g = np.repeat(np.arange(len(seats)), seats)
        unit = g // 8
        cls = g % 8
        role = np.where(cls == 0, np.where(r.random(len(g)) < KA_ROLE_P, KA, REP), cls)
        mean_ten = np.select([role == RM, role == LEAD], [2200.0, 1600.0], default=900.0)
        ten = (30 + r.exponential(mean_ten)).astype(np.int64)
        hire = np.maximum(ms - ten, self.founding + 30)
        hire_m = self._month_of(hire)
        src = r.choice(len(SOURCES), len(g), p=SOURCE_P)
        idx = self._new_people(unit, role.astype(np.int8), hire, hire_m, src)
        self.P["level"][idx] = self._level(role, ms - hire)
        self.pend = {
            k: np.zeros(0, dtype=np.int64)
            for k in ("group", "role", "hire", "opened", "filled", "target", "source", "key", "recruiter")
        }

    def _month_of(self, day):
        """Month index (relative to window start) of day numbers."""
        ym = np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
        return (ym - self.ym0).astype(np.int32)

    # ── one month ──
    def run(self):
        self._initial()
        total = self.B + self.M
        for i, m in enumerate(range(-self.B, self.M)):
            if m == 0:
                self.snap = {k: self.P[k][: self.n].copy() for k in ("unit", "role", "level")}
                self.snap_n = self.n
                self._init_customers()
            self._month(m)
            if i % max(1, total // 5) == 0:
                self.progress(0.05 + 0.6 * i / total, f"Simulating month {i + 1} of {total}")

    def _month(self, m: int):
        i = m + self.B
        ms, me = int(self.mstart[i]), int(self.mstart[i + 1] - 1)
        cal = (self.ym0 + m) % 12
        self._arrivals(m, ms, me)
        if m > -self.B:
            self._promotions(m, ms)
            self._transfers(m, ms)
        self._vacancies(m, ms, me)
        if cal in (2, 8):
            self._survey(m, ms)
        self._exits(m, ms, me)
        if m >= 0:
            self._reassign(m, ms)
            if cal in (2, 8):
                self._ka_wave(m, ms, me)
        self._sell(m, ms, me, cal)

    def _alive_at(self, day):
        P, n = self.P, self.n
        return np.flatnonzero((P["hire"][:n] <= day) & (P["term"][:n] >= day))

    def _arrivals(self, m, ms, me):
        pd_ = self.pend
        if len(pd_["hire"]) == 0:
            return
        arr = (pd_["hire"] >= ms) & (pd_["hire"] <= me)
        if not arr.any():
            return
        sel = {k: v[arr] for k, v in pd_.items()}
        self.pend = {k: v[~arr] for k, v in pd_.items()}
        r, P = self.rng, self.P
        unit = sel["group"] // 8
        idx = self._new_people(unit, sel["role"].astype(np.int8), sel["hire"], np.full(len(unit), m), sel["source"])
        # mentors: experienced reps of the same team
        alive = self._alive_at(ms)
        exp_rep = alive[((P["role"][alive] == REP) | (P["role"][alive] == KA)) & (P["hire"][alive] <= ms - 365)]
        rep_new = (sel["role"] == REP) | (sel["role"] == KA)
        mentor = _group_pick(r, P["unit"][exp_rep].astype(np.int64), exp_rep, unit)
        give = rep_new & (mentor >= 0) & (r.random(len(idx)) < MENTOR_P)
        P["mentor"][idx[give]] = mentor[give]
        P["mentor_start"][idx] = sel["hire"] + r.integers(0, 15, len(idx))
        # referrers: someone in the same region (company-wide if the region is empty)
        refd = sel["source"] == 0
        if refd.any():
            cand = alive[P["hire"][alive] <= ms - 60]
            reg = self.unit_region[P["unit"][cand]]
            ref = _group_pick(r, reg, cand, self.unit_region[unit[refd]])
            miss = ref < 0
            if miss.any() and len(cand):
                ref[miss] = cand[r.integers(0, len(cand), miss.sum())]
            P["referrer"][idx[refd]] = ref
        if m >= 0:
            self.ev.append((idx, sel["hire"], unit, sel["role"], P["level"][idx]))
            self.reqs.append({**sel, "person": idx})

    def _promotions(self, m, ms):
        r, P, n = self.rng, self.P, self.n
        alive = self._alive_at(ms)
        alive = alive[P["hire"][alive] < ms]
        role = P["role"][alive]
        seats = self._seats(m)
        moved = np.zeros(0, dtype=np.int64)
        # regional managers: best team lead of the region, else of the company
        rm_units = self.region_unit_idx[seats[self.region_unit_idx * 8 + RM] > 0]
        occ = np.flatnonzero(P["term"][:n] >= ms)  # everyone here or arriving this month
        have_rm = np.zeros(self.U, bool)
        have_rm[P["unit"][occ[P["role"][occ] == RM]]] = True
        need = rm_units[~have_rm[rm_units]]
        if len(need):
            leads = alive[role == LEAD]
            score = P["prod"][leads] * np.exp(0.2 * r.standard_normal(len(leads)))
            pick = _best_distinct(self.unit_region[need], self.unit_region[P["unit"][leads]], leads, score)
            miss = pick < 0
            if miss.any():
                rest = np.setdiff1d(leads, pick[pick >= 0])
                sc = P["prod"][rest]
                pick[miss] = _best_distinct(np.zeros(miss.sum(), np.int64), np.zeros(len(rest), np.int64), rest, sc)
            ok = pick >= 0
            self._place(pick[ok], ms, need[ok], RM)
            moved = np.concatenate([moved, pick[ok]])
        # team leads
        role = P["role"][alive]
        occ = np.flatnonzero(P["term"][:n] >= ms)
        act_lead_team = np.zeros(self.U, bool)
        act_lead_team[P["unit"][occ[P["role"][occ] == LEAD]]] = True
        pend_lead = np.zeros(self.U, bool)
        pl_g = self.pend["group"]
        pend_lead[(pl_g[pl_g % 8 == LEAD]) // 8] = True
        tt = self.team_idx
        vac = tt[(seats[tt * 8 + LEAD] > 0) & ~act_lead_team[tt] & ~pend_lead[tt]]
        vac = vac[r.random(len(vac)) < INTERNAL_LEAD_P]
        if len(vac):
            reps = alive[((role == REP) | (role == KA)) & (P["hire"][alive] <= ms - 365)]
            reps = np.setdiff1d(reps, moved)
            score = P["prod"][reps] * np.exp(0.2 * r.standard_normal(len(reps)))
            pick = _best_distinct(vac, P["unit"][reps].astype(np.int64), reps, score)
            for key_of in (lambda x: self.unit_region[x], lambda x: np.zeros(len(x), np.int64)):
                miss = pick < 0
                if not miss.any():
                    break
                avail = np.isin(reps, pick[pick >= 0], invert=True)
                rr = reps[avail]
                pick[miss] = _best_distinct(key_of(vac[miss]), key_of(P["unit"][rr].astype(np.int64)), rr, score[avail])
            ok = pick >= 0
            self._place(pick[ok], ms, vac[ok], LEAD)
            moved = np.concatenate([moved, pick[ok]])
        self._moved = moved

    def _transfers(self, m, ms):
        r, P = self.rng, self.P
        alive = self._alive_at(ms)
        role = P["role"][alive]
        cand = alive[((role == REP) | (role == KA)) & (P["hire"][alive] <= ms - 365)]
        cand = np.setdiff1d(cand, self._moved)
        # a team that starts this month is seeded with experienced reps (they can mentor its hires):
        # from the same region for a new-product team, from anywhere for the new region
        new = self.team_idx[self.rep_from[self.team_idx] == m]
        if len(new):
            need = np.repeat(new, SEED_REPS)
            senior = cand[P["hire"][cand] <= ms - 730]
            same = self.is_np[need]
            pick = np.full(len(need), -1, np.int64)
            score = r.random(len(senior))
            pick[same] = _best_distinct(
                self.unit_region[need[same]], self.unit_region[P["unit"][senior]], senior, score
            )
            rest = np.isin(senior, pick, invert=True)
            pick[~same] = _best_distinct(
                np.zeros((~same).sum(), np.int64), np.zeros(rest.sum(), np.int64), senior[rest], score[rest]
            )
            ok = pick >= 0
            self._place(pick[ok], ms, need[ok], P["role"][pick[ok]])
            cand = np.setdiff1d(cand, pick)
        go = cand[r.random(len(cand)) < TRANSFER_P]
        if len(go) == 0:
            return
        open_t = self.team_idx[(m >= self.rep_from[self.team_idx])]
        reg = self.unit_region[open_t]
        dest = _group_pick(r, reg, open_t, self.unit_region[P["unit"][go]])
        ok = (dest >= 0) & (dest != P["unit"][go])
        self._place(go[ok], ms, dest[ok], P["role"][go[ok]])

    def _place(self, idx, day, unit, role):
        if len(idx) == 0:
            return
        P = self.P
        role = np.broadcast_to(np.asarray(role, dtype=np.int8), idx.shape)
        P["unit"][idx] = unit
        P["role"][idx] = role
        P["level"][idx] = np.maximum(P["level"][idx], self._level(role, day - P["hire"][idx]))
        if role[0] in (LEAD, RM):
            P["level"][idx] = self._level(role, day - P["hire"][idx])
        if day >= self.W0:
            self.ev.append(
                (idx.copy(), np.full(len(idx), day), np.asarray(unit).copy(), role.copy(), P["level"][idx].copy())
            )

    def _vacancies(self, m, ms, me):
        r, P = self.rng, self.P
        n = self.n
        occ = np.flatnonzero(P["term"][:n] >= ms)
        seats = self._seats(m)
        G = len(seats)
        have = np.bincount(self._group(occ), minlength=G)
        have += np.bincount(self.pend["group"], minlength=G)
        vac = np.clip(seats - have, 0, None)
        g = np.repeat(np.arange(G), vac)
        k = len(g)
        if k == 0:
            return
        cls = g % 8
        role = np.where(cls == 0, np.where(r.random(k) < np.where(self.is_np[g // 8], 0.1, KA_ROLE_P), KA, REP), cls)
        src = r.choice(len(SOURCES), k, p=SOURCE_P)
        key = (role == LEAD) | (role == RM) | (role == KA)
        opened = ms + r.integers(0, 10, k)
        ttf = np.clip(SOURCE_TTF[src] * np.where(key, 1.3, 1.0) * np.exp(0.35 * r.standard_normal(k)), 10, 150).astype(
            np.int64
        )
        filled = opened + ttf
        notice = np.where(src == 2, r.integers(20, 60, k), r.integers(7, 30, k))
        hire = filled + notice
        hire = np.where(hire <= me, me + 1 + r.integers(0, 10, k), hire)  # not before next month
        new = {
            "group": g,
            "role": role,
            "hire": hire,
            "opened": opened,
            "filled": filled,
            "target": opened + r.integers(45, 61, k),
            "source": src,
            "key": key.astype(np.int64),
            "recruiter": r.integers(0, len(RECRUITERS), k),
        }
        self.pend = {kk: np.concatenate([self.pend[kk], new[kk].astype(np.int64)]) for kk in self.pend}

    def _survey(self, m, ms):
        r, P = self.rng, self.P
        day = ms + 14
        resp = self._alive_at(ms)
        resp = resp[(P["hire"][resp] <= day - 30) & (r.random(len(resp)) < 0.85)]
        ot = np.where(np.isnan(P["ot_last"][resp]), P["ot_lat"][resp], P["ot_last"][resp])
        score = np.clip(np.round(P["eng_lat"][resp] - 0.012 * (ot - 18) + 0.35 * r.standard_normal(len(resp)), 1), 1, 5)
        P["eng_obs"][resp] = score
        mgr = np.clip(
            np.round(
                3.8
                + 0.8 * (self.team_f[P["unit"][resp]] - 1) * 5
                + 0.3 * (score - 3.7)
                + 0.5 * r.standard_normal(len(resp)),
                1,
            ),
            1,
            5,
        )
        enps = np.clip(np.round(2 * score - 1 + r.normal(0, 1.2, len(resp))), 0, 10).astype(np.int64)
        if m >= 0:
            self.surveys.append({"p": resp, "day": np.full(len(resp), day), "eng": score, "mgr": mgr, "enps": enps})

    def _exits(self, m, ms, me):
        r, P, n = self.rng, self.P, self.n
        alive = np.flatnonzero((P["hire"][:n] <= me) & (P["term"][:n] == BIG))
        role = P["role"][alive].astype(np.int64)
        k = np.maximum(m - P["hire_m"][alive] + 1, 1)
        is_rep = (role == REP) | (role == KA)
        quota = is_rep | (role == LEAD)
        base = np.where(is_rep, HZ_REP[np.minimum(k, len(HZ_REP) - 1)], 0.0)
        for rl, h in HZ_OTHER.items():
            base = np.where(role == rl, h * np.where(k <= 3, 4.0, 1.0), base)
        mult = np.where(k <= 12, SOURCE_HZ[P["source"][alive]], 1.0)
        mult *= np.where(is_rep & (P["mentor"][alive] >= 0) & (k <= 4), MENTOR_PROBATION_HZ, 1.0)
        low = quota & P["lowq1"][alive] & P["lowq2"][alive]
        mult *= np.where(low, LOW_ATT_HZ, 1.0)
        ot = np.where(np.isnan(P["ot_last"][alive]), P["ot_lat"][alive], P["ot_last"][alive])
        mult *= np.exp(OT_HZ * (ot - 18.0))
        eng = np.where(np.isnan(P["eng_obs"][alive]), P["eng_lat"][alive], P["eng_obs"][alive])
        mult *= np.exp(-ENG_HZ * (eng - 3.7))
        ratio = self._peer_ratio(alive, k)
        cm = np.where(ratio < COMM_HZ[0][0], COMM_HZ[0][1], np.where(ratio < COMM_HZ[1][0], COMM_HZ[1][1], 1.0))
        mult *= np.where(is_rep & (k > 6), cm, 1.0)
        first = P["hire"][alive] >= ms
        frac = np.where(first, (me - P["hire"][alive] + 1) / (me - ms + 1), 1.0)
        h = np.clip(HZ_SCALE * base * mult * frac, 0, 0.95)
        out = alive[r.random(len(alive)) < h]
        if len(out) == 0:
            return
        sel = np.isin(alive, out)
        lo = np.maximum(P["hire"][out], ms)
        P["term"][out] = lo + np.floor(r.random(len(out)) * (me - lo + 1)).astype(np.int64)
        # exit type and reason
        kk, lw = k[sel], low[sel]
        age = (ms / 365.25 + 1970) - P["birth"][out]
        p_other = 0.03
        p_inv = np.where(lw, 0.45, np.where(kk <= 3, 0.28, 0.10))
        u = r.random(len(out))
        et = np.where(u < p_other, 2, np.where(u < p_other + p_inv, 1, 0))
        rs = ratio[sel]
        otr = ot[sel]
        w_vol = np.stack(
            [
                1.0 + 2.0 * (rs < 0.85),
                np.full(len(out), 1.2),
                0.8 + 1.0 * (eng[sel] < 3.0),
                0.8 + 2.0 * (otr > 28),
                np.full(len(out), 0.5),
                np.full(len(out), 0.8),
            ],
            axis=1,
        )
        w_inv = np.stack([np.where(lw, 9.0, 3.0), np.full(len(out), 0.5), np.full(len(out), 0.5)], axis=1)
        vr = self._draw(w_vol)
        ir = self._draw(w_inv) + len(VOL_REASONS)
        orr = np.where(age >= 50, 0, 1) + len(VOL_REASONS) + len(INV_REASONS)
        P["exit_type"][out] = et
        P["exit_reason"][out] = np.where(et == 0, vr, np.where(et == 1, ir, orr))

    def _draw(self, w):
        c = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
        return (self.rng.random((len(w), 1)) > c).sum(axis=1).clip(0, w.shape[1] - 1)

    def _peer_ratio(self, idx, k):
        """Trailing-3-month bookings ÷ mean of the other same-team, same-role reps (tenure > 6 months)."""
        P = self.P
        b = P["b1"][idx] + P["b2"][idx] + P["b3"][idx]
        role = P["role"][idx].astype(np.int64)
        quota = (role == REP) | (role == KA) | (role == LEAD)
        peer = quota & (k > 6) & (P["nb"][idx] >= 3)
        key = P["unit"][idx].astype(np.int64) * 8 + role
        G = self.U * 8
        s = np.bincount(key[peer], weights=b[peer], minlength=G)[key] - b  # peers exclude the person
        c = np.bincount(key[peer], minlength=G)[key] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s / c
            ratio = np.where(peer & (c > 0) & (mean > 0), b / mean, 1.0)
        return ratio

    # ── customers ──
    def _init_customers(self):
        r, P = self.rng, self.P
        alive = self._alive_at(self.W0)
        teams = self.team_idx[self.rep_from[self.team_idx] < 0]
        unit = P["unit"][alive]
        nrep = np.bincount(unit[(P["role"][alive] == REP) | (P["role"][alive] == KA)], minlength=self.U)
        n_ka = np.maximum(2, np.round(nrep[teams] * 1.3)).astype(np.int64)
        n_reg = (nrep[teams] * 11).astype(np.int64)
        team = np.concatenate([np.repeat(teams, n_ka), np.repeat(teams, n_reg)])
        tier = np.concatenate([np.ones(n_ka.sum(), bool), np.zeros(n_reg.sum(), bool)])
        C = len(team)
        self.ccap = max(4096, C * 4)
        self.c = {
            "owner": np.full(self.ccap, -1, np.int64),
            "ofrom": np.zeros(self.ccap, np.int64),
            "tier": np.zeros(self.ccap, bool),
            "team": np.zeros(self.ccap, np.int64),
            "created": np.zeros(self.ccap, np.int64),
            "industry": np.zeros(self.ccap, np.int64),
        }
        self.nc = C
        self.c["tier"][:C] = tier
        self.c["team"][:C] = team
        self.c["created"][:C] = self.W0 - r.integers(30, 3000, C)
        self.c["industry"][:C] = r.integers(0, len(INDUSTRIES), C)

    def _new_customers(self, team, tier, created):
        k = len(team)
        need = self.nc + k
        if need > self.ccap:
            new = max(need, int(self.ccap * 1.6))
            for key, arr in self.c.items():
                a = np.full(new, -1 if key == "owner" else 0, dtype=arr.dtype)
                a[: self.ccap] = arr[: self.ccap]
                self.c[key] = a
            self.ccap = new
        idx = np.arange(self.nc, need)
        self.nc = need
        self.c["team"][idx] = team
        self.c["tier"][idx] = tier
        self.c["created"][idx] = created
        self.c["industry"][idx] = self.rng.integers(0, len(INDUSTRIES), k)
        return idx

    def _reassign(self, m, ms):
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        tier = c["tier"][:C]
        team = c["team"][:C]
        valid = own >= 0
        o = np.where(valid, own, 0)
        orole = P["role"][o]
        oquota = (orole == REP) | (orole == KA) | (orole == LEAD)
        bad = ~valid | (P["term"][o] < ms) | (P["unit"][o] != team) | ~oquota
        alive = self._alive_at(ms)
        alive = alive[P["hire"][alive] <= ms]
        arole = P["role"][alive]
        cand = alive[(arole == REP) | (arole == KA) | (arole == LEAD)]
        cand_ka = alive[arole == KA]
        team_has_ka = np.zeros(self.U, bool)
        team_has_ka[P["unit"][cand_ka]] = True
        handover = valid & ~bad & tier & (orole != KA) & team_has_ka[team] & (r.random(C) < 0.3)
        orph = np.flatnonzero(bad | handover)
        if len(orph) == 0:
            return
        had = own[orph] >= 0
        if had.any():
            oo = own[orph[had]]
            self.own_rows.append((orph[had], oo, c["ofrom"][orph[had]], np.minimum(P["term"][oo], ms - 1)))
        t = team[orph]
        new = np.full(len(orph), -1, np.int64)
        ka = tier[orph] & (r.random(len(orph)) < 0.85)
        if ka.any():
            new[ka] = _group_pick(r, P["unit"][cand_ka].astype(np.int64), cand_ka, t[ka])
        miss = new < 0
        new[miss] = _group_pick(r, P["unit"][cand].astype(np.int64), cand, t[miss])
        miss = new < 0
        if miss.any():
            new[miss] = _group_pick(r, self.unit_region[P["unit"][cand]], cand, self.unit_region[t[miss]])
        got = new >= 0
        c["owner"][orph] = new
        team[orph[got]] = P["unit"][new[got]]
        if m == 0:
            c["ofrom"][orph] = np.maximum(c["created"][orph], np.where(got, P["hire"][np.maximum(new, 0)], 0))
        else:
            c["ofrom"][orph] = ms

    def _ka_wave(self, m, ms, me):
        """Enrol a random share of ka_reps who have held KA accounts for 6+ months in ka_negotiation."""
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        holds = np.zeros(self.n, bool)
        sel = (own >= 0) & c["tier"][:C]
        holds[own[sel]] = True
        alive = self._alive_at(ms)
        role = P["role"][alive]
        elig = alive[(role == KA) & (P["ka_since"][alive] <= m - 6) & holds[alive] & ~P["ka_enr"][alive]]
        go = elig[r.random(len(elig)) < KA_TRAIN_SHARE]
        if len(go) == 0:
            return
        enr = ms + r.integers(0, 4, len(go))
        done_day = enr + r.integers(7, 25, len(go))
        done = (r.random(len(go)) < 0.88) & (done_day <= np.minimum(P["term"][go], me))
        P["ka_enr"][go] = True
        P["ka_m"][go[done]] = m
        self.ka_enr.append({"p": go, "enr": enr, "done": done, "day": done_day})

    # ── selling ──
    def _sell(self, m, ms, me, cal):
        r, P, n = self.rng, self.P, self.n
        alive = np.flatnonzero((P["hire"][:n] <= me) & (P["term"][:n] >= ms))
        lo = np.maximum(P["hire"][alive], ms)
        hi = np.minimum(P["term"][alive], me)
        dim = me - ms + 1
        frac = (hi - lo + 1) / dim
        role = P["role"][alive].astype(np.int64)
        k = np.maximum(m - P["hire_m"][alive] + 1, 1)
        # attendance
        ot = np.maximum(
            0.0, P["ot_lat"][alive] * (1.15 if cal >= 9 else 1.0) * np.exp(0.25 * r.standard_normal(len(alive)) - 0.03)
        )
        P["ot_last"][alive] = ot
        lam = 0.9 + (2.5 if cal == 1 else 0.0) + (1.0 if cal == 9 else 0.0)
        leave = r.poisson(2 * lam, len(alive)) / 2.0
        # quota and bookings
        quota = (role == REP) | (role == KA) | (role == LEAD)
        qfull = np.zeros(len(alive))
        for rl, q in QUOTA_BASE.items():
            qfull = np.where(role == rl, q, qfull)
        qfull *= (1 + QUOTA_GROWTH) ** (m / 12) * SEASON[cal]
        q_amt = np.round(qfull * frac / 100) * 100
        tau = np.where(P["mentor"][alive] >= 0, RAMP_TAU[1], RAMP_TAU[0])
        ramp = np.where(k > 24, 1.0, 1 - np.exp(-(k - 0.5) / tau))
        noise = np.exp(0.35 * r.standard_normal(len(alive)) - 0.35**2 / 2)
        att = P["prod"][alive] * self.team_f[P["unit"][alive]] * ramp * noise
        b = np.where(quota, qfull * frac * att, 0.0)
        if m >= 0:
            b = self._orders(
                m, ms, alive[quota], b[quota], lo[quota], hi[quota], k[quota], out=b, where=np.flatnonzero(quota)
            )
        # trailing bookings and quarter attainment
        qa = alive[quota]
        P["b3"][qa] = P["b2"][qa]
        P["b2"][qa] = P["b1"][qa]
        P["b1"][qa] = b[quota]
        P["nb"][qa] = np.minimum(P["nb"][qa] + 1, 100)
        P["qB"][qa] += b[quota]
        P["qQ"][qa] += q_amt[quota]
        P["qfull"][qa] += (frac[quota] >= 1.0).astype(np.int8)
        if cal % 3 == 2:
            idx = np.flatnonzero(P["qQ"][:n] > 0)
            att_q = np.where(P["qfull"][idx] == 3, P["qB"][idx] / P["qQ"][idx], np.nan)
            P["lowq2"][:n] = False
            P["lowq2"][idx] = P["lowq1"][idx]
            P["lowq1"][:n] = False
            P["lowq1"][idx] = att_q < 0.7
            P["qB"][:n] = 0
            P["qQ"][:n] = 0
            P["qfull"][:n] = 0
        if m >= 0:
            self.panel.append(
                {
                    "p": alive,
                    "m": np.full(len(alive), m),
                    "quota": np.where(quota, q_amt, np.nan),
                    "ot": np.round(ot * frac, 1),
                    "leave": np.minimum(leave, np.floor(frac * dim)),
                }
            )

    def _orders(self, m, ms, reps, b, lo, hi, k, out, where):
        """Expand rep-month bookings into orders; returns the bookings actually booked."""
        r, P, c, C = self.rng, self.P, self.c, self.nc
        own = c["owner"][:C]
        tier = c["tier"][:C]
        valid = own >= 0
        ka_c = np.flatnonzero(valid & tier)
        rg_c = np.flatnonzero(valid & ~tier)
        ka_c = ka_c[np.argsort(own[ka_c], kind="stable")]
        rg_c = rg_c[np.argsort(own[rg_c], kind="stable")]
        ka_own, rg_own = own[ka_c], own[rg_c]
        ka_lo = np.searchsorted(ka_own, reps, "left")
        ka_n = np.searchsorted(ka_own, reps, "right") - ka_lo
        rg_lo = np.searchsorted(rg_own, reps, "left")
        rg_n = np.searchsorted(rg_own, reps, "right") - rg_lo
        rt = P["rtype"][reps].astype(np.int64)
        s_ka = np.select([rt == 1, rt == 2], [TYPE_SPLIT[1][0], TYPE_SPLIT[2][0]], TYPE_SPLIT[0][0])
        s_new = np.select([rt == 1, rt == 2], [TYPE_SPLIT[1][1], TYPE_SPLIT[2][1]], TYPE_SPLIT[0][1])
        s_ka = np.where(ka_n > 0, s_ka, 0.0)
        P["ka_since"][reps] = np.where(ka_n > 0, np.minimum(P["ka_since"][reps], m), 10**6)
        lift = np.where((P["ka_m"][reps] >= m - 6) & (P["ka_m"][reps] <= m - 1), 1 + KA_LIFT, 1.0)
        b_ka = b * s_ka * lift
        b_new = b * s_new
        b_rep = b * (1 - s_ka - s_new)
        osz = float(self.p["order_size"])
        n_new = r.poisson(b_new / (ORDER_SIZE["new"] * osz))
        # no new deal this month: the amount is repeat business (or a single new deal if no book)
        zero = (n_new == 0) & (b_new > 0)
        to_rep = zero & (rg_n > 0)
        b_rep = b_rep + np.where(to_rep, b_new, 0)
        b_new = np.where(to_rep, 0, b_new)
        n_new = np.where(zero & ~to_rep, 1, n_new)
        no_book = rg_n == 0
        b_new = b_new + np.where(no_book, b_rep, 0)
        n_new = np.where(no_book & (b_rep > 0) & (n_new == 0), 1, n_new)
        b_rep = np.where(no_book, 0, b_rep)
        n_ka = np.where(b_ka > 0, np.maximum(1, r.poisson(b_ka / (ORDER_SIZE["ka"] * osz))), 0)
        n_rep = np.where(b_rep > 0, np.maximum(1, r.poisson(b_rep / (ORDER_SIZE["rep"] * osz))), 0)
        parts_amt = np.concatenate([b_ka, b_rep, b_new])
        parts_n = np.concatenate([n_ka, n_rep, n_new])
        R = len(reps)
        part_rep = np.tile(np.arange(R), 3)
        part_kind = np.repeat(np.arange(3), R)
        keep = parts_n > 0
        parts_amt, parts_n, part_rep, part_kind = parts_amt[keep], parts_n[keep], part_rep[keep], part_kind[keep]
        pid = np.repeat(np.arange(len(parts_n)), parts_n)
        w = r.gamma(2.0, 1.0, len(pid))
        wsum = np.bincount(pid, weights=w, minlength=len(parts_n))
        amt = np.round(parts_amt[pid] * w / wsum[pid], 2)
        ri = part_rep[pid]
        kind = part_kind[pid]
        u = r.random(len(pid))
        cust = np.full(len(pid), -1, np.int64)
        kk = kind == 0
        cust[kk] = ka_c[ka_lo[ri[kk]] + np.floor(u[kk] * ka_n[ri[kk]]).astype(np.int64)]
        kr = kind == 1
        cust[kr] = rg_c[rg_lo[ri[kr]] + np.floor(u[kr] * rg_n[ri[kr]]).astype(np.int64)]
        day = lo[ri] + np.floor(r.random(len(pid)) * (hi[ri] - lo[ri] + 1)).astype(np.int64)
        kn = np.flatnonzero(kind == 2)
        if len(kn):
            rep_p = reps[ri[kn]]
            newc = self._new_customers(P["unit"][rep_p].astype(np.int64), r.random(len(kn)) < 0.10, day[kn])
            self.c["owner"][newc] = rep_p
            self.c["ofrom"][newc] = day[kn]
            cust[kn] = newc
        # product line
        unit = P["unit"][reps[ri]]
        probs = np.where(
            self.is_np[unit][:, None] & (m >= self.launch), PL_NEW_TEAM, PL_AFTER if m >= self.launch else PL_BEFORE
        )
        plc = (r.random((len(pid), 1)) > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 3)
        self.orders.append({"p": reps[ri], "cust": cust, "day": day, "amt": amt, "pl": plc, "m": np.full(len(pid), m)})
        booked = np.bincount(ri, weights=amt, minlength=R)
        out = out.copy()
        out[where] = booked
        return out


# ───────────────────────────── tables ─────────────────────────────


def _d(days, null=None) -> pl.Series:
    """Day numbers → pl.Date series, with nulls where `null` is true."""
    s = pl.Series(np.asarray(days, dtype=np.int64)).cast(pl.Int32).cast(pl.Date)
    if null is not None:
        s = pl.select(pl.when(pl.Series(np.asarray(null, bool))).then(None).otherwise(s)).to_series()
    return s


def _nullable(values, null, dtype) -> pl.Series:
    s = pl.Series(values).cast(dtype)
    return pl.select(pl.when(pl.Series(np.asarray(null, bool))).then(None).otherwise(s)).to_series()


def _cat(codes, labels) -> pl.Series:
    return pl.Series(np.asarray(codes, dtype=np.int64)).replace_strict(
        list(range(len(labels))), labels, return_dtype=pl.Utf8
    )


def _cat_null(codes, labels) -> pl.Series:
    codes = np.asarray(codes, dtype=np.int64)
    s = pl.Series(np.where(codes < 0, 0, codes)).replace_strict(list(range(len(labels))), labels, return_dtype=pl.Utf8)
    return pl.select(pl.when(pl.Series(codes < 0)).then(None).otherwise(s)).to_series()


def _cat_arr(parts: list[dict], key: str, dtype=None) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=dtype or np.int64)
    return np.concatenate([p[key] for p in parts])


def _keys(prefix: str, ids, width: int) -> pl.Series:
    """'E000123'-style source-system keys."""
    s = pl.Series(np.asarray(ids, dtype=np.int64)).cast(pl.Utf8).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), s)).to_series()


class _Tables:
    """Expands the simulated states into the schema's tables."""

    def __init__(self, sim: _Sim, size: str, seed: int):
        self.s = sim
        self.size, self.seed = size, seed
        self.rng = np.random.default_rng([seed, 1])
        self.out: dict[str, pl.DataFrame] = {}

    def build(self) -> dict[str, pl.DataFrame]:
        s = self.s
        s.progress(0.7, "Building people tables")
        self._people()
        self._assignments()
        self._compensation()
        self._recruiting()
        s.progress(0.8, "Building sales tables")
        self._sales()
        s.progress(0.9, "Building talent tables")
        self._talent()
        self._joint()
        s.progress(1.0, "Demo company ready")
        order = [
            "org_units",
            "roles",
            "employees",
            "assignments",
            "compensation",
            "requisitions",
            "applications",
            "courses",
            "enrollments",
            "skills",
            "role_skill_requirements",
            "skill_assessments",
            "performance_reviews",
            "engagement",
            "attendance",
            "mentorships",
            "onboarding",
            "product_lines",
            "customers",
            "account_owners",
            "quotas",
            "orders",
            "collections",
            "opportunities",
            "activities",
            "complaints",
            "csat",
            "goals",
            "reviews",
            "action_items",
            "audit_log",
        ]
        return {k: self.out[k] for k in order}

    # ── people ──
    def _people(self):
        s, P, n = self.s, self.s.P, self.s.n
        kept = np.flatnonzero((P["hire"][:n] <= s.END) & (P["term"][:n] >= s.W0))
        order = np.lexsort((kept, P["hire"][kept]))
        kept = kept[order]
        emp = np.full(n, -1, np.int64)
        emp[kept] = 100_001 + np.arange(len(kept))
        self.emp = emp
        self.kept = kept
        r = self.rng
        nk = len(kept)
        sur = np.array(SURNAMES)[r.integers(0, len(SURNAMES), nk)]
        g1 = np.array(GIVEN)[r.integers(0, len(GIVEN), nk)]
        g2 = np.where(r.random(nk) < 0.6, np.array(GIVEN)[r.integers(0, len(GIVEN), nk)], "")
        term = P["term"][kept]
        left = term <= s.END
        ref = P["referrer"][kept]
        ref_emp = np.where(ref >= 0, emp[np.maximum(ref, 0)], -1)
        self.left = left
        df = pl.DataFrame(
            {
                "employee_id": emp[kept],
                "external_key": _keys("E", np.arange(1, nk + 1), 6),
                "name": pl.Series(sur) + pl.Series(g1) + pl.Series(g2),
                "gender": pl.Series(np.where(P["gender"][kept] == 1, "F", "M")),
                "birth_year": pl.Series(P["birth"][kept]).cast(pl.Int32),
                "hire_date": _d(P["hire"][kept]),
                "termination_date": _d(np.where(left, term, 0), ~left),
                "exit_type": _cat_null(np.where(left, P["exit_type"][kept], -1), EXIT_TYPES),
                "exit_reason": _cat_null(np.where(left, P["exit_reason"][kept], -1), EXIT_REASONS),
                "regretted": pl.Series([None] * nk, dtype=pl.Boolean),  # set after reviews
                "hire_source": _cat(P["source"][kept], SOURCES),
                "referrer_id": _nullable(ref_emp, ref_emp < 0, pl.Int64),
                "probation_months": pl.Series(np.full(nk, 3), dtype=pl.Int32),
            }
        )
        self.out["employees"] = df
        u = s.units
        self.out["org_units"] = pl.DataFrame(
            {
                "org_unit_id": u["id"],
                "parent_id": pl.Series(u["parent"], dtype=pl.Utf8),
                "level": u["level"],
                "name_en": u["en"],
                "name_zh": u["zh"],
                "opened_date": _d(u["opened"]),
                "closed_date": pl.Series([None] * len(u["id"]), dtype=pl.Date),
            }
        )
        self.out["roles"] = pl.DataFrame(
            {
                "role_id": [x[0] for x in ROLE_ROWS],
                "name_en": [x[1] for x in ROLE_ROWS],
                "name_zh": [x[2] for x in ROLE_ROWS],
                "family": [x[3] for x in ROLE_ROWS],
                "carries_quota": [x[4] for x in ROLE_ROWS],
                "career_step": pl.Series([x[5] for x in ROLE_ROWS], dtype=pl.Int32),
            }
        )

    def _assignments(self):
        s, P = self.s, self.s.P
        snap_n = s.snap_n
        init = self.kept[self.kept < snap_n]
        init = init[P["hire"][init] < s.W0]
        evs = [(init, P["hire"][init], s.snap["unit"][init], s.snap["role"][init], s.snap["level"][init]), *s.ev]
        ev = pl.DataFrame(
            {
                "p": np.concatenate([e[0] for e in evs]).astype(np.int64),
                "f": np.concatenate([np.asarray(e[1]) for e in evs]).astype(np.int64),
                "unit": np.concatenate([np.asarray(e[2]) for e in evs]).astype(np.int64),
                "role": np.concatenate([np.asarray(e[3]) for e in evs]).astype(np.int64),
                "level": np.concatenate([np.asarray(e[4]) for e in evs]).astype(np.int64),
            }
        ).with_row_index("seq")
        ev = ev.filter(pl.Series(np.isin(ev["p"].to_numpy(), self.kept)))
        ev = ev.sort(["p", "f", "seq"]).unique(["p", "f"], keep="last", maintain_order=True)
        ev = ev.with_columns(term=pl.Series(P["term"][ev["p"].to_numpy()]))
        ev = ev.with_columns(t=(pl.col("f").shift(-1).over("p") - 1).fill_null(pl.col("term")))
        ev = ev.with_columns(t=pl.min_horizontal("t", "term")).drop("term", "seq")
        self.placements = ev  # p, f, unit, role, level, t (BIG = open)
        LO, HI = -(10**6), BIG
        rmu = s.region_unit_idx

        def timeline(rows: pl.DataFrame, keys: pl.Series) -> pl.DataFrame:
            """Manager intervals per key covering [LO, HI]; gaps have mgr = -1."""
            rows = rows.sort(["key", "f"])
            prev = rows.with_columns(pt=pl.col("t").shift(1).over("key"))
            gaps = prev.filter(pl.col("pt").is_not_null() & (pl.col("f") > pl.col("pt") + 1)).select(
                "key", f=pl.col("pt") + 1, t=pl.col("f") - 1
            )
            lead = rows.group_by("key").agg(pl.col("f").min().alias("f"), pl.col("t").max().alias("t"))
            head = lead.filter(pl.col("f") > LO).select("key", f=pl.lit(LO, pl.Int64), t=pl.col("f") - 1)
            tail = lead.filter(pl.col("t") < HI).select("key", f=pl.col("t") + 1, t=pl.lit(HI, pl.Int64))
            k_np = keys.to_numpy()
            none = pl.DataFrame({"key": k_np[~np.isin(k_np, rows["key"].to_numpy())]}).select(
                "key", f=pl.lit(LO, pl.Int64), t=pl.lit(HI, pl.Int64)
            )
            g = pl.concat([gaps, head, tail, none]).with_columns(mgr=pl.lit(-1, pl.Int64))
            return pl.concat([rows.select("key", "f", "t", "mgr"), g.select("key", "f", "t", "mgr")]).sort(["key", "f"])

        rm_rows = ev.filter(pl.col("role") == RM).select(key=pl.col("unit"), f="f", t="t", mgr="p")
        rm_tl = timeline(rm_rows, pl.Series(rmu.astype(np.int64)))
        lead_rows = ev.filter(pl.col("role") == LEAD).select(key=pl.col("unit"), f="f", t="t", mgr="p")
        team_tl = timeline(lead_rows, pl.Series(s.team_idx.astype(np.int64)))
        # fill lead gaps with the region's manager
        ru_of_unit = np.full(s.U, -1, np.int64)
        ru_of_unit[1:] = rmu[s.unit_region[1:]]
        gaps = team_tl.filter(pl.col("mgr") < 0)
        gaps = gaps.with_columns(rk=pl.Series(ru_of_unit[gaps["key"].to_numpy()]))
        filled = self._intersect(gaps.select("key", "f", "t", "rk"), rm_tl.rename({"key": "rk"}), "rk")
        team_tl = pl.concat(
            [team_tl.filter(pl.col("mgr") >= 0).select("key", "f", "t", "mgr"), filled.select("key", "f", "t", "mgr")]
        )
        # place each placement row under its manager timeline
        e_role = ev["role"].to_numpy()
        e_unit = ev["unit"].to_numpy()
        is_rep = (e_role == REP) | (e_role == KA)
        mkey = np.where(is_rep, e_unit, np.where((e_role == RM) | (e_unit == 0), -1, ru_of_unit[e_unit]))
        ev = ev.with_columns(key2=pl.Series(mkey), kind=pl.Series(np.where(is_rep, 0, 1)))
        a_team = self._intersect(ev.filter(pl.col("kind") == 0), team_tl.rename({"key": "key2"}), "key2")
        a_reg = self._intersect(
            ev.filter((pl.col("kind") == 1) & (pl.col("key2") >= 0)), rm_tl.rename({"key": "key2"}), "key2"
        )
        a_none = ev.filter((pl.col("kind") == 1) & (pl.col("key2") < 0)).with_columns(mgr=pl.lit(-1, pl.Int64))
        cols = ["p", "f", "t", "unit", "role", "level", "mgr"]
        a = pl.concat([a_team.select(cols), a_reg.select(cols), a_none.select(cols)]).sort(["p", "f"])
        # a manager change after the last day (a lead leaving on it) is not history: keep the row open
        a = a.filter(pl.col("f") <= s.END)
        a = a.with_columns(term=pl.Series(P["term"][a["p"].to_numpy()]))
        a = a.with_columns(
            t=pl.when((pl.col("t") >= s.END) & (pl.col("term") >= BIG)).then(BIG).otherwise(pl.col("t"))
        ).drop("term")
        emp = self.emp
        mgr = a["mgr"].to_numpy()
        mgr_emp = np.where(mgr >= 0, emp[np.maximum(mgr, 0)], -1)
        t = a["t"].to_numpy()
        self.assign_np = {
            "p": a["p"].to_numpy(),
            "f": a["f"].to_numpy(),
            "t": t,
            "unit": a["unit"].to_numpy(),
            "role": a["role"].to_numpy(),
            "mgr": mgr_emp,
        }
        self.out["assignments"] = pl.DataFrame(
            {
                "assignment_id": np.arange(1, len(a) + 1, dtype=np.int64),
                "employee_id": emp[a["p"].to_numpy()],
                "org_unit_id": pl.Series(np.array(s.units["id"])[a["unit"].to_numpy()]),
                "manager_id": _nullable(mgr_emp, mgr_emp < 0, pl.Int64),
                "role_id": _cat(a["role"].to_numpy(), ROLE_IDS),
                "job_level": pl.Series(a["level"].to_numpy()).cast(pl.Int32),
                "valid_from": _d(a["f"].to_numpy()),
                "valid_to": _d(np.minimum(t, s.END), t >= BIG),
            }
        )

    @staticmethod
    def _intersect(rows: pl.DataFrame, tl: pl.DataFrame, key: str) -> pl.DataFrame:
        """Clip rows [f, t] against timeline intervals [f, t] with the same key."""
        j = rows.join(
            tl.select(key, pl.col("f").alias("tf"), pl.col("t").alias("tt"), pl.col("mgr").alias("m2")), on=key
        )
        j = j.filter((pl.col("tf") <= pl.col("t")) & (pl.col("tt") >= pl.col("f")))
        j = j.with_columns(f=pl.max_horizontal("f", "tf"), t=pl.min_horizontal("t", "tt"), mgr=pl.col("m2"))
        return j.drop("tf", "tt", "m2")

    def _compensation(self):
        s, P = self.s, self.s.P
        pl_ = self.placements
        role_rows = (
            pl_.sort(["p", "f"])
            .with_columns(chg=(pl.col("role") != pl.col("role").shift(1).over("p")).fill_null(True))
            .filter(pl.col("chg"))
            .select("p", "f", "role", "level")
        )
        y0 = s.start.year
        years = np.arange(y0, s.end.year + 1)
        jan1 = np.array([np.datetime64(date(int(y), 1, 1)).astype(np.int64) for y in years])
        kept = self.kept
        hire, term = P["hire"][kept], P["term"][kept]
        pp = np.repeat(kept, len(jan1))
        jj = np.tile(jan1, len(kept))
        ok = (jj > np.repeat(hire, len(jan1))) & (jj <= np.repeat(np.minimum(term, s.END), len(jan1)))
        bounds = pl.DataFrame({"p": pp[ok], "f": jj[ok]})
        allb = pl.concat([role_rows.select("p", "f"), bounds]).unique().sort("f")
        allb = allb.join_asof(role_rows.sort("f"), on="f", by="p", strategy="backward", check_sortedness=False).sort(
            ["p", "f"]
        )
        allb = allb.with_columns(t=(pl.col("f").shift(-1).over("p") - 1))
        p = allb["p"].to_numpy()
        role = allb["role"].to_numpy()
        lvl = allb["level"].to_numpy()
        f = allb["f"].to_numpy()
        last = allb["t"].is_null().to_numpy()
        tt = np.where(last, P["term"][p], allb["t"].fill_null(0).to_numpy())
        lohi = {
            REP: (6000, 12000),
            KA: (9000, 14000),
            LEAD: (15000, 25000),
            RM: (30000, 45000),
            OPS: (9000, 14000),
            CS: (8000, 12000),
            HRBP: (12000, 18000),
        }
        lo = np.zeros(len(p))
        hi = np.zeros(len(p))
        for rl, (a, b) in lohi.items():
            lo = np.where(role == rl, a, lo)
            hi = np.where(role == rl, b, hi)
        yr = f.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        base = (lo + (hi - lo) * (0.7 * P["u_base"][p] + 0.1 * (lvl - 1) / 5)) * 1.04 ** (yr - y0)
        base = np.round(base / 100) * 100
        plan = np.select([role == REP, role == KA, role == LEAD], [0, 1, 2], -1)
        self.out["compensation"] = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "valid_from": _d(f),
                "valid_to": _d(np.minimum(tt, s.END), tt >= BIG),
                "base_monthly": base.astype(np.float64),
                "commission_plan": _cat_null(plan, ["standard_2024", "ka_2024", "lead_2024"]),
            }
        )

    def _recruiting(self):
        s, P, r = self.s, self.s.P, self.rng
        arr = {
            k: _cat_arr(s.reqs, k)
            for k in ("group", "role", "hire", "opened", "filled", "target", "source", "key", "recruiter", "person")
        }
        pend = s.pend
        k_p = len(pend["hire"])
        # pending at the end: filled if the offer is accepted by then
        nreq = {
            "unit": np.concatenate([arr["group"] // 8, pend["group"] // 8]),
            "role": np.concatenate([arr["role"], pend["role"]]),
            "key": np.concatenate([arr["key"], pend["key"]]).astype(bool),
            "opened": np.concatenate([arr["opened"], pend["opened"]]),
            "target": np.concatenate([arr["target"], pend["target"]]),
            "filled": np.concatenate([arr["filled"], pend["filled"]]),
            "source": np.concatenate([arr["source"], pend["source"]]),
            "recruiter": np.concatenate([arr["recruiter"], pend["recruiter"]]),
            "person": np.concatenate([arr["person"], np.full(k_p, -1)]),
            "cancelled": np.full(len(arr["hire"]) + k_p, BIG),
        }
        nreq["open_end"] = nreq["filled"] > s.END
        # drop pending requisitions not yet opened by the end
        keep = nreq["opened"] <= s.END
        nreq = {k: v[keep] for k, v in nreq.items()}
        # cancelled requisitions (a few percent extra)
        # (a copy of a real requisition's unit and role, opened near it: never before a unit staffs up)
        nc = max(2, int(0.04 * len(nreq["opened"])))
        like = r.integers(0, len(nreq["unit"]), nc)
        cu, c_role = nreq["unit"][like], nreq["role"][like]
        c_open = np.clip(nreq["opened"][like] + r.integers(0, 30, nc), s.W0, s.END - 20)
        c_canc = np.minimum(c_open + r.integers(20, 80, nc), s.END)
        for k, v in {
            "unit": cu,
            "role": c_role,
            "key": nreq["key"][like],
            "opened": c_open,
            "target": c_open + r.integers(45, 61, nc),
            "filled": np.full(nc, BIG),
            "source": r.choice(len(SOURCES), nc, p=SOURCE_P),
            "recruiter": r.integers(0, len(RECRUITERS), nc),
            "person": np.full(nc, -1),
            "cancelled": c_canc,
            "open_end": np.ones(nc, bool),
        }.items():
            nreq[k] = np.concatenate([nreq[k], v])
        order = np.lexsort((nreq["unit"], nreq["opened"]))
        nreq = {k: v[order] for k, v in nreq.items()}
        R = len(order)
        rid = np.arange(1, R + 1, dtype=np.int64)
        filled_null = nreq["open_end"]
        person = nreq["person"]
        hired = np.where(person >= 0, self.emp[np.maximum(person, 0)], -1)
        self.out["requisitions"] = pl.DataFrame(
            {
                "requisition_id": rid,
                "org_unit_id": pl.Series(np.array(s.units["id"])[nreq["unit"]]),
                "role_id": _cat(nreq["role"], ROLE_IDS),
                "key_position": pl.Series(nreq["key"].astype(bool)),
                "opened_date": _d(nreq["opened"]),
                "target_date": _d(nreq["target"]),
                "filled_date": _d(np.where(filled_null, 0, nreq["filled"]), filled_null),
                "cancelled_date": _d(np.where(nreq["cancelled"] < BIG, nreq["cancelled"], 0), nreq["cancelled"] >= BIG),
                "recruiter": _cat(nreq["recruiter"], RECRUITERS),
                "hired_employee_id": _nullable(hired, hired < 0, pl.Int64),
            }
        )
        # applications: the accepted one for each filled requisition, plus drop-outs
        filled = ~filled_null
        fi = np.flatnonzero(filled)
        ttf = nreq["filled"][fi] - nreq["opened"][fi]
        fr = np.sort(r.random((len(fi), 4)), axis=1)
        st = nreq["opened"][fi][:, None] + np.floor(fr * ttf[:, None]).astype(np.int64)
        ref_h = np.where(person[fi] >= 0, P["referrer"][np.maximum(person[fi], 0)], -1)
        ref_h = np.where(ref_h >= 0, self.emp[np.maximum(ref_h, 0)], -1)
        src_h = np.where(person[fi] >= 0, P["source"][np.maximum(person[fi], 0)], nreq["source"][fi])
        acc = {
            "req": rid[fi],
            "channel": src_h,
            "applied": st[:, 0],
            "screened": st[:, 1],
            "interviewed": st[:, 2],
            "offered": st[:, 3],
            "accepted": nreq["filled"][fi],
            "hired": hired[fi],
            "ref": np.where(src_h == 0, ref_h, -1),
        }
        n_oth = r.poisson(9, R) + 2
        ri = np.repeat(np.arange(R), n_oth)
        K = len(ri)
        ch = r.choice(len(SOURCES), K, p=SOURCE_P)
        stop = np.where(
            nreq["filled"][ri] < BIG, np.minimum(nreq["filled"][ri], s.END), np.minimum(nreq["cancelled"][ri], s.END)
        )
        span = np.maximum(stop - nreq["opened"][ri], 1)
        applied = nreq["opened"][ri] + np.floor(r.random(K) * span).astype(np.int64)
        conv = FUNNEL[ch]
        u = r.random((K, 3))
        reach = np.cumprod(u < conv[:, :3], axis=1).astype(bool)  # screened, interviewed, offered
        gaps = np.cumsum(r.integers(2, 9, (K, 3)), axis=1)
        dates = applied[:, None] + gaps
        reach &= dates <= s.END
        reach = np.cumprod(reach, axis=1).astype(bool)
        ref_o = np.where(ch == 0, self._random_employee_at(applied), -1)
        oth = {
            "req": rid[ri],
            "channel": ch,
            "applied": applied,
            "screened": np.where(reach[:, 0], dates[:, 0], -1),
            "interviewed": np.where(reach[:, 1], dates[:, 1], -1),
            "offered": np.where(reach[:, 2], dates[:, 2], -1),
            "accepted": np.full(K, -1),
            "hired": np.full(K, -1),
            "ref": ref_o,
        }
        apps = {k: np.concatenate([acc[k], oth[k]]) for k in acc}
        order = np.lexsort((apps["req"], apps["applied"]))
        apps = {k: v[order] for k, v in apps.items()}
        A = len(order)

        def dcol(v):
            return _d(np.where(v < 0, 0, v), v < 0)

        self.out["applications"] = pl.DataFrame(
            {
                "application_id": np.arange(1, A + 1, dtype=np.int64),
                "requisition_id": apps["req"],
                "channel": _cat(apps["channel"], SOURCES),
                "applied_date": _d(apps["applied"]),
                "screened_date": dcol(apps["screened"]),
                "interviewed_date": dcol(apps["interviewed"]),
                "offered_date": dcol(apps["offered"]),
                "accepted_date": dcol(apps["accepted"]),
                "hired_employee_id": _nullable(apps["hired"], apps["hired"] < 0, pl.Int64),
                "referrer_id": _nullable(apps["ref"], apps["ref"] < 0, pl.Int64),
            }
        )

    def _random_employee_at(self, days):
        """A random kept employee employed on each day (-1 if five draws miss)."""
        P, r = self.s.P, self.rng
        kept = self.kept
        out = np.full(len(days), -1, np.int64)
        for _ in range(5):
            miss = out < 0
            if not miss.any():
                break
            c = kept[r.integers(0, len(kept), miss.sum())]
            ok = (P["hire"][c] <= days[miss]) & (P["term"][c] >= days[miss])
            tmp = out[miss]
            tmp[ok] = self.emp[c[ok]]
            out[miss] = tmp
        return out

    # ── sales ──
    def _sales(self):
        s, P, r = self.s, self.s.P, self.rng
        C = s.nc
        c = s.c
        o = {k: _cat_arr(s.orders, k) for k in ("p", "cust", "day", "amt", "pl", "m")}
        # the customer's first order must be unique on its date: merge same-day duplicates
        df = pl.DataFrame(
            {"p": o["p"], "cust": o["cust"], "day": o["day"], "amt": o["amt"], "pl": o["pl"]}
        ).with_row_index("seq")
        first = df.group_by("cust").agg(pl.col("day").min().alias("d0"))
        df = df.join(first, on="cust")
        at_first = (
            df.filter(pl.col("day") == pl.col("d0"))
            .sort("seq")
            .group_by("cust", maintain_order=True)
            .agg(
                pl.col("seq").first(),
                pl.col("p").first(),
                pl.col("day").first(),
                pl.col("amt").sum().round(2),
                pl.col("pl").first(),
                pl.col("d0").first(),
            )
        )
        df = pl.concat([at_first.select(df.columns), df.filter(pl.col("day") != pl.col("d0"))])
        df = df.sort(["day", "seq"]).with_columns(new=pl.col("day") == pl.col("d0"))
        N = df.height
        op = df["p"].to_numpy()
        ocust = df["cust"].to_numpy()
        oday = df["day"].to_numpy()
        oamt = df["amt"].to_numpy()
        opl = df["pl"].to_numpy()
        self.order_np = {"p": op, "cust": ocust, "day": oday, "amt": oamt}
        # customers: ids in order of creation
        corder = np.lexsort((np.arange(C), c["created"][:C]))
        cid = np.empty(C, np.int64)
        cid[corder] = np.arange(1, C + 1)
        self.cid = cid
        region = s.unit_region[c["team"][:C]]
        rids = np.array([x[0] for x in REGIONS])
        ind = c["industry"][:C]
        name = (
            pl.Series(np.array(NAME_HEAD)[r.integers(0, len(NAME_HEAD), C)])
            + pl.Series(np.array(NAME_HEAD)[r.integers(0, len(NAME_HEAD), C)])
            + pl.Series(np.array(INDUSTRY_ZH)[ind])
            + pl.Series(np.where(c["tier"][:C], "集团有限公司", "有限公司"))
        )
        cdf = pl.DataFrame(
            {
                "customer_id": cid,
                "external_key": _keys("C", cid, 7),
                "name": name,
                "tier": pl.Series(np.where(c["tier"][:C], "KA", "regular")),
                "region_id": pl.Series(rids[region]),
                "industry": _cat(ind, INDUSTRIES),
                "created_date": _d(c["created"][:C]),
            }
        ).sort("customer_id")
        self.out["customers"] = cdf
        # account owners
        rows = s.own_rows
        cc = np.concatenate([x[0] for x in rows] + [np.flatnonzero(c["owner"][:C] >= 0)])
        oo = np.concatenate([x[1] for x in rows] + [c["owner"][:C][c["owner"][:C] >= 0]])
        ff = np.concatenate([x[2] for x in rows] + [c["ofrom"][:C][c["owner"][:C] >= 0]])
        tt = np.concatenate([x[3] for x in rows] + [np.full((c["owner"][:C] >= 0).sum(), BIG)])
        tt = np.where(tt >= P["term"][oo], np.where(P["term"][oo] <= s.END, P["term"][oo], BIG), tt)
        self.out["account_owners"] = pl.DataFrame(
            {
                "customer_id": cid[cc],
                "employee_id": self.emp[oo],
                "valid_from": _d(ff),
                "valid_to": _d(np.minimum(tt, s.END), tt >= BIG),
            }
        ).sort(["customer_id", "valid_from"])
        # quotas
        pn = {
            k: _cat_arr(s.panel, k, np.float64 if k in ("quota", "ot", "leave") else None)
            for k in ("p", "m", "quota", "ot", "leave")
        }
        self.panel_np = pn
        qm = ~np.isnan(pn["quota"])
        month_day = s.mstart[s.B + pn["m"]]
        self.out["quotas"] = pl.DataFrame(
            {"employee_id": self.emp[pn["p"][qm]], "month": _d(month_day[qm]), "amount": pn["quota"][qm]}
        )
        self.out["orders"] = pl.DataFrame(
            {
                "order_id": np.arange(1, N + 1, dtype=np.int64),
                "employee_id": self.emp[op],
                "customer_id": cid[ocust],
                "order_date": _d(oday),
                "amount": oamt,
                "product_line_id": _cat(opl, [x[0] for x in PRODUCT_LINES]),
                "is_new_customer": df["new"],
            }
        )
        self._collections(op, ocust, oday, oamt)
        self._opportunities(op, ocust, oday, oamt, opl)
        self._activities(op, ocust, oday)
        self._complaints_csat(op, ocust, oday)
        self.out["product_lines"] = pl.DataFrame(
            {
                "product_line_id": [x[0] for x in PRODUCT_LINES],
                "name_en": [x[1] for x in PRODUCT_LINES],
                "name_zh": [x[2] for x in PRODUCT_LINES],
                "launched_date": _d(
                    [s.founding, s.founding + 365 * 3, s.founding + 365, int(s.mstart[s.B + s.launch])]
                ),
            }
        )

    def _collections(self, op, ocust, oday, oamt):
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        poor = P["poor"][op]
        ka = s.c["tier"][ocust]
        lag1 = np.where(
            poor, np.exp(np.log(110) + 0.35 * r.standard_normal(N)), np.exp(np.log(50) + 0.3 * r.standard_normal(N))
        ) + np.where(ka, 12, 0)
        lag1 = np.clip(lag1, 5, 400).astype(np.int64)
        collectible = np.where(poor, 0.75, np.where(r.random(N) < 0.01, 0.0, 1.0)) * oamt
        two = r.random(N) < 0.3
        share1 = np.where(two, r.uniform(0.5, 0.7, N), 1.0)
        a1 = np.round(collectible * share1, 2)
        a2 = np.round(collectible - a1, 2)
        d1 = oday + lag1
        d2 = d1 + r.integers(15, 46, N)
        oid = np.arange(1, N + 1, dtype=np.int64)
        ids = np.concatenate([oid, oid[two]])
        dd = np.concatenate([d1, d2[two]])
        aa = np.concatenate([a1, a2[two]])
        ok = (dd <= s.END) & (aa > 0)
        ids, dd, aa = ids[ok], dd[ok], aa[ok]
        order = np.lexsort((ids, dd))
        self.out["collections"] = pl.DataFrame(
            {
                "collection_id": np.arange(1, len(order) + 1, dtype=np.int64),
                "order_id": ids[order],
                "collected_date": _d(dd[order]),
                "amount": aa[order],
            }
        )

    def _opportunities(self, op, ocust, oday, oamt, opl):
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        big = (s.c["tier"][ocust]) | (oamt > np.quantile(oamt, 0.7) if N else False)
        won = np.flatnonzero(r.random(N) < np.where(big, 0.3, 0.06))
        W = len(won)
        w_created = np.maximum(oday[won] - r.integers(15, 100, W), P["hire"][op[won]])
        w_amt = np.round(oamt[won] * r.uniform(0.8, 1.25, W), -2)
        # lost: drawn like won ones, closed without value
        L = int(W * 0.8)
        li = won[r.integers(0, max(W, 1), L)] if W else np.zeros(0, np.int64)
        l_created = np.maximum(oday[li] - r.integers(15, 120, L), P["hire"][op[li]])
        l_closed = np.minimum(l_created + r.integers(20, 120, L), np.minimum(P["term"][op[li]], s.END))
        l_closed = np.maximum(l_closed, l_created)
        # open pipeline of people still selling at the end
        n = s.n
        alive = np.flatnonzero(
            (P["term"][:n] > s.END) & (P["hire"][:n] <= s.END) & np.isin(P["role"][:n], [REP, KA, LEAD])
        )
        k_open = r.poisson(4, len(alive))
        oi = np.repeat(alive, k_open)
        n_open = len(oi)
        o_created = np.maximum(s.END - r.integers(0, 90, n_open), P["hire"][oi])
        o_exp = s.END + r.integers(5, 120, n_open)
        q = np.where(P["role"][oi] == KA, 160_000, 100_000) * (1 + QUOTA_GROWTH) ** (s.M / 12)
        o_amt = np.round(q * np.exp(0.5 * r.standard_normal(n_open) - 1.3), -2)
        o_stage = r.choice(3, n_open, p=[0.4, 0.35, 0.25])
        # a customer from the person's own orders when there is one
        o_cust = self._cust_of(oi, op, ocust)
        o_pl = r.choice(4, n_open, p=PL_AFTER if s.launch < s.M else PL_BEFORE)
        stages = ["prospecting", "engaging", "proposal", "won", "lost"]
        emp, cid = self.emp, self.cid
        won_cust = cid[ocust[won]]
        lost_cust = cid[ocust[li]]
        df = pl.DataFrame(
            {
                "employee_id": np.concatenate([emp[op[won]], emp[op[li]], emp[oi]]),
                "customer_id": np.concatenate(
                    [won_cust, lost_cust, np.where(o_cust >= 0, cid[np.maximum(o_cust, 0)], -1)]
                ),
                "product_line_id": np.concatenate([opl[won], opl[li], o_pl]),
                "stage": np.concatenate([np.full(W, 3), np.full(L, 4), o_stage]),
                "amount": np.concatenate([w_amt, np.round(oamt[li] * r.uniform(0.8, 1.5, L), -2), o_amt]),
                "created": np.concatenate([w_created, l_created, o_created]),
                "exp": np.concatenate([oday[won] + r.integers(-10, 20, W), l_closed, o_exp]),
                "closed": np.concatenate([oday[won], l_closed, np.full(n_open, -1)]),
                "cv": np.concatenate([oamt[won], np.full(L, np.nan), np.full(n_open, np.nan)]),
            }
        ).sort(["created", "employee_id"], maintain_order=True)
        closed = df["closed"].to_numpy()
        cust = df["customer_id"].to_numpy()
        ex = df["exp"].to_numpy()
        cv = df["cv"].to_numpy()
        stg = df["stage"].to_numpy()
        # a won deal's expected close can be after the end: only open deals look forward
        ex = np.where(stg >= 3, np.minimum(ex, s.END), ex)
        K = df.height
        self.out["opportunities"] = pl.DataFrame(
            {
                "opportunity_id": np.arange(1, K + 1, dtype=np.int64),
                "external_key": _keys("OPP-", np.arange(1, K + 1), 7),
                "employee_id": df["employee_id"],
                "customer_id": _nullable(cust, cust < 0, pl.Int64),
                "product_line_id": _cat(df["product_line_id"].to_numpy(), [x[0] for x in PRODUCT_LINES]),
                "stage": _cat(stg, stages),
                "amount": df["amount"].cast(pl.Float64),
                "created_date": _d(df["created"].to_numpy()),
                "expected_close_date": _d(ex),
                "closed_date": _d(np.where(closed < 0, 0, closed), closed < 0),
                "close_value": _nullable(np.nan_to_num(cv), np.isnan(cv), pl.Float64),
            }
        )

    def _cust_of(self, people, op, ocust):
        """For each person, a random customer of theirs (from their orders), -1 if none."""
        return _group_pick(self.rng, op, ocust, people)

    def _activities(self, op, ocust, oday):
        s, P, r = self.s, self.s.P, self.rng
        pn = self.panel_np
        qm = ~np.isnan(pn["quota"])
        p, m = pn["p"][qm], pn["m"][qm]
        ms = s.mstart[s.B + m]
        me = s.mstart[s.B + m + 1] - 1
        lo = np.maximum(P["hire"][p], ms)
        hi = np.minimum(P["term"][p], me)
        frac = (hi - lo + 1) / (me - ms + 1)
        rate = float(s.p["activity_rate"]) * P["intensity"][p] * frac
        hunter = P["rtype"][p] == 1
        lam = np.stack([7.0 * rate * np.where(hunter, 1.3, 1.0), 12.0 * rate, 2.0 * rate], axis=1)
        cnt = r.poisson(lam)
        kind = np.concatenate([np.full(cnt[:, j].sum(), j) for j in range(3)])
        row = np.concatenate([np.repeat(np.arange(len(p)), cnt[:, j]) for j in range(3)])
        A = len(row)
        day = lo[row] + np.floor(r.random(A) * (hi[row] - lo[row] + 1)).astype(np.int64)
        # customer: one this rep sold to in the same month (calls to prospects: none)
        key_o = op.astype(np.int64) * 1000 + s._month_of(oday).astype(np.int64)
        key_a = p[row].astype(np.int64) * 1000 + m[row].astype(np.int64)
        cust = _group_pick(r, key_o, ocust, key_a)
        cust = np.where((kind == 1) & (r.random(A) < 0.5), -1, cust)
        late_p = 1 / (1 + np.exp(1.5 + 1.2 * P["quality"][p[row]]))
        due = np.where(kind == 2, day + np.where(r.random(A) < late_p, -r.integers(1, 8, A), r.integers(0, 10, A)), -1)
        due = np.where(kind == 2, np.minimum(due, s.END), -1)
        order = np.lexsort((p[row], day))
        cust, day, kind, due, prow = cust[order], day[order], kind[order], due[order], p[row][order]
        cid = np.where(cust >= 0, self.cid[np.maximum(cust, 0)], -1)
        self.out["activities"] = pl.DataFrame(
            {
                "activity_id": np.arange(1, A + 1, dtype=np.int64),
                "employee_id": self.emp[prow],
                "customer_id": _nullable(cid, cid < 0, pl.Int64),
                "activity_date": _d(day),
                "kind": _cat(kind, ["visit", "call", "proposal"]),
                "due_date": _d(np.maximum(due, 0), due < 0),
                "on_time": _nullable(day <= due, due < 0, pl.Boolean),
            }
        )

    def _complaints_csat(self, op, ocust, oday):
        s, P, r = self.s, self.s.P, self.rng
        N = len(op)
        q = P["quality"][op]
        pc = 0.02 * np.exp(-0.5 * q) * np.where(P["rtype"][op] == 1, 1.3, 1.0)
        ci = np.flatnonzero(r.random(N) < pc)
        cd = oday[ci] + r.integers(5, 40, len(ci))
        ok = cd <= s.END
        ci, cd = ci[ok], cd[ok]
        sev = r.choice(3, len(ci), p=[0.6, 0.3, 0.1]) + 1
        order = np.lexsort((ci, cd))
        self.out["complaints"] = pl.DataFrame(
            {
                "complaint_id": np.arange(1, len(ci) + 1, dtype=np.int64),
                "customer_id": self.cid[ocust[ci[order]]],
                "employee_id": self.emp[op[ci[order]]],
                "complaint_date": _d(cd[order]),
                "severity": pl.Series(sev[order]).cast(pl.Int32),
                "category": _cat(r.integers(0, 4, len(ci)), ["delivery", "quality", "service", "billing"]),
            }
        )
        si = np.flatnonzero(r.random(N) < 0.08)
        sd = oday[si] + r.integers(10, 31, len(si))
        ok = sd <= s.END
        si, sd = si[ok], sd[ok]
        score = np.clip(np.round(4.0 + 0.5 * P["quality"][op[si]] + 0.8 * r.standard_normal(len(si))), 1, 5).astype(
            np.int64
        )
        order = np.lexsort((si, sd))
        self.out["csat"] = pl.DataFrame(
            {
                "response_id": np.arange(1, len(si) + 1, dtype=np.int64),
                "customer_id": self.cid[ocust[si[order]]],
                "employee_id": self.emp[op[si[order]]],
                "survey_date": _d(sd[order]),
                "score": pl.Series(score[order]).cast(pl.Int32),
            }
        )

    # ── talent ──
    def _talent(self):
        s, P = self.s, self.s.P
        emp = self.emp
        pn = self.panel_np
        month_day = s.mstart[s.B + pn["m"]]
        self.out["attendance"] = pl.DataFrame(
            {"employee_id": emp[pn["p"]], "month": _d(month_day), "overtime_hours": pn["ot"], "leave_days": pn["leave"]}
        )
        # engagement
        sv = {
            k: _cat_arr(s.surveys, k, np.float64 if k in ("eng", "mgr") else None)
            for k in ("p", "day", "eng", "mgr", "enps")
        }
        ok = P["term"][sv["p"]] >= sv["day"]
        self.out["engagement"] = pl.DataFrame(
            {
                "employee_id": emp[sv["p"][ok]],
                "survey_date": _d(sv["day"][ok]),
                "engagement_score": sv["eng"][ok],
                "manager_score": sv["mgr"][ok],
                "enps": pl.Series(sv["enps"][ok]).cast(pl.Int32),
            }
        )
        self._reviews()
        self._mentoring_onboarding()
        self._enrollments()
        self._skills()
        self._static()

    def _manager_on(self, people, days):
        """Manager employee_id of each person on each day (from assignments), -1 if none."""
        a = self.assign_np
        df = pl.DataFrame({"p": people, "d": days}).with_row_index("i")
        am = pl.DataFrame({"p": a["p"], "f": a["f"], "t": a["t"], "mgr": a["mgr"]}).sort("f")
        j = df.sort("d").join_asof(am, left_on="d", right_on="f", by="p", strategy="backward", check_sortedness=False)
        j = j.with_columns(mgr=pl.when(pl.col("t") >= pl.col("d")).then(pl.col("mgr")).otherwise(-1)).sort("i")
        return j["mgr"].fill_null(-1).to_numpy()

    def _role_on(self, people, days):
        a = self.assign_np
        df = pl.DataFrame({"p": people, "d": days}).with_row_index("i")
        am = pl.DataFrame({"p": a["p"], "f": a["f"], "t": a["t"], "role": a["role"]}).sort("f")
        j = (
            df.sort("d")
            .join_asof(am, left_on="d", right_on="f", by="p", strategy="backward", check_sortedness=False)
            .sort("i")
        )
        return j["role"].fill_null(-1).to_numpy()

    def _reviews(self):
        s, P, r = self.s, self.s.P, self.rng
        pn = self.panel_np
        op = self.order_np
        q_of_m = (s.ym0 + pn["m"]) // 3  # absolute quarter number
        # bookings per person-month from the orders
        om = s._month_of(op["day"]).astype(np.int64)
        bk = pl.DataFrame({"p": op["p"], "m": om, "b": op["amt"]}).group_by("p", "m").agg(pl.col("b").sum())
        pm = pl.DataFrame(
            {"p": pn["p"], "m": pn["m"].astype(np.int64), "q": q_of_m, "quota": np.nan_to_num(pn["quota"])}
        ).join(bk, on=["p", "m"], how="left")
        pq = pm.group_by("p", "q").agg(pl.col("quota").sum(), pl.col("b").fill_null(0).sum()).sort(["p", "q"])
        # quarters complete within the window
        q_first = -(-s.ym0 // 3)
        q_last = (s.ym0 + s.M) // 3 - 1
        pq = pq.filter((pl.col("q") >= q_first) & (pl.col("q") <= q_last))
        q = pq["q"].to_numpy()
        qend = (((q + 1) * 3 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)) - 1
        p = pq["p"].to_numpy()
        ok = (P["hire"][p] <= qend - 30) & (P["term"][p] >= qend)
        pq, q, qend, p = pq.filter(pl.Series(ok)), q[ok], qend[ok], p[ok]
        quota = pq["quota"].to_numpy()
        att = np.where(quota > 0, pq["b"].to_numpy() / np.maximum(quota, 1), np.nan)
        lat = np.log(P["prod"][p]) / 0.30 * 0.8 + 0.6 * r.standard_normal(len(p))
        by_att = np.digitize(att, [0.5, 0.8, 1.05, 1.25]) + 1
        by_lat = np.digitize(lat, [-1.3, -0.5, 0.6, 1.4]) + 1
        rating = np.where(np.isnan(att), by_lat, by_att)
        jig = r.random(len(p))
        rating = np.clip(rating + np.where(jig < 0.1, -1, np.where(jig > 0.9, 1, 0)), 1, 5)
        potential = np.digitize(P["pot"][p] + 0.3 * r.standard_normal(len(p)), [-0.5, 0.8]) + 1
        reviewer = self._manager_on(p, qend)
        label = pl.Series((q // 4).astype(str)) + "-Q" + pl.Series((q % 4 + 1).astype(str))
        df = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "quarter": label,
                "review_date": _d(qend),
                "rating": pl.Series(rating).cast(pl.Int32),
                "potential": pl.Series(potential).cast(pl.Int32),
                "reviewer_id": _nullable(reviewer, reviewer < 0, pl.Int64),
            }
        ).sort(["review_date", "employee_id"])
        self.out["performance_reviews"] = df
        # regretted: a share of voluntary exits of good performers (last rating ≥ 4)
        last = df.group_by("employee_id").agg(pl.col("rating").sort_by("review_date").last())
        kept = self.kept
        rating = np.zeros(len(kept), np.int64)
        pos = last["employee_id"].to_numpy() - 100_001  # employee ids are 100001 + position in kept
        rating[pos] = last["rating"].to_numpy()
        good = (rating >= 4) | ((rating == 0) & (P["prod"][kept] >= 1.15))
        vol = (P["exit_type"][kept] == 0) & self.left
        reg = vol & good & (r.random(len(kept)) < 0.75)
        self.out["employees"] = self.out["employees"].with_columns(regretted=_nullable(reg, ~self.left, pl.Boolean))

    def _mentoring_onboarding(self):
        s, P, r = self.s, self.s.P, self.rng
        kept = self.kept
        ment = kept[(P["mentor"][kept] >= 0) & (self.emp[np.maximum(P["mentor"][kept], 0)] >= 0)]
        ment = ment[P["hire"][ment] <= s.END]
        mentor = P["mentor"][ment]
        start = np.minimum(P["mentor_start"][ment], np.minimum(P["term"][ment], P["term"][mentor]))
        start = np.maximum(np.minimum(start, s.END), P["hire"][ment])
        endd = np.minimum(start + 89, np.minimum(P["term"][ment], P["term"][mentor]))
        endd = np.maximum(endd, start)
        open_ = endd > s.END
        order = np.lexsort((ment, start))
        ment, mentor, start, endd, open_ = ment[order], mentor[order], start[order], endd[order], open_[order]
        self.out["mentorships"] = pl.DataFrame(
            {
                "mentorship_id": np.arange(1, len(ment) + 1, dtype=np.int64),
                "mentor_id": self.emp[mentor],
                "mentee_id": self.emp[ment],
                "start_date": _d(start),
                "end_date": _d(np.minimum(endd, s.END), open_),
            }
        )
        new = kept[P["hire"][kept] >= s.W0]
        k = len(new)
        total = r.integers(10, 13, k)
        mentored = P["mentor"][new] >= 0
        rate = np.clip(
            0.72 + np.where(mentored, 0.15, 0.0) + 0.05 * P["quality"][new] + 0.1 * r.standard_normal(k), 0, 1
        )
        done = np.minimum(total, np.round(total * rate)).astype(np.int64)
        days_left = np.minimum(P["term"][new], s.END) - P["hire"][new]
        done = np.where(days_left < 30, np.floor(done * np.clip(days_left, 0, 30) / 30), done).astype(np.int64)
        comp_day = P["hire"][new] + r.integers(14, 31, k)
        completed = (done == total) & (comp_day <= np.minimum(P["term"][new], s.END))
        self._onb = (new, completed, comp_day)
        self.out["onboarding"] = pl.DataFrame(
            {
                "employee_id": self.emp[new],
                "plan_start": _d(P["hire"][new]),
                "tasks_total": pl.Series(total).cast(pl.Int32),
                "tasks_done": pl.Series(done).cast(pl.Int32),
                "completed_on": _d(np.where(completed, comp_day, 0), ~completed),
            }
        )

    def _enrollments(self):
        s, P, r = self.s, self.s.P, self.rng
        rows = []  # (p, course, enrolled, completed_day or -1)
        new = self._onb[0]
        onb_done = (r.random(len(new)) < 0.9) & (np.minimum(P["term"][new], s.END) >= P["hire"][new] + 30)
        rows.append(
            (
                new,
                0,
                P["hire"][new],
                np.where(onb_done, np.minimum(P["hire"][new] + r.integers(20, 31, len(new)), s.END), -1),
            )
        )
        ka = {k: _cat_arr(s.ka_enr, k) for k in ("p", "enr", "done", "day")}
        rows.append((ka["p"], 1, ka["enr"], np.where(ka["done"].astype(bool), ka["day"], -1)))
        # product training for the new line, prospecting and closing waves, coaching for new leads
        pn = self.panel_np
        qm = ~np.isnan(pn["quota"])
        for course, month_of_year, share in ((3, 3, 0.12), (4, 9, 0.10)):
            sel = qm & ((s.ym0 + pn["m"]) % 12 == month_of_year)
            pp, mm = pn["p"][sel], pn["m"][sel]
            pick = r.random(len(pp)) < share
            pp, mm = pp[pick], mm[pick]
            enr = s.mstart[s.B + mm] + r.integers(0, 10, len(pp))
            dd = enr + r.integers(5, 30, len(pp))
            ok = enr <= np.minimum(P["term"][pp], s.END)
            done = ok & (r.random(len(pp)) < 0.82) & (dd <= np.minimum(P["term"][pp], s.END))
            rows.append((pp[ok], course, enr[ok], np.where(done, dd, -1)[ok]))
        sel = qm & (pn["m"] == s.launch)
        pp = pn["p"][sel]
        pick = s.is_np[P["unit"][pp]] | (r.random(len(pp)) < 0.3)
        pp = pp[pick]
        enr = s.mstart[s.B + s.launch] + r.integers(0, 10, len(pp))
        dd = enr + r.integers(3, 20, len(pp))
        done = (r.random(len(pp)) < 0.9) & (dd <= np.minimum(P["term"][pp], s.END))
        ok = enr <= np.minimum(P["term"][pp], s.END)
        rows.append((pp[ok], 2, enr[ok], np.where(done, dd, -1)[ok]))
        pl_ = self.placements.filter((pl.col("role") == LEAD) & (pl.col("f") >= s.W0))
        lp, lf = pl_["p"].to_numpy(), pl_["f"].to_numpy()
        enr = lf + r.integers(0, 30, len(lp))
        ok = enr <= np.minimum(P["term"][lp], s.END)
        dd = enr + r.integers(10, 40, len(lp))
        done = (dd <= np.minimum(P["term"][lp], s.END)) & (r.random(len(lp)) < 0.85)
        rows.append((lp[ok], 5, enr[ok], np.where(done, dd, -1)[ok]))
        p = np.concatenate([x[0] for x in rows]).astype(np.int64)
        course = np.concatenate([np.full(len(x[0]), x[1]) for x in rows])
        enr = np.concatenate([x[2] for x in rows]).astype(np.int64)
        dd = np.concatenate([x[3] for x in rows]).astype(np.int64)
        keep = self.emp[p] >= 0
        p, course, enr, dd = p[keep], course[keep], enr[keep], dd[keep]
        done = dd >= 0
        pre = np.clip(np.round(55 + 8 * np.log(P["prod"][p]) / 0.30 + 10 * r.standard_normal(len(p))), 5, 95)
        post = np.clip(np.round(pre + 15 + 7 * r.standard_normal(len(p))), 0, 100)
        order = np.lexsort((course, p, enr))
        p, course, enr, dd, done, pre, post = (x[order] for x in (p, course, enr, dd, done, pre, post))
        self.out["enrollments"] = pl.DataFrame(
            {
                "enrollment_id": np.arange(1, len(p) + 1, dtype=np.int64),
                "employee_id": self.emp[p],
                "course_id": _cat(course, [x[0] for x in COURSES]),
                "enrolled_date": _d(enr),
                "completed_date": _d(np.maximum(dd, 0), ~done),
                "completed": pl.Series(done),
                "pre_score": pre.astype(np.float64),
                "post_score": _nullable(post.astype(np.float64), ~done, pl.Float64),
            }
        )

    def _skills(self):
        s, P, r = self.s, self.s.P, self.rng
        waves = []
        for y in range(s.start.year, s.end.year + 1):
            for mo, dd in ((6, 30), (12, 31)):
                d = np.datetime64(date(y, mo, dd)).astype(np.int64)
                if s.W0 <= d <= s.END:
                    waves.append(int(d))
        kept = self.kept
        req = np.array([[np.nan if v is None else v for v in ROLE_SKILLS[rid]] for rid in ROLE_IDS])
        parts = []
        for d in waves:
            pp = kept[(P["hire"][kept] <= d - 90) & (P["term"][kept] >= d) & ~P["never_assessed"][kept]]
            pp = pp[r.random(len(pp)) < 0.85]
            role = self._role_on(pp, np.full(len(pp), d))
            pp, role = pp[role >= 0], role[role >= 0]
            rq = req[role]  # people × skills
            ii, jj = np.nonzero(~np.isnan(rq))
            person = pp[ii]
            ten = (d - P["hire"][person]) / 365.25
            z = np.log(P["prod"][person]) / 0.30
            sc = rq[ii, jj] - 0.9 + 0.35 * z + 0.15 * np.minimum(ten, 4) + 0.45 * r.standard_normal(len(ii))
            trained = (jj == 1) & (P["ka_m"][person] > -999)
            trained &= s.mstart[s.B + np.maximum(P["ka_m"][person], -s.B)] < d
            sc = sc + np.where(trained, 0.6, 0.0)
            sc = np.clip(np.round(sc * 2) / 2, 1, 5)
            parts.append((person, jj, np.full(len(ii), d), sc))
        p = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
        sk = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, np.int64)
        dd = np.concatenate([x[2] for x in parts]) if parts else np.zeros(0, np.int64)
        sc = np.concatenate([x[3] for x in parts]) if parts else np.zeros(0)
        self.out["skill_assessments"] = pl.DataFrame(
            {
                "employee_id": self.emp[p],
                "skill_id": _cat(sk, SKILL_IDS),
                "assessed_date": _d(dd),
                "score": sc.astype(np.float64),
            }
        )

    def _static(self):
        self.out["courses"] = pl.DataFrame(
            {
                "course_id": [c[0] for c in COURSES],
                "name_en": [c[1] for c in COURSES],
                "name_zh": [c[2] for c in COURSES],
                "category": [c[3] for c in COURSES],
                "skill_id": [c[4] for c in COURSES],
                "target_metric": [c[5] for c in COURSES],
                "hours": [c[6] for c in COURSES],
            }
        )
        self.out["skills"] = pl.DataFrame(
            {
                "skill_id": SKILL_IDS,
                "name_en": [x[1] for x in SKILLS],
                "name_zh": [x[2] for x in SKILLS],
                "category": [x[3] for x in SKILLS],
            }
        )
        rr, ss, vv = [], [], []
        for rid in ROLE_IDS:
            for sid, v in zip(SKILL_IDS, ROLE_SKILLS[rid], strict=True):
                if v is not None:
                    rr.append(rid)
                    ss.append(sid)
                    vv.append(float(v))
        self.out["role_skill_requirements"] = pl.DataFrame({"role_id": rr, "skill_id": ss, "required_score": vv})

    # ── joint ──
    def _joint(self):
        s = self.s
        fy = s.end.year
        op = self.order_np
        yr = op["day"].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        prev = float(op["amt"][yr == fy - 1].sum())
        target = float(np.round(prev * 1.2, -5)) if prev > 0 else None
        nw_units = np.flatnonzero(s.unit_region == [x[0] for x in REGIONS].index(NEW_REGION))
        in_nw = np.isin(s.P["unit"][op["p"]], nw_units)  # the rep's latest unit
        nw_prev = float(op["amt"][(yr == fy - 1) & in_nw].sum())
        nw_now = float(op["amt"][(yr == fy) & in_nw].sum())
        nw_target = float(np.round(max(nw_prev * 1.5, nw_now * 12 / s.end.month * 1.1), -5)) or None
        period = f"FY{fy}"
        G = [
            (
                "G1",
                None,
                "strategy",
                "Grow revenue 20%",
                "销售额增长20%",
                "bookings",
                target,
                "up",
                None,
                "sales_director",
                "Grow bookings through repeat business, key accounts and the new region",
                "通过老客户复购、大客户和新区域实现增长",
            ),
            (
                "G1.1",
                "G1",
                "sales",
                "Lift repeat purchase",
                "提升老客户复购率",
                "repeat_rate",
                0.60,
                "up",
                None,
                "sales_director",
                "Quarterly account plans for every customer with an order in the last year",
                "为过去一年下单的客户制定季度客户计划",
            ),
            (
                "G1.2",
                "G1",
                "sales",
                "Grow the key-account share",
                "提升大客户销售占比",
                "ka_share",
                0.35,
                "up",
                None,
                "ka_lead",
                "Cover every KA account with a trained key-account rep",
                "每个大客户由受过培训的大客户经理负责",
            ),
            (
                "G1.3",
                "G1",
                "sales",
                "Build the Northwest region",
                "拓展西北新区域",
                "bookings",
                nw_target,
                "up",
                NEW_REGION,
                "sales_director",
                "Staff all Northwest teams and reach the regional revenue plan",
                "配齐西北团队并完成区域销售计划",
            ),
            (
                "G1.1.1",
                "G1.1",
                "hr",
                "Cut sales attrition",
                "降低销售人员流失率",
                "attrition_rate_ttm",
                0.28,
                "down",
                None,
                "hr_head",
                "Stay interviews for reps under target; fix overtime hot spots",
                "对未达标销售做留任面谈，解决加班集中问题",
            ),
            (
                "G1.1.2",
                "G1.1",
                "hr",
                "Cut probation exits",
                "降低试用期离职率",
                "probation_exit_rate",
                0.25,
                "down",
                None,
                "hr_head",
                "A mentor for every new rep in the first month",
                "每位新人入职首月配备导师",
            ),
            (
                "G1.2.1",
                "G1.2",
                "hr",
                "Complete KA negotiation training",
                "完成大客户谈判培训",
                "training_completion",
                0.90,
                "up",
                None,
                "hr_head",
                "Enrol every KA-holding rep in KA negotiation",
                "所有负责大客户的销售参加大客户谈判培训",
            ),
            (
                "G1.3.1",
                "G1.3",
                "hr",
                "Faster hiring for Northwest",
                "缩短西北区招聘周期",
                "time_to_fill",
                40.0,
                "down",
                NEW_REGION,
                "recruiting_lead",
                "Referral drive and campus events in the region",
                "在区域内开展内推和校园招聘活动",
            ),
            (
                "G1.3.2",
                "G1.3",
                "hr",
                "Key positions filled on time",
                "关键岗位人才到位率",
                "key_position_fill_rate",
                0.90,
                "up",
                None,
                "recruiting_lead",
                "Succession lists for team leads and KA roles",
                "为销售主管和大客户岗位建立继任名单",
            ),
        ]
        cols = [
            "goal_id",
            "parent_id",
            "level",
            "title_en",
            "title_zh",
            "metric_id",
            "target",
            "direction",
            "org_unit_id",
            "owner",
            "action_en",
            "action_zh",
        ]
        data = {c: [g[i] for g in G] for i, c in enumerate(cols)}
        data["period"] = [period] * len(G)
        self.out["goals"] = pl.DataFrame(
            {
                c: pl.Series(data[c], dtype=pl.Float64 if c == "target" else pl.Utf8)
                for c in [*cols[:8], "period", *cols[8:]]
            }
        )
        prev_m = _add_months(s.end, -1)
        as_of = s.end - dt.timedelta(days=1)
        created = dt.datetime.combine(as_of + dt.timedelta(days=3), dt.time(10, 0))
        self.out["reviews"] = pl.DataFrame(
            {
                "review_id": pl.Series([1], dtype=pl.Int64),
                "kind": ["monthly"],
                "period": [prev_m.strftime("%Y-%m")],
                "as_of": pl.Series([as_of], dtype=pl.Date),
                "scope": ["all"],
                "title": [f"月度协调会 Monthly review {prev_m.strftime('%Y-%m')}"],
                "snapshot": [json.dumps({"demo": True})],
                "created_by": ["demo"],
                "created_at": pl.Series([created], dtype=pl.Datetime("us")),
            }
        )
        items = [
            ("为西北区全部新人配备导师 / Give every new Northwest rep a mentor", "hr_head", 24, "open", None),
            (
                "对连续两个季度未达70%的销售做辅导计划 / Coaching plans for reps under 70% two quarters running",
                "sales_director",
                20,
                "in_progress",
                None,
            ),
            ("大客户谈判培训第二期报名 / Open the second KA negotiation cohort", "hr_head", 10, "done", 8),
            (
                "复核华东加班最高的三个团队 / Review overtime in the three East teams with the most hours",
                "sales_director",
                27,
                "open",
                None,
            ),
        ]
        self.out["action_items"] = pl.DataFrame(
            {
                "item_id": pl.Series([1, 2, 3, 4], dtype=pl.Int64),
                "review_id": pl.Series([1, 1, 1, 1], dtype=pl.Int64),
                "text": [x[0] for x in items],
                "owner": [x[1] for x in items],
                "due_date": pl.Series([as_of + dt.timedelta(days=x[2]) for x in items], dtype=pl.Date),
                "status": [x[3] for x in items],
                "created_at": pl.Series([created] * 4, dtype=pl.Datetime("us")),
                "closed_at": pl.Series(
                    [None if x[4] is None else created + dt.timedelta(days=x[4]) for x in items],
                    dtype=pl.Datetime("us"),
                ),
                "carried_from": pl.Series([None] * 4, dtype=pl.Int64),
            }
        )
        n_rows = sum(df.height for df in self.out.values()) + 1
        end_last = date.fromordinal(date(1970, 1, 1).toordinal() + s.END)
        self.out["audit_log"] = pl.DataFrame(
            {
                "event_id": pl.Series([1], dtype=pl.Int64),
                "occurred_at": pl.Series([dt.datetime.combine(end_last, dt.time(23, 0))], dtype=pl.Datetime("us")),
                "actor": ["demo"],
                "action": ["demo"],
                "target": ["database"],
                "scope": ["all"],
                "n_rows": pl.Series([n_rows], dtype=pl.Int64),
                "detail": [json.dumps({"size": self.size, "seed": self.seed, "end": s.end.isoformat()})],
            }
        )


def build_demo(
    size: str = "small",
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, pl.DataFrame]:
    """Build the demo company: one polars frame per table of sql/schema.sql (except meta).

    `end` is the first day of the last month of history (default: the last complete
    month); the same size, seed and end always give identical frames.
    """
    if size not in SIZES:
        raise ValueError(f"Unknown demo size {size!r}: choose one of {', '.join(repr(k) for k in SIZES)}.")
    end = default_end_month() if end is None else date(end.year, end.month, 1)
    if progress:
        progress(0.0, f"Building the {size} demo company")
    sim = _Sim(SIZES[size], end, seed, progress)
    sim.run()
    return _Tables(sim, size, seed).build()
