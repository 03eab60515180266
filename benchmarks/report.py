"""Markdown sections of the benchmark report for the figures measured at every size (pages, the server's walk,
computing ahead, the metric families), with cost growth stated as exponents."""
from __future__ import annotations

import itertools
import math

from benchmarks.pages import PAGES


def exponent(small: float, large: float, n_small: float, n_large: float) -> float:
    """b in cost ∝ n^b between two sizes (1 = linear in the company's size)."""
    if small <= 0 or large <= 0 or n_small <= 0 or n_large <= 0 or n_small == n_large:
        return math.nan
    return math.log(large / small) / math.log(n_large / n_small)


def _growth(values: dict[str, float], people: dict[str, int], sizes: list[str]) -> str:
    """'b₁ / b₂' between consecutive sizes."""
    parts = [exponent(values[a], values[b], people[a], people[b]) for a, b in itertools.pairwise(sizes)]
    return " / ".join("–" if math.isnan(p) else f"{p:.2f}" for p in parts) or "–"


def pages_section(pages: dict[str, dict[str, dict[str, float]]], people: dict[str, int],
                  ahead: dict[str, dict] | None = None) -> list[str]:
    sizes = list(pages)
    ahead = ahead or {}
    after = {s: ahead.get(s, {}).get("pages", {}) for s in sizes}
    head = " | ".join(f"{s} computed / stored / after a change / warm (s)" for s in sizes)
    lines = [
        "## Every page, first view (server-side, HR head, default period, company scope)",
        "",
        "Each page runs under AppTest in a fresh process (the interpreter, Streamlit and Tandem's modules loaded, as",
        "the server preloads them at start; the clock covers the page's script run). *Computed* = nothing stored",
        "for this data: every figure computed, from the monthly panels the data change built (the first view of a",
        "request nobody made on this data before: a page nobody had opened on a brand-new database).",
        "*Stored* = a fresh process again, reading the results the first view stored beside the database (the",
        "first view after a server restart). *After a change* = a fresh process after a data change made as an",
        "import or a restore makes it: the command (or the Data page) builds the panels and computes ahead the",
        "requests people made on the previous data before it is done (analytics/reviews/ahead.py), so the first",
        "view reads them. *Warm* = the same page drawn again in its process. Peak = the computing process's maximum",
        "resident memory (about 250 MB of it is the interpreter with Streamlit and Tandem loaded). The flight-risk",
        "model of the data version is stored before (it is fitted once per data change, in the background).",
        "",
        f"| page | {head} | " + " | ".join(f"{s} peak (MB)" for s in sizes) + " | growth, computed |",
        "|---|" + "---:|" * (2 * len(sizes) + 1),
    ]

    def cell(size: str, page: str) -> str:
        seen = pages[size][page]
        changed = after[size].get(page)
        later = f"{changed['cold']:.2f}" if changed else "–"
        return f"{seen['computed']:.2f} / {seen['stored']:.2f} / {later} / {seen['warm']:.2f}"

    for page, label in PAGES.items():
        if not all(page in pages[s] for s in sizes):
            continue
        cells = [cell(s, page) for s in sizes]
        peaks = [f"{pages[s][page]['computed_peak_mb']:,.0f}" for s in sizes]
        growth = _growth({s: pages[s][page]["computed"] for s in sizes}, people, sizes)
        lines.append(f"| {label} | " + " | ".join(cells + peaks) + f" | {growth} |")
    slowest = {s: max(v["stored"] for v in pages[s].values()) for s in sizes}
    slowest_after = {s: max(v["cold"] for v in after[s].values()) for s in sizes if after[s]}
    slowest_computed = {s: max(v["computed"] for v in pages[s].values()) for s in sizes}
    lines += ["", "Slowest first view — stored results: " + ", ".join(f"{s} {v:.2f} s" for s, v in slowest.items())
              + "; after a data change: " + (", ".join(f"{s} {v:.2f} s" for s, v in slowest_after.items()) or "–")
              + "; everything computed: " + ", ".join(f"{s} {v:.2f} s" for s, v in slowest_computed.items())
              + ". Growth = the exponent b of seconds ∝ people^b between consecutive sizes.", ""]
    return lines


def server_section(walks: dict[str, dict[str, float]], ahead: dict[str, dict[str, float]],
                   people: dict[str, int]) -> list[str]:
    sizes = list(walks)
    return [
        "## The server: every page in one process, and computing ahead after a data change",
        "",
        "Walk = one server process visiting every page in turn with nothing stored (all figures computed), its",
        "time and peak memory (what a server needs when a full walk follows a data change). Ahead = after a data",
        "change that keeps the as-of date, what an import or a restore does before it is done (the app's Data page",
        "too, with a progress line; a change made elsewhere starts it in the background, ui/prewarm.py): the new",
        "data's monthly panels built (seconds until they are ready shown apart, and included in the total), then",
        "the requests of every page's default view computed ahead, so the next views read them.",
        "",
        "| size | people | walk (s) | walk peak (MB) | computed ahead: requests | panels ready (s) | all done (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {s} | {people[s]:,} | {walks[s]['seconds']:.1f} | {walks[s]['peak_mb']:,.0f} | "
          f"{ahead[s]['requests'] if s in ahead else '–'} | "
          f"{ahead[s].get('panels_seconds', float('nan')) if s in ahead else float('nan'):.1f} | "
          f"{ahead[s]['seconds'] if s in ahead else float('nan'):.1f} |" for s in sizes],
        "",
        "Growth of the walk's seconds: " + _growth({s: walks[s]["seconds"] for s in sizes}, people, sizes)
        + "; of its peak memory: " + _growth({s: walks[s]["peak_mb"] for s in sizes}, people, sizes) + ".",
        "",
    ]


