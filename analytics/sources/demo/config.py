"""The knobs of the demo company: its sizes, the sales calendar and quotas, and the embedded effects.

What each effect does, and the magnitudes measured from the frames, is in docs/demo_company.md.
"""

from __future__ import annotations

import numpy as np

from analytics.sources.demo.vocabulary import CS, HRBP, KA, LEAD, OPS, REP, RM

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

# ───────────────────────────── sales calendar and quotas ─────────────────────────────
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
