"""The layout keeps the data flow readable: no import circle, no import that runs upward, no huge module.

Layers of ``analytics/``, lowest first (docs/architecture.md draws them). A module may import its own
layer and the layers below it, never above:

0. ``core``      db, periods, settings, access, auth, metric registry, i18n — knows no domain
1. ``sources``   the demo company and the importers — facts in
2. ``people``, ``sales``, ``alerts`` pipelines (every module but the ``*_report`` views), and ``charts``
3. ``metrics``   the metric engine: compute any registry metric by id
4. ``people``, ``sales``, ``alerts`` ``*_report`` views: what a page shows, built on the engine and the pipelines
5. ``reviews``   overview, goals, meetings, packs and exports
6. ``cli``       the command line

Nothing under ``analytics/`` imports ``ui``, ``pages`` or Streamlit. Every import counts, including
those inside functions.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
DEMO_MAX_LINES = 400
PACKAGES = ("analytics", "ui")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the project (and 'streamlit') that ``path`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "streamlit":
                found.add("streamlit")
            elif target in known:
                found.add(target)
            elif target.split(".")[0] in PACKAGES:
                # a name imported from a module: credit the longest known prefix
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target:
                    found.add(target)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def layer(name: str) -> int | None:
    """The layer of an ``analytics`` module (None for ``analytics`` itself and ``ui``)."""
    parts = name.split(".")
    if parts[0] != "analytics" or len(parts) < 2 or parts[1] in ("__init__", "__main__"):
        return None
    wing = parts[1]
    if wing in ("people", "sales", "alerts"):
        return 4 if parts[-1].endswith("_report") else 2
    return {"core": 0, "sources": 1, "charts": 2, "metrics": 3, "reviews": 5, "cli": 6}[wing]


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_scan_sees_the_imports():
    edges = graph()
    assert "analytics.core.db" in edges["analytics.metrics.engine"]
    assert "analytics.sources.ingest.errors" in edges["analytics.sources.ingest.readers"]


def test_no_import_circle():
    assert find_cycles(graph()) == []


def test_cycle_finder_finds_a_circle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_runs_upward():
    upward = []
    for name, deps in graph().items():
        mine = layer(name)
        for dep in deps:
            if name.startswith("analytics") and (dep == "streamlit" or dep.startswith("ui")):
                upward.append(f"{name} → {dep}")
            elif mine is not None and (theirs := layer(dep)) is not None and theirs > mine:
                upward.append(f"{name} (layer {mine}) → {dep} (layer {theirs})")
    assert upward == []


@pytest.mark.parametrize("name", ["analytics.core.db", "analytics.people.attrition", "analytics.cli.main"])
def test_every_wing_has_a_layer(name: str):
    assert layer(name) is not None


def test_every_module_is_in_a_wing():
    loose = [n for n in modules() if n.startswith("analytics.") and n.count(".") == 1
             and n not in ("analytics.__main__",) and layer(n) is None]
    assert loose == []


def test_no_module_is_huge():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}
    demo = {n: s for n, s in sizes.items() if n.startswith("analytics.sources.demo") and s > DEMO_MAX_LINES}
    assert demo == {}
