"""Commission plans as data, and the payout engine (docs/metrics.md, "Commission").

Callers use ``from analytics.sales import incentives`` and ``incentives.<name>``; this package
re-exports the public API of its modules:

- :mod:`.plans`: the plan model, reading and validating ``data/plans/*.toml``, writing plans back
  (:mod:`.plan_reader` holds :class:`PlanError` and the key/line lookup behind its messages);
- :mod:`.segments`: which plan measures which months (the plan in force, cuts at plan changes);
- :mod:`.payout`: the payout engine, per rep and measurement period under the plan in force then;
- :mod:`.statements`: one rep's statement, down to the orders;
- :mod:`.simulator`: the what-if, two plans side by side.

Units. Money is in the company currency (CNY in the demo) and results are rounded to 0.01 (fen).
In plan files ``*_pct`` keys are percentages (1.5 = 1.5 %) and ``ka_uplift_pp`` is percentage
points; in result frames ``rate``, ``attainment`` and ``cost_of_sales`` are fractions (0.015, 1.10).
"""
from __future__ import annotations

from analytics.sales.incentives.payout import (
    NO_QUOTA,
    PAYOUT_COLUMNS,
    credit_key,
    order_lines,
    payouts,
    payouts_from_panel,
    payouts_from_panels,
    rep_month_panel,
)
from analytics.sales.incentives.plan_reader import PlanError
from analytics.sales.incentives.plans import (
    DEFAULT_PLAN_ID,
    PERIODS,
    PLANS_DIR,
    Accelerator,
    Bonus,
    Cap,
    Plan,
    Tier,
    list_plans,
    load_plan,
    plan_from_dict,
    plan_to_dict,
    plan_to_toml,
)
from analytics.sales.incentives.segments import NO_PLAN, ON_PLAN, PERIOD_MONTHS, period_start_of
from analytics.sales.incentives.simulator import BANDS, simulate, simulate_panels
from analytics.sales.incentives.statements import statement

__all__ = [
    "BANDS",
    "DEFAULT_PLAN_ID",
    "NO_PLAN",
    "NO_QUOTA",
    "ON_PLAN",
    "PAYOUT_COLUMNS",
    "PERIODS",
    "PERIOD_MONTHS",
    "PLANS_DIR",
    "Accelerator",
    "Bonus",
    "Cap",
    "Plan",
    "PlanError",
    "Tier",
    "credit_key",
    "list_plans",
    "load_plan",
    "order_lines",
    "payouts",
    "payouts_from_panel",
    "payouts_from_panels",
    "period_start_of",
    "plan_from_dict",
    "plan_to_dict",
    "plan_to_toml",
    "rep_month_panel",
    "simulate",
    "simulate_panels",
    "statement",
]