def panels_section(built: dict[str, dict], people: dict[str, int]) -> list[str]:
    """The monthly panels' build after a data change (analytics/core/panels.py), per size."""
    sizes = list(built)
    return [
        "## Monthly panels, built after every data change (`python -m analytics panels build`)",
        "",
        "The heavy named queries (HR counts per unit and role; sales with cash, bookings and quota read from it too;",
        "rep months; the month sums, customers and order settlement behind the customer figures) run once over the",
        "whole history and are kept in the database; requests they cover read them instead of the facts. The demo",
        "build, an import and a restore end with this step (it is part of the generation time above); measured here",
        "again on its own, in a fresh process.",
        "",
        "| size | seconds | peak memory (MB) |",
        "|---|---:|---:|",
        *[f"| {s} | {built[s]['seconds']:.1f} | {built[s]['peak_mb']:,.0f} |" for s in sizes],
        "",
        f"Growth of the build's seconds: {_growth({s: built[s]['seconds'] for s in sizes}, people, sizes)}.",
        "",
    ]


def families_section(families: dict[str, dict[str, dict]], people: dict[str, int]) -> list[str]:
    sizes = list(families)
    lines = [
        "## The metric engine beside exact SQL floors and plain pandas (`python -m benchmarks.families`)",
        "",
        "Three requests as the app makes them, company scope: TTM attrition by region for 24 months; attainment by",
        "team for 8 quarters; month-end headcount by region for 24 months. Floor = one plain DuckDB statement in",
        "benchmarks/floors/ computing exactly the values the engine returns; pandas = benchmarks/pandas_impl.py.",
        "The four are checked equal row by row before any time is kept. Cold = a freshly opened database.",
        "Engine = as the app runs it: the requests read the monthly panels built at the data change (above);",
        "engine on the facts = the same with the panels switched off (`TANDEM_PANELS=0`), every named query",
        "scanning orders, quotas and HR moments as the floor and pandas do. The floors are the plain formulation",
        "(HR: a row per person employed on each month's first and last day; sales: orders grouped by rep and day,",
        "then placed); on the facts the engine counts headcount from running sums over assignment changes",
        "(sql/queries/hr_monthly.sql) and places orders one by one, summed per rep and unit before the org paths",
        "are joined (sql/queries/sales_booked.sql), so it can be faster than its floor.",
        "",
        "| size | family | engine cold / warm (s) | engine on the facts, cold / warm (s) | floor cold / warm (s) | "
        "pandas (s) | engine ÷ floor, cold | on the facts ÷ floor, cold | pandas ÷ engine, cold | "
        "pandas ÷ engine on the facts, cold |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for name, r in families[size].items():
            lines.append(f"| {size} | {name} | {r['engine_cold']:.3f} / {r['engine_warm']:.3f} | "
                         f"{r['facts_cold']:.3f} / {r['facts_warm']:.3f} | "
                         f"{r['floor_cold']:.3f} / {r['floor_warm']:.3f} | {r.get('pandas', math.nan):.3f} | "
                         f"{r['engine_cold'] / r['floor_cold']:.2f} | {r['facts_cold'] / r['floor_cold']:.2f} | "
                         f"{r.get('pandas', math.nan) / r['engine_cold']:.2f} | "
                         f"{r.get('pandas', math.nan) / r['facts_cold']:.2f} |")
    names = list(next(iter(families.values())))
    lines += ["", "Growth of the engine's cold seconds (b, seconds ∝ people^b): " + "; ".join(
        f"{n} {_growth({s: families[s][n]['engine_cold'] for s in sizes}, people, sizes)}" for n in names) + ".", ""]
    return lines


def browser_section(walks: dict[str, dict]) -> list[str]:
    """The walk of every page and both packs in headless Chromium on one real server
    (benchmarks/browser_walk.py), per size; each page's first view at the largest size walked."""
    if not walks:
        return []
    order = ["small", "medium", "large"]
    largest = max(walks, key=lambda s: order.index(s) if s in order else len(order))
    lines = [
        "## The browser walk: every page and both packs, one real server",
        "",
        "`python -m benchmarks.browser_walk`: `streamlit run app.py` on a copy of the demo with nothing stored (a",
        "fresh results folder, nothing computed ahead), headless Chromium signed in as the HR head opens every page",
        "of the navigation in turn, then downloads the quarterly review's PPTX pack and the monthly review's PDF",
        "pack (both reopened and checked). A page's first view = navigation click (the first page: the sign-in",
        "click) until the script is idle; any exception or error box fails the walk. Peak = the server process",
        "and its children (the chart-drawing Chromium among them), resident memory sampled every 0.2 s.",
        "",
        "| size | pages walked | slowest page (s, which) | packs (s) | total (s) | server peak (MB) |",
        "|---|---:|---|---|---:|---:|",
    ]
    for size, w in walks.items():
        slow = max(w["pages"], key=w["pages"].get)
        packs = " · ".join(f"{name} {secs:.1f}" for name, secs in w["packs"].items())
        lines.append(f"| {size} | {len(w['pages'])} | {w['pages'][slow]:.1f} ({slow}) | {packs} | "
                     f"{w['seconds']:.1f} | {w['peak_mb']:,.0f} |")
    lines += ["", f"Each page's first view at {largest}: "
              + ", ".join(f"{name} {secs:.1f} s" for name, secs in walks[largest]["pages"].items()) + ".", ""]
    return lines
