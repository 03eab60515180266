"""The rules every metric follows (placement, comparisons, bases, small numbers, maturing cohorts) and
the commission rules, as written into ``docs/metrics.md`` beside the registry's definitions. English."""
from __future__ import annotations

INTRO = """One definition per metric. The metric registry (`analytics/core/registry.py`) carries each id, both
names, the formula, the numerator and denominator and the unit; pages show the formula and the
denominator on hover, the glossary lists them all, and `python -m analytics metrics` computes them.
This file is written from the registry by `python -m analytics metrics --docs docs/metrics.md`;
a test fails when the two disagree. Where a definition leaves a choice open, the registry says which
choice Tandem makes (following the named source: SHRM, Kaplan–Meier, QuotaPath)."""

CONVENTIONS = """- **Employed on day d**: `hire_date <= d` and (`termination_date` is null or `d <= termination_date`).
  `termination_date` is the last day employed.
- **Headcount(d)**: people employed on day d, in the viewer's scope, placed in the org unit
  they were assigned to on day d (effective-dated, never today's org).
- **Average headcount of a month**: (headcount on its first day + headcount on its last day) / 2.
  Of a longer period: the mean of its months' averages. (SHRM: separations ÷ average headcount.)
- **Exit in period P**: `termination_date` in P, placed in the org unit held on that day.
- **Tenure**: days from hire to termination, both days counted: `termination_date − hire_date + 1`
  (for people still employed, to the as-of date). Tenure in months = days ÷ (365.25 / 12).
- **Adding N months** to a date is calendar arithmetic clamped to the month's end
  (31 Jan + 1 month = 28/29 Feb).
- **In probation**: an exit is in probation when `termination_date < hire_date + probation months`
  (default 3). The same test serves `probation_exit_rate` and `probation_share_of_exits`.
- **Exit types**: voluntary, involuntary, other. Retirement, death and end of a fixed-term contract
  are *other*: they count in `exits` and `attrition_rate`, in neither the voluntary nor the
  involuntary rate. Importers map source codes so (e.g. `Retired`, `退休` → other).
- A period that is not complete at the as-of date is marked *partial* wherever it is shown.
- Groups with fewer than the suppression threshold (default 5, as Viva Glint and Betterworks use;
  3 at the lowest) people are masked for viewers without person-level rights, and no masked
  value may be recoverable from any combination of figures that viewer can reach (other
  groupings, scopes, periods, the command line, exports).

### Placement: which group a figure belongs to

- **Events** — a hire, an exit, an order (and so its bookings, its KA share and its collections),
  a new customer's first order, a complaint, a visit — are placed in the org unit that the
  person responsible held **on the event's date**. An order dated after its rep's last day is
  placed in the unit the rep held on that last day. An order with no rep counts in company-wide
  figures as *unassigned* and in no group below the company.
- **Quota rows** are placed in the unit the rep held in the quota's month, so a group's
  attainment is bookings placed in it ÷ quota placed in it.
- **People measured over a period** — a rep's attainment for `reps_at_quota`, the attainment
  bands, the coaching and high-potential lists, the scorecard — use all of that person's
  bookings and quota in the period, and place the person in the unit held on the period's last
  day (or on their last day employed, if they left during it).
- **Negative order lines** are credit notes: they reduce the bookings of their own date, rep and
  customer.

### Comparisons, bases and small numbers

- **Every "vs" is the previous period of the same grain**: month vs previous month, quarter vs
  previous quarter, fiscal year vs previous fiscal year. A partial period is compared with the
  same elapsed stretch of the previous period (first 1 month of Q4 vs first 1 month of Q3). One
  rule for cards, tables, reviews, packs and the command line.
- **Rates shown side by side have the same basis**: all for the period, or all annualised, and the
  label says which. A quarter's attrition is never printed next to an annualised one unlabelled.
- **Small denominators**: a rate whose denominator is under the *minimum base* (default 10 people,
  reps or customers; configurable) is shown with its counts ("1 of 2.5") and marked *small base*;
  it never colours a RAG status, raises an alert or generates a decision, and charts mark it.
- **Maturing cohorts**: a cohort measure whose outcome window has not elapsed at the as-of date
  (probation, first year, collections) is *maturing*: shown with what is known so far and
  compared only with earlier cohorts at the same age."""

COMMISSION = """Plans are data, not code. A plan has base rates, tiers by attainment (with or without
retroactive application), accelerators above target, a KA uplift, bonuses on period targets
(e.g. one month's base salary for meeting the annual target), caps, and an option to pay
only on collected cash. Worked examples the engine must reproduce:

- rate 1% below the quarterly target, 1.5% on the whole quarter once the target is met;
- KA bookings earn one percentage point more than regular bookings;
- meeting the annual target pays an extra month of base salary;
- tiered (QuotaPath style): half rate under 50% attainment, full rate from 50% (retroactive),
  1.5× above 100%.

The plan in force is looked up for each measurement period (the month or quarter the plan
measures); a payout over a longer range is the sum of its measurement periods' payouts, each
under the plan in force then, so a year pays exactly what its quarters pay. Where a plan changes inside
a measurement period, that period is cut at the change: the months before are measured
under the old plan, the months after under the new one, each against the quota of its own
months. A measurement period with no plan in force pays nothing and lists the rep as *no
plan*. A bonus on a target period is paid with the measurement period that contains the
target period's last day (the annual bonus with the year's last quarter). A bonus on an
annual target uses the base salary in force on the fiscal year's last day (or the last day
employed)."""
