"""Goals alignment (目标协同): the strategy → sales → HR-support goal tree, each goal's actual computed from
the metric registry, and a red / amber / green status with its rule.

Actuals are computed, never typed: a goal names a registry metric, a target, a direction, a period and an
org unit (none = the whole company); its actual is ``engine.compute`` of that metric for the period (to
date) in that org unit. The status rule (``RULE`` below, shown beside the tree):

- **green**: the actual meets the target in the goal's direction (up: actual ≥ target; down: actual ≤ target);
- **amber**: within 10% of the target (up: actual ≥ 90% of it; down: actual ≤ 110% of it), or the period is
  still partial and the actual is on track pro rata — for additive metrics (counts, money) the target is
  scaled by the share of the period's months elapsed (a year's bookings target × 9/12 after September);
  ratios are compared with the target as they are;
- **red**: otherwise. A cap on a sum (direction down on counts or money, e.g. exits) cannot be met before
  its period ends: while the period is partial it is amber when within 10% of the pro-rata cap, else red;
- **n/a**: no metric or target, a metric the engine does not compute yet, a value masked for small groups,
  or a goal outside the viewer's scope (its number is not shown).

Who may write (:func:`check_write`, applied by :func:`upsert_goal` and :func:`delete_goal`, so every surface
obeys): a viewer with person-level rights or the admin role, and only goals of org units inside their scope — a
company goal (no org unit) only with the whole company in scope. A change is checked against the goal as stored
and as saved, so a goal can neither be taken from another unit nor moved out of one's own; its parent must be
a company goal, a goal of a unit above it or one in the writer's scope. Aggregate-only analysts read goals and
write none.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import polars as pl

from analytics.core.access import Viewer, full_access, unit_in_scope
from analytics.core.db import Database
from analytics.core.periods import Period, parse_period
from analytics.core.registry import UnknownMetricError, find_metric, get_metric
from analytics.metrics import figure
from analytics.metrics.engine import computable
from analytics.sales import leads

LEVELS = ("strategy", "sales", "hr")
DIRECTIONS = ("up", "down")
STATUSES = ("green", "amber", "red", "none")
AMBER_BAND = 0.10          # within 10% of the target
ADDITIVE_UNITS = {"count", "currency"}   # units whose targets scale with the share of the period elapsed

TEXT = {
    "en": {
        "rule": ("Green: the actual meets the target in its direction. Amber: within 10% of the target, or the "
                 "period is partial and the actual is on track pro rata (counts and money: target × share of the "
                 "period's months elapsed; a cap on counts or money is judged only pro rata until its period ends). "
                 "Red: otherwise. Actuals are computed from the metric registry."),
        "status.green": "green", "status.amber": "amber", "status.red": "red", "status.none": "n/a",
        "why.met": "meets the target", "why.near": "within 10% of the target",
        "why.pro_rata": "on track pro rata ({expected} expected by now)", "why.off": "off target",
        "why.no_metric": "no metric bound", "why.no_target": "no target set",
        "why.not_computed": "metric not computed yet", "why.masked": "group too small to show",
        "why.out_of_scope": "outside your scope", "why.no_period": "no period set",
        "company": "Company",
    },
    "zh": {
        "rule": ("绿：实际值按指标方向达到目标。黄：与目标相差不超过10%，或期间尚未结束且按时间进度达标（人数、金额类："
                 "目标 × 已过月份占比；人数、金额类的上限目标在期间结束前只按时间进度判断）。"
                 "红：其他情况。实际值均由指标库计算得出。"),
        "status.green": "绿", "status.amber": "黄", "status.red": "红", "status.none": "无",
        "why.met": "已达目标", "why.near": "与目标相差不超过10%",
        "why.pro_rata": "按时间进度达标（当前应达 {expected}）", "why.off": "未达目标",
        "why.no_metric": "未绑定指标", "why.no_target": "未设目标值",
        "why.not_computed": "该指标尚未实现计算", "why.masked": "人数过少，不予显示",
        "why.out_of_scope": "不在您的查看范围内", "why.no_period": "未设期间",
        "company": "全公司",
    },
}


class GoalError(ValueError):
    """A goal that cannot be saved or deleted as given; the message names the field and what is expected."""


class GoalAccessError(GoalError):
    """A write the viewer may not make. ``reason``: 'read_only' (no write rights), 'company' (a company goal
    without the whole company in scope), 'out_of_scope' (``unit`` lies outside the viewer's scope) or 'parent'
    (the chosen parent goal belongs to ``unit``, another part of the company: neither the company, nor above
    the goal's own unit, nor in the viewer's scope)."""

    def __init__(self, reason: str, goal_id: str, unit: str | None = None) -> None:
        text = {"read_only": f"Goal {goal_id}: your role sees aggregates only; goals are read-only for you.",
                "company": f"Goal {goal_id} is a company goal; only a viewer of the whole company may change it.",
                "out_of_scope": f"Goal {goal_id} belongs to org unit {unit!r}, outside your scope.",
                "parent": f"Goal {goal_id}: its parent goal belongs to org unit {unit!r}, outside your scope and not "
                          "above this goal's unit."}[reason]
        super().__init__(text)
        self.reason, self.goal_id, self.unit = reason, goal_id, unit


@dataclass(frozen=True)
class Goal:
    goal_id: str
    level: str                       # 'strategy' | 'sales' | 'hr'
    title_en: str
    title_zh: str
    parent_id: str | None = None
    metric_id: str | None = None     # registry id; the actual is computed from it
    target: float | None = None
    direction: str | None = None     # 'up' | 'down'; default: the metric's direction
    period: str | None = None        # e.g. 'FY2025', '2025-Q3'
    org_unit_id: str | None = None   # None = the whole company
    owner: str | None = None
    action_en: str | None = None
    action_zh: str | None = None

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def action(self, lang: str) -> str | None:
        return self.action_zh if lang == "zh" else self.action_en


COLUMNS = [f.name for f in fields(Goal)]


def _text(key: str, lang: str, **values: object) -> str:
    text = TEXT["zh" if lang == "zh" else "en"][key]
    return text.format(**values) if values else text


def rule_text(lang: str = "en") -> str:
    return _text("rule", lang)


def status_label(status: str, lang: str = "en") -> str:
    return _text(f"status.{status}", lang)


# ── reading ──────────────────────────────────────────────────────────────
def load_goals(db: Database) -> list[Goal]:
    """Every goal, depth-first (parents before their children, siblings by id)."""
    rows = db.sql(f"select {', '.join(COLUMNS)} from goals order by goal_id").to_dicts()
    goals = [Goal(**r) for r in rows]
    by_parent: dict[str | None, list[Goal]] = {}
    ids = {g.goal_id for g in goals}
    for g in goals:  # a goal whose parent is missing is shown as a root rather than lost
        by_parent.setdefault(g.parent_id if g.parent_id in ids else None, []).append(g)
    out: list[Goal] = []

    def walk(parent: str | None) -> None:
        for g in by_parent.get(parent, []):
            if g not in out:
                out.append(g)
                walk(g.goal_id)

    walk(None)
    return out + [g for g in goals if g not in out]  # cycles (refused on save) still listed


def _depths(goals: list[Goal]) -> dict[str, int]:
    parent = {g.goal_id: g.parent_id for g in goals}
    out = {}
    for g in goals:
        depth, cur, seen = 0, g.parent_id, set()
        while cur in parent and cur not in seen:
            seen.add(cur)
            depth, cur = depth + 1, parent[cur]
        out[g.goal_id] = depth
    return out


def _org_tree(db: Database) -> dict[str, str | None]:
    rows = db.sql("select org_unit_id, parent_id from org_units")
    return dict(zip(rows["org_unit_id"].to_list(), rows["parent_id"].to_list(), strict=True))


def _in_scope(viewer: Viewer, org_unit_id: str | None, tree: dict[str, str | None]) -> bool:
    """True when the viewer may see the goal's org unit (the whole company only with full scope)."""
    return unit_in_scope(viewer, org_unit_id, tree)


def evaluate(actual: float | None, target: float, direction: str, unit: str, elapsed: float,
             partial: bool) -> tuple[str, str, float | None]:
    """(status, reason key, pro-rata target) for one actual — the rule in the module doc."""
    if actual is None:
        return "none", "why.masked", None
    up = direction != "down"
    if partial and not up and unit in ADDITIVE_UNITS:  # a cap on a sum cannot be met before the period ends
        expected = target * elapsed
        on_track = actual <= expected * (1 + AMBER_BAND)
        return ("amber", "why.pro_rata", expected) if on_track else ("red", "why.off", None)
    meets = actual >= target if up else actual <= target
    if meets:
        return "green", "why.met", None
    near = actual >= target * (1 - AMBER_BAND) if up else actual <= target * (1 + AMBER_BAND)
    if near:
        return "amber", "why.near", None
    if partial and unit in ADDITIVE_UNITS:
        expected = target * elapsed
        if (actual >= expected) if up else (actual <= expected):
            return "amber", "why.pro_rata", expected
    return "red", "why.off", None


def progress(db: Database, viewer: Viewer, as_of: dt.date, lang: str = "en", within: Period | None = None,
             fy_start: int = 1) -> pl.DataFrame:
    """Every goal with its computed actual and status, depth-first.

    ``within`` (a review's period) evaluates goals as they stood at that period's end (to date): a quarterly
    review of 2025-Q3 shows FY2025 goals on Jan–Sep. Goals whose own period starts after that are skipped.
    """
    from analytics.core.i18n import fmt_number

    goals = load_goals(db)
    depth = _depths(goals)
    tree = _org_tree(db)
    names = db.sql(f"select org_unit_id, {'name_zh' if lang == 'zh' else 'name_en'} as name from org_units")
    unit_names = dict(zip(names["org_unit_id"].to_list(), names["name"].to_list(), strict=True))
    day = min(as_of, within.end) if within else as_of
    rows = []
    for g in goals:
        row = {"goal_id": g.goal_id, "parent_id": g.parent_id, "level": g.level, "depth": depth[g.goal_id],
               "title": g.title(lang), "metric_id": g.metric_id, "metric": None, "unit": None,
               "direction": g.direction, "period": g.period, "org_unit_id": g.org_unit_id,
               "org": unit_names.get(g.org_unit_id, g.org_unit_id) if g.org_unit_id else _text("company", lang),
               "owner": g.owner, "action": g.action(lang), "target": g.target, "actual": None, "expected": None,
               "elapsed": None, "partial": False, "status": "none", "reason": "", "joint_owners": None}
        metric = find_metric(g.metric_id) if g.metric_id else None
        if metric:
            row.update(metric=metric.name(lang), unit=metric.unit, joint_owners=leads.owners_text(lang)
                       if set(metric.owners) == set(leads.OWNERS) else None,
                       direction=g.direction or (metric.direction if metric.direction in DIRECTIONS else "up"))
        period = None
        if g.period:
            try:
                period = parse_period(g.period, fy_start)
            except ValueError:
                period = None
        if period is not None and period.start > day:
            continue  # not begun at the review's date
        reason = ("why.no_metric" if not g.metric_id else "why.no_target" if g.target is None
                  else "why.no_period" if period is None else "why.not_computed" if metric is None
                  or g.metric_id not in computable() else "why.out_of_scope"
                  if not _in_scope(viewer, g.org_unit_id, tree) else None)
        if reason is None:
            to_date = period.to_date(day)
            scoped = viewer.narrowed(g.org_unit_id, tree) if g.org_unit_id else viewer
            # the goal's period cut at the review's day, computed from the data as of today: the same figure the
            # pages and the review's other items show for that stretch (one path, metrics.figure)
            value = figure.headline(db, scoped, g.metric_id, period, as_of, fy_start, compare=False,
                                    until=day).value
            elapsed = to_date.n_months / period.n_months
            partial = period.is_partial(day)
            status, reason, expected = evaluate(value, float(g.target), row["direction"], metric.unit, elapsed,
                                                partial)
            row.update(actual=value, expected=expected, elapsed=elapsed, partial=partial, status=status)
            if expected is not None:
                row["reason"] = _text(reason, lang, expected=fmt_number(expected, metric.unit, lang))
                rows.append(row)
                continue
        row["reason"] = _text(reason, lang)
        rows.append(row)
    schema = {"goal_id": pl.Utf8, "parent_id": pl.Utf8, "level": pl.Utf8, "depth": pl.Int64, "title": pl.Utf8,
              "metric_id": pl.Utf8, "metric": pl.Utf8, "unit": pl.Utf8, "direction": pl.Utf8, "period": pl.Utf8,
              "org_unit_id": pl.Utf8, "org": pl.Utf8, "owner": pl.Utf8, "action": pl.Utf8, "target": pl.Float64,
              "actual": pl.Float64, "expected": pl.Float64, "elapsed": pl.Float64, "partial": pl.Boolean,
              "status": pl.Utf8, "reason": pl.Utf8, "joint_owners": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row")


# ── editing ──────────────────────────────────────────────────────────────
COMPANY_UNITS = (None, "company")  # a goal of the whole company


def may_write_goals(viewer: Viewer) -> bool:
    """Whether the viewer may write any goal at all (person-level rights or the admin role)."""
    return (viewer.person_level or viewer.is_admin) and not viewer.sees_nothing


def check_write(db: Database, viewer: Viewer, goal_id: str, org_unit_id: str | None,
                tree: dict[str, str | None] | None = None) -> None:
    """Raise :class:`GoalAccessError` unless ``viewer`` may write a goal of ``org_unit_id`` (module doc)."""
    if not may_write_goals(viewer):
        raise GoalAccessError("read_only", goal_id)
    if org_unit_id in COMPANY_UNITS:
        if viewer.org_units is not None:
            raise GoalAccessError("company", goal_id)
        return
    if not _in_scope(viewer, org_unit_id, tree if tree is not None else _org_tree(db)):
        raise GoalAccessError("out_of_scope", goal_id, org_unit_id)


def writable_units(db: Database, viewer: Viewer) -> list[str | None]:
    """The org units the viewer may give a goal, for a picker: None (the company) first when allowed."""
    if not may_write_goals(viewer):
        return []
    tree = _org_tree(db)
    units = sorted(u for u in tree if u != "company" and _in_scope(viewer, u, tree))
    return [None, *units] if viewer.org_units is None else units


def _ancestors_of(unit: str | None, tree: dict[str, str | None]) -> set[str]:
    """The unit and every unit above it."""
    out, cur = set(), unit
    while cur is not None and cur not in out:
        out.add(cur)
        cur = tree.get(cur)
    return out


def _as_viewer(actor: Viewer | str) -> Viewer:
    """A viewer as given; a bare name is the operator (command line, importer), who holds the database file."""
    return actor if isinstance(actor, Viewer) else full_access(actor)


def _clean(value: object) -> object:
    return value.strip() or None if isinstance(value, str) else value


def validate_goal(db: Database, goal: Goal | Mapping[str, object], fy_start: int = 1) -> Goal:
    """The goal checked and normalised; :class:`GoalError` names the first field that is wrong."""
    raw = asdict(goal) if isinstance(goal, Goal) else dict(goal)
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise GoalError(f"Unknown goal field(s) {', '.join(unknown)}; a goal has {', '.join(COLUMNS)}.")
    data = {c: _clean(raw.get(c)) for c in COLUMNS}
    gid = data["goal_id"]
    if not gid:
        raise GoalError("A goal needs a goal_id (e.g. G1.2.3).")
    if data["level"] not in LEVELS:
        raise GoalError(f"Goal {gid}: level {data['level']!r} is not one of {', '.join(LEVELS)}.")
    if not data["title_en"] or not data["title_zh"]:
        raise GoalError(f"Goal {gid}: give the title in both English (title_en) and Chinese (title_zh).")
    metric = None
    if data["metric_id"]:
        try:
            metric = get_metric(str(data["metric_id"]))
        except UnknownMetricError as exc:
            raise GoalError(f"Goal {gid}: {exc}") from None
        if metric.id not in computable():
            raise GoalError(f"Goal {gid}: metric '{metric.id}' is in the registry but Tandem does not compute it "
                            f"yet, so the goal would have no actual; bind one of: {', '.join(computable())}.")
        if data["target"] is None:
            raise GoalError(f"Goal {gid}: a goal bound to a metric needs a numeric target.")
        if not data["period"]:
            raise GoalError(f"Goal {gid}: a goal bound to a metric needs a period, e.g. FY2025 or 2025-Q3.")
    if data["target"] is not None:
        try:
            data["target"] = float(data["target"])
        except (TypeError, ValueError):
            raise GoalError(f"Goal {gid}: target {data['target']!r} is not a number.") from None
        if data["target"] != data["target"]:
            raise GoalError(f"Goal {gid}: target is not a number.")
    if data["period"]:
        try:
            parse_period(str(data["period"]), fy_start)
        except ValueError as exc:
            raise GoalError(f"Goal {gid}: {exc}") from None
    if data["direction"] is None and metric is not None:
        if metric.direction not in DIRECTIONS:
            raise GoalError(f"Goal {gid}: metric '{metric.id}' has no natural direction; set direction up or down.")
        data["direction"] = metric.direction
    if data["direction"] is not None and data["direction"] not in DIRECTIONS:
        raise GoalError(f"Goal {gid}: direction {data['direction']!r} must be 'up' or 'down'.")
    if data["org_unit_id"] and not db.scalar("select count(*) from org_units where org_unit_id = $u",
                                             u=data["org_unit_id"]):
        raise GoalError(f"Goal {gid}: org unit {data['org_unit_id']!r} does not exist.")
    parent = data["parent_id"]
    if parent is not None:
        goals = {g.goal_id: g for g in load_goals(db)}
        if parent not in goals:
            raise GoalError(f"Goal {gid}: parent goal {parent!r} does not exist; save the parent first.")
        cur, seen = parent, set()
        while cur is not None and cur not in seen:
            if cur == gid:
                raise GoalError(f"Goal {gid}: parent {parent!r} lies under this goal; a goal cannot be its own "
                                "ancestor.")
            seen.add(cur)
            cur = goals[cur].parent_id if cur in goals else None
        if LEVELS.index(goals[parent].level) > LEVELS.index(data["level"]):
            raise GoalError(f"Goal {gid}: a {data['level']} goal cannot sit under a {goals[parent].level} goal "
                            "(strategy → sales → hr).")
    return Goal(**data)


def upsert_goal(db: Database, goal: Goal | Mapping[str, object], actor: Viewer | str, fy_start: int = 1) -> Goal:
    """Insert or replace one goal after validation, in one transaction with an audit entry. ``actor`` is the
    viewer writing (a bare name: the operator); the goal as stored and as saved must both be theirs to write."""
    viewer = _as_viewer(actor)
    if not may_write_goals(viewer):
        raise GoalAccessError("read_only", str((goal.goal_id if isinstance(goal, Goal) else goal.get("goal_id"))
                                               or ""))
    clean = validate_goal(db, goal, fy_start)
    values = asdict(clean)
    tree = _org_tree(db)
    check_write(db, viewer, clean.goal_id, clean.org_unit_id, tree)
    actor = viewer.user
    with db.transaction() as cur:
        stored = cur.execute("select org_unit_id from goals where goal_id = $g", {"g": clean.goal_id}).fetchall()
        existed = bool(stored)
        if existed:  # another unit's goal is not taken over by saving one of the same id
            check_write(db, viewer, clean.goal_id, stored[0][0], tree)
        if clean.parent_id is not None:  # nothing hung under another part of the company's goals
            parent_unit = cur.execute("select org_unit_id from goals where goal_id = $g",
                                      {"g": clean.parent_id}).fetchall()[0][0]
            above = parent_unit in COMPANY_UNITS or parent_unit in _ancestors_of(clean.org_unit_id, tree)
            if not above and not _in_scope(viewer, parent_unit, tree):
                raise GoalAccessError("parent", clean.goal_id, parent_unit)
        cur.execute("delete from goals where goal_id = $g", {"g": clean.goal_id})
        cur.execute(f"insert into goals ({', '.join(COLUMNS)}) values ({', '.join('$' + c for c in COLUMNS)})",
                    values)
        db.audit(cur, actor, "goal_update" if existed else "goal_create", target=clean.goal_id, n_rows=1,
                 detail={"metric_id": clean.metric_id, "period": clean.period, "org_unit_id": clean.org_unit_id})
    return clean


def delete_goal(db: Database, goal_id: str, actor: Viewer | str) -> None:
    """Delete a goal that has no sub-goals (delete or move those first), with an audit entry; only a goal the
    viewer may write (``actor``: the viewer; a bare name: the operator)."""
    viewer = _as_viewer(actor)
    if not may_write_goals(viewer):
        raise GoalAccessError("read_only", goal_id)
    tree = _org_tree(db)
    actor = viewer.user
    with db.transaction() as cur:
        stored = cur.execute("select org_unit_id from goals where goal_id = $g", {"g": goal_id}).fetchall()
        if not stored:
            raise GoalError(f"There is no goal {goal_id!r}.")
        check_write(db, viewer, goal_id, stored[0][0], tree)
        children = [r[0] for r in cur.execute("select goal_id from goals where parent_id = $g order by goal_id",
                                              {"g": goal_id}).fetchall()]
        if children:
            raise GoalError(f"Goal {goal_id} has sub-goals ({', '.join(children)}); delete or move them first.")
        cur.execute("delete from goals where goal_id = $g", {"g": goal_id})
        db.audit(cur, actor, "goal_delete", target=goal_id, n_rows=1)
