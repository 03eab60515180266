"""What the joint reviews show: the monthly coordination meeting (月度协调会) and the quarterly strategy
meeting (季度战略会), as an ordered list of items — each a title, one computed takeaway sentence, the
metric definitions (for slide notes), a chart from ``analytics/charts/figures.py``, a table and the key numbers.

Everything is computed for one viewer: scope filtering happens in the data layer, people are named only
to viewers with person-level rights, and aggregate viewers get counts. ``reviews.save_review`` freezes a
Review; ``packs.pack_bytes`` renders one to PPTX, PDF or HTML.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

import plotly.graph_objects as go
import polars as pl

from analytics.charts import figures as charts
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import fmt_date, fmt_month, fmt_number, t
from analytics.core.periods import Period, add_months, month_end
from analytics.core.registry import get_metric
from analytics.metrics.engine import as_of_date, compute, trend
from analytics.reviews.overview import comparable_periods
from analytics.sales import quota_report

KINDS = ("monthly", "quarterly")
GRAIN = {"monthly": "month", "quarterly": "quarter"}
# Rules behind the "decisions to take" (quarterly) — thresholds, documented in docs/reviews.md.
ATTRITION_MULTIPLE = 1.5     # a region's annualised attrition ≥ 1.5 × the scope's → retention plan
ATTAINMENT_FLOOR = 0.85      # a region under 85% attainment → recovery plan
PROBATION_SHARE = 0.40       # ≥ 40% of exits in probation → onboarding and mentoring
LIST_ROWS = 15               # people listed per alert (person-level viewers)

TEXT = {
    "en": {
        "title.monthly": "Monthly coordination meeting {label}",
        "title.quarterly": "Quarterly strategy meeting {label}",
        "scope.all": "Whole company", "scope.aggregate": "aggregates only",
        "up": "up {d} on {prev}", "down": "down {d} on {prev}", "flat": "unchanged on {prev}",
        "nocomp": "no comparison with {prev}",
        "sales.title": "Sales against target",
        "sales.take": ("Attainment {att} in {label}, {change}; bookings {bookings} against a quota of {quota}; "
                       "{coll} of the period's bookings collected."),
        "rec.title": "Recruiting progress",
        "rec.take": ("{opened} requisitions opened and {filled} filled in {label}; {open} open at the period end, "
                     "{past} past their target date ({n_key} key positions)."),
        "rec.def": ("Requisitions opened / filled: opened_date / filled_date (offer accepted) in the period. Open: "
                    "opened by the period end (or the as-of date) and neither filled nor cancelled by then. Past "
                    "target date: open with a target date before that day."),
        "rec.opened": "Opened", "rec.filled": "Filled", "rec.open": "Open", "rec.past": "Past target date",
        "rec.key_past": "Key positions past target", "region": "Region",
        "train.title": "Training done",
        "train.take": "{done} course enrolments completed in {label} ({started} started); {top}mean score gain {gain}.",
        "train.top": "most completed: {course} ({n}); ", "train.none": "No course enrolment was completed in {label}.",
        "train.def": ("Completed: enrolments whose completed_date falls in the period, placed in the org unit the "
                      "person held that day. Score gain: post-test minus pre-test score (0–100), where both exist."),
        "train.course": "Course", "train.done": "Completed", "train.gain": "Mean score gain",
        "attr.title": "Attrition and probation exits",
        "attr.take": ("{exits} exits in {label}, {prob} of them in probation; trailing-12-month attrition {ttm}, "
                      "{change}."),
        "alerts.title": "Alerts",
        "alerts.take": ("{risk} people at high flight risk (probability ≥ {thr} within 6 months), {past} vacancies "
                        "past their target date, {coach} reps under target two quarters running."),
        "alerts.def": "High flight risk: at least twice the average probability of the people in scope.",
        "alerts.kind": "Alert", "alerts.count": "People or seats", "alerts.name": "Name", "alerts.detail": "Detail",
        "alerts.risk": "High flight risk", "alerts.vacancy": "Vacancy past target date",
        "alerts.coach": "Under target two quarters running",
        "actions.title": "Action items from the last meeting",
        "actions.take": ("{n} action items from the {prev} meeting: {open} open, {progress} in progress, {done} done, "
                         "{dropped} dropped; {overdue} overdue."),
        "actions.none": "No earlier {kind} meeting in this scope: no action items to follow up.",
        "actions.def": "Action items are stored with the meeting and carried into the next one until done or dropped.",
        "actions.text": "Action", "actions.owner": "Owner", "actions.due": "Due", "actions.status": "Status",
        "status.open": "open", "status.in_progress": "in progress", "status.done": "done", "status.dropped": "dropped",
        "att.title": "Attainment and its distribution",
        "att.take": "Attainment {att}, {change}; {at_quota} of reps at quota; {low} reps under 50%.",
        "att.band": "Attainment band", "att.reps": "Reps", "att.share": "Share of reps",
        "qattr.title": "Attrition and retention",
        "qattr.take": ("Annualised attrition {ann} in {label} ({prev_ann} in {prev}); trailing 12 months {ttm}; {prob} "
                       "of exits in probation."),
        "qattr.metric": "Metric", "qattr.value": "{label}", "qattr.previous": "{label}",
        "talent.title": "Talent review",
        "talent.take": ("{hipo} high-potential reps (at quota three quarters running, high potential); {coach} reps "
                        "under target two quarters running need coaching."),
        "talent.hipo": "High potential", "talent.coach": "Needs coaching", "talent.group": "List",
        "goals.title": "Goals progress",
        "goals.take": "Of {n} goals: {green} green, {amber} amber, {red} red, {none} without a computed actual.",
        "goals.goal": "Goal", "goals.owner": "Owner", "goals.metric": "Metric", "goals.actual": "Actual",
        "goals.target": "Target", "goals.status": "Status", "goals.reason": "Why",
        "goals.progress": "Progress to target (100% = met)",
        "regions.title": "Regional drill-down",
        "regions.take": ("Highest attainment {best} ({best_v}), lowest {worst} ({worst_v}); highest annualised "
                         "attrition {hot} ({hot_v})."),
        "regions.one": "{best}: attainment {best_v}, annualised attrition {hot_v}.",
        "regions.att": "Attainment", "regions.bookings": "Bookings", "regions.at_quota": "Reps at quota",
        "regions.attr": "Annualised attrition", "regions.exits": "Exits",
        "decisions.title": "Decisions to take",
        "decisions.take": "Decisions to take: {n}, flagged by the rules below.",
        "decisions.none": "No rule flags a decision.",
        "decisions.def": ("Rules: a region's annualised attrition ≥ {mult}× the scope's → retention plan; a region "
                          "under {floor} attainment → recovery plan; a red goal → corrective action or a reset target; "
                          "reps under target two quarters running → coaching plans; vacancies past target date → "
                          "recruiting support; ≥ {prob} of exits in probation → onboarding and mentoring."),
        "decisions.decision": "Decision",
        "dec.attrition": "{region} attrition {value} annualised ({scope} overall): decide on a retention plan.",
        "dec.attainment": "{region} attainment {value}: decide on a recovery plan (coaching, territory, pipeline).",
        "dec.goal": ("Goal “{goal}” is red ({actual} against {target}): decide on corrective action or reset the targ"
                     "et."),
        "dec.coach": "{n} reps under target two quarters running: agree their coaching plans.",
        "dec.vacancy": "{n} vacancies past their target date: decide on recruiting support.",
        "dec.probation": "{value} of exits happen in probation: decide on onboarding and mentoring for new hires.",
    },
    "zh": {
        "title.monthly": "月度协调会 {label}", "title.quarterly": "季度战略会 {label}",
        "scope.all": "全公司", "scope.aggregate": "仅汇总数据",
        "up": "较{prev}上升{d}", "down": "较{prev}下降{d}", "flat": "与{prev}持平",
        "nocomp": "无法与{prev}比较",
        "sales.title": "销售目标达成",
        "sales.take": "{label}指标达成率{att}，{change}；销售额{bookings}，指标{quota}；本期销售额已回款{coll}。",
        "rec.title": "招聘进展",
        "rec.take": ("{label}新开招聘需求{opened}个，到岗{filled}个；期末仍在招{open}个，其中{past}个已超过目标到岗日"
                     "期（关键岗位{n_key}个）。"),
        "rec.def": ("新开/到岗：开启日期/到岗日期（接受offer）在期内的招聘需求。"
                    "在招：期末（或统计日）前已开启、且当时尚未到岗或取消。超期：在招且目标到岗日期早于该日。"),
        "rec.opened": "新开", "rec.filled": "到岗", "rec.open": "在招", "rec.past": "超期未到岗",
        "rec.key_past": "超期关键岗位", "region": "区域",
        "train.title": "培训完成情况",
        "train.take": "{label}完成培训{done}人次（新报名{started}人次）；{top}平均成绩提升{gain}。",
        "train.top": "完成最多：{course}（{n}人次）；", "train.none": "{label}没有完成的培训。",
        "train.def": ("完成：完成日期在期内的报名记录，按当天所属组织单元归属。成绩提升：课后成绩减课前成绩（0–100）"
                      "，两者都有时计算。"),
        "train.course": "课程", "train.done": "完成人次", "train.gain": "平均成绩提升",
        "attr.title": "离职与试用期离职",
        "attr.take": "{label}离职{exits}人，其中试用期内{prob}人；滚动12个月离职率{ttm}，{change}。",
        "alerts.title": "预警",
        "alerts.take": ("高离职风险{risk}人（6个月内离职概率≥{thr}），超期未到岗岗位{past}个，连续两个季度未达标销售{"
                        "coach}人。"),
        "alerts.def": "高离职风险：离职概率不低于范围内人员平均概率的两倍。",
        "alerts.kind": "预警", "alerts.count": "人数/岗位数", "alerts.name": "姓名", "alerts.detail": "说明",
        "alerts.risk": "高离职风险", "alerts.vacancy": "超期未到岗岗位", "alerts.coach": "连续两个季度未达标",
        "actions.title": "上次会议的行动项",
        "actions.take": ("{prev}会议的行动项共{n}项：待办{open}项，进行中{progress}项，已完成{done}项，已取消{dropped"
                         "}项；逾期{overdue}项。"),
        "actions.none": "此范围内没有更早的{kind}会议，没有需要跟进的行动项。",
        "actions.def": "行动项随会议保存，未完成或未取消的行动项会带入下一次会议。",
        "actions.text": "行动项", "actions.owner": "负责人", "actions.due": "截止日期", "actions.status": "状态",
        "status.open": "待办", "status.in_progress": "进行中", "status.done": "已完成", "status.dropped": "已取消",
        "att.title": "指标达成与分布",
        "att.take": "指标达成率{att}，{change}；达标销售占比{at_quota}；{low}人达成率低于50%。",
        "att.band": "达成率区间", "att.reps": "人数", "att.share": "人数占比",
        "qattr.title": "离职与留任",
        "qattr.take": "{label}年化离职率{ann}（{prev}为{prev_ann}）；滚动12个月离职率{ttm}；试用期离职占比{prob}。",
        "qattr.metric": "指标", "qattr.value": "{label}", "qattr.previous": "{label}",
        "talent.title": "人才盘点",
        "talent.take": "高潜人才{hipo}人（连续三个季度达标且潜力高）；连续两个季度未达标、需要辅导的销售{coach}人。",
        "talent.hipo": "高潜人才", "talent.coach": "待辅导", "talent.group": "名单",
        "goals.title": "目标进展",
        "goals.take": "共{n}个目标：绿{green}个，黄{amber}个，红{red}个，{none}个暂无计算值。",
        "goals.goal": "目标", "goals.owner": "负责人", "goals.metric": "指标", "goals.actual": "实际",
        "goals.target": "目标值", "goals.status": "状态", "goals.reason": "说明",
        "goals.progress": "目标完成度（100% = 达标）",
        "regions.title": "区域下钻",
        "regions.take": ("达成率最高：{best}（{best_v}），最低：{worst}（{worst_v}）；年化离职率最高：{hot}（{hot_v}"
                         "）。"),
        "regions.att": "指标达成率", "regions.bookings": "销售额", "regions.at_quota": "达标人数占比",
        "regions.attr": "年化离职率", "regions.exits": "离职人数",
        "decisions.title": "待决策事项",
        "decisions.take": "按以下规则，共有{n}项待决策事项。", "decisions.none": "没有规则提示需要决策的事项。",
        "decisions.def": ("规则：区域年化离职率≥范围整体的{mult}倍 → 留任计划；区域达成率低于{floor} → 业绩改善计划；"
                          "红灯目标 → 纠偏措施或调整目标；连续两个季度未达标 → 辅导计划；超期未到岗 → 招聘支持；"
                          "试用期离职占比≥{prob} → 入职培养与导师制。"),
        "decisions.decision": "决策事项",
        "dec.attrition": "{region}年化离职率{value}（整体{scope}）：需决定留任计划。",
        "dec.attainment": "{region}指标达成率{value}：需决定业绩改善计划（辅导、区域划分、商机）。",
        "dec.goal": "目标“{goal}”为红灯（实际{actual}，目标{target}）：需决定纠偏措施或调整目标。",
        "dec.coach": "{n}名销售连续两个季度未达标：需确定辅导计划。",
        "dec.vacancy": "{n}个岗位超过目标到岗日期：需决定招聘支持。",
        "dec.probation": "试用期离职占全部离职的{value}：需决定新人入职培养与导师安排。",
    },
}


class ReviewError(ValueError):
    """A review that cannot be built or saved as asked; the message says what is expected."""


@dataclass
class Item:
    id: str
    title: str
    takeaway: str
    definition: str
    figure: go.Figure | None = None
    table: pl.DataFrame | None = None
    numbers: dict[str, object] = field(default_factory=dict)
    table_units: dict[str, str] = field(default_factory=dict)   # column → registry unit, for display


@dataclass
class Review:
    kind: str
    period: str
    as_of: dt.date
    scope: str                     # viewer.scope_key of the viewer it was built for
    lang: str
    title: str
    items: list[Item]
    scope_label: str = ""
    data_version: int | None = None
    review_id: int | None = None
    created_by: str | None = None
    created_at: dt.datetime | None = None

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise ReviewError(f"This review has no item {item_id!r}; it has {', '.join(i.id for i in self.items)}.")

    @property
    def numbers(self) -> dict[str, dict[str, object]]:
        return {it.id: it.numbers for it in self.items}


def tx(text_key: str, lang: str, **values: object) -> str:
    text = TEXT["zh" if lang == "zh" else "en"][text_key]
    return text.format(**values) if values else text


def _clean(value: object) -> object:
    """Numbers as plain floats, NaN and infinities as None (so a frozen review compares equal)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _definition(lang: str, *metric_ids: str, extra: str | None = None) -> str:
    lines = [f"{get_metric(m).name(lang)}: {get_metric(m).formula(lang)}" for m in metric_ids]
    return "\n".join([*lines, *([extra] if extra else [])])


def scope_label(db: Database, viewer: Viewer, lang: str) -> str:
    if viewer.org_units is None:
        text = tx("scope.all", lang)
    else:
        names = db.sql(f"select org_unit_id, {'name_zh' if lang == 'zh' else 'name_en'} as n from org_units")
        lookup = dict(zip(names["org_unit_id"].to_list(), names["n"].to_list(), strict=True))
        text = ("、" if lang == "zh" else ", ").join(lookup.get(u, u) for u in sorted(viewer.org_units)) or "—"
    return text if viewer.person_level else f"{text} ({tx('scope.aggregate', lang)})"


@dataclass
class _Ctx:
    db: Database
    viewer: Viewer
    period: Period
    as_of: dt.date
    lang: str
    fy_start: int
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def day(self) -> dt.date:
        """The point in time for lists and open seats: the period end, or the as-of date inside it."""
        return min(self.as_of, self.period.end)

    @cached_property
    def periods(self) -> tuple[Period, Period]:
        return comparable_periods(self.period, self.as_of, self.fy_start)

    def row(self, metric_id: str, period: Period) -> dict:
        return compute(self.db, self.viewer, metric_id, period, lang=self.lang, as_of=self.as_of).row(0, named=True)

    def num(self, value: object, unit: str) -> str:
        return fmt_number(value if isinstance(value, int | float) else None, unit, self.lang)

    def change(self, now: float | None, before: float | None, unit: str, label: str) -> str:
        if now is None or before is None:
            return tx("nocomp", self.lang, prev=label)
        delta = now - before
        if unit in {"ratio", "probability"}:
            text = f"{abs(delta) * 100:.1f}个百分点" if self.lang == "zh" else f"{abs(delta) * 100:.1f} pp"
            flat = abs(delta) < 0.0005
        else:
            text = f"{abs(delta) / abs(before) * 100:.1f}%" if before else self.num(abs(delta), unit)
            flat = abs(delta) < 1e-9
        return tx("flat" if flat else "up" if delta > 0 else "down", self.lang, d=text, prev=label)

    def label(self, period: Period) -> str:
        return t("period.partial", self.lang, label=period.label) if period.is_partial(self.as_of) else period.label

    @cached_property
    def requisitions(self) -> pl.DataFrame:
        return self.db.sql(_REQUISITIONS, **self.viewer.sql_params())

    @cached_property
    def coaching(self) -> pl.DataFrame:
        from analytics.sales.scorecard import coaching_list

        return coaching_list(self.db, self.viewer, self.day, fy_start=self.fy_start)


_ORG = ("org as (select org_unit_id, case level when 'team' then parent_id when 'region' then org_unit_id end "
        "as region_id from org_units)")
_REQUISITIONS = f"""
with {_ORG}
select r.requisition_id, r.org_unit_id, org.region_id, r.key_position, r.opened_date, r.target_date,
       r.filled_date, r.cancelled_date
from requisitions as r left join org using (org_unit_id)
where $all_units or list_contains($units, r.org_unit_id) or list_contains($units, org.region_id)
"""
_ENROLMENTS = """
with {org}
select e.employee_id, e.course_id, c.name_en, c.name_zh, e.{day} as day, e.pre_score, e.post_score
from enrollments as e
join courses as c using (course_id)
left join assignments as a
    on a.employee_id = e.employee_id and e.{day} between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org on org.org_unit_id = a.org_unit_id
where e.{day} between $start and $end {done}
    and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
"""


def _open_seats(reqs: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return reqs.filter((pl.col("opened_date") <= day)
                       & (pl.col("filled_date").is_null() | (pl.col("filled_date") > day))
                       & (pl.col("cancelled_date").is_null() | (pl.col("cancelled_date") > day)))


def _region_names(ctx: _Ctx) -> dict[str | None, str]:
    rows = ctx.db.sql(f"select org_unit_id, {'name_zh' if ctx.lang == 'zh' else 'name_en'} as n from org_units")
    out: dict[str | None, str] = dict(zip(rows["org_unit_id"].to_list(), rows["n"].to_list(), strict=True))
    out[None] = t("group.unplaced", ctx.lang)
    return out


# ── monthly items ────────────────────────────────────────────────────────
def _sales(ctx: _Ctx) -> Item:
    cur, prev = ctx.periods
    att, before = ctx.row("attainment", cur), ctx.row("attainment", prev)
    book, cash, at_q = ctx.row("bookings", cur), ctx.row("collection_rate", cur), ctx.row("reps_at_quota", cur)
    series = quota_report.monthly_attainment(ctx.db, ctx.viewer, cur.months[-1], ctx.as_of, 12)
    title = tx("sales.title", ctx.lang)
    numbers = {"attainment": att["value"], "attainment_previous": before["value"], "bookings": book["value"],
               "quota": att["denominator"], "collection_rate": cash["value"], "collected": cash["numerator"],
               "reps_at_quota": at_q["value"], "partial": bool(att["partial"])}
    take = tx("sales.take", ctx.lang, att=ctx.num(att["value"], "ratio"), label=ctx.label(ctx.period),
              change=ctx.change(att["value"], before["value"], "ratio", prev.label),
              bookings=ctx.num(book["value"], "currency"), quota=ctx.num(att["denominator"], "currency"),
              coll=ctx.num(cash["value"], "ratio"))
    fig = charts.attainment_trend(series, ctx.lang, title) if series.height else None
    return Item("sales", title, take, _definition(ctx.lang, "attainment", "bookings", "collection_rate"), fig,
                None, numbers)


def _recruiting(ctx: _Ctx) -> Item:
    reqs, day, p = ctx.requisitions, ctx.day, ctx.period
    opened = reqs.filter(pl.col("opened_date").is_between(p.start, day))
    filled = reqs.filter(pl.col("filled_date").is_between(p.start, day))
    open_now = _open_seats(reqs, day)
    past = open_now.filter(pl.col("target_date") < day)
    names = _region_names(ctx)
    per_region = (
        pl.concat([f.select("region_id", kind=pl.lit(k)) for k, f in
                   (("opened", opened), ("filled", filled), ("open", open_now), ("past", past))])
        .group_by("region_id", "kind").len().pivot("kind", index="region_id", values="len")
    )
    cols = ["opened", "filled", "open", "past"]
    per_region = per_region.with_columns([pl.lit(0, pl.UInt32).alias(c) for c in cols if c not in per_region.columns])
    table = per_region.select(
        pl.col("region_id").replace_strict(names, default=None, return_dtype=pl.Utf8).alias(tx("region", ctx.lang)),
        *[pl.col(c).fill_null(0).cast(pl.Int64).alias(tx(f"rec.{'past' if c == 'past' else c}", ctx.lang))
          for c in cols]).sort(tx("region", ctx.lang), nulls_last=True)
    months = [add_months(p.start, -i) for i in range(5, -1, -1)]
    hist = pl.DataFrame({
        "month": [fmt_month(m, ctx.lang) for m in months for _ in (0, 1)],
        "kind": [tx(k, ctx.lang) for _ in months for k in ("rec.opened", "rec.filled")],
        "n": [int(reqs.filter(pl.col(c).is_between(m, min(month_end(m), ctx.as_of))).height)
              for m in months for c in ("opened_date", "filled_date")],
    })
    title = tx("rec.title", ctx.lang)
    numbers = {"opened": opened.height, "filled": filled.height, "open": open_now.height, "past_target": past.height,
               "key_past_target": past.filter(pl.col("key_position")).height}
    take = tx("rec.take", ctx.lang, label=ctx.label(p), opened=opened.height, filled=filled.height,
              open=open_now.height, past=past.height, n_key=numbers["key_past_target"])
    fig = charts.grouped_bars(hist, "month", "n", "kind", ctx.lang, title)
    return Item("recruiting", title, take, _definition(ctx.lang, "time_to_fill", extra=tx("rec.def", ctx.lang)), fig,
                table if table.height else None, numbers)


def _training(ctx: _Ctx) -> Item:
    p, params = ctx.period, {"start": ctx.period.start, "end": ctx.day, **ctx.viewer.sql_params()}
    done = ctx.db.sql(_ENROLMENTS.format(org=_ORG, day="completed_date", done="and e.completed"), **params)
    started = ctx.db.sql(_ENROLMENTS.format(org=_ORG, day="enrolled_date", done=""), **params)
    name = "name_zh" if ctx.lang == "zh" else "name_en"
    course, n_col, gain = tx("train.course", ctx.lang), tx("train.done", ctx.lang), tx("train.gain", ctx.lang)
    per_course = done.group_by(name).agg(n=pl.len(), gain=(pl.col("post_score") - pl.col("pre_score")).mean())
    if not ctx.viewer.person_level:  # a score of a handful of people is theirs: mask small groups
        per_course = per_course.with_columns(gain=pl.when(pl.col("n") >= ctx.viewer.suppression_threshold)
                                             .then(pl.col("gain")))
    per_course = per_course.sort("n", name, descending=[True, False])
    table = per_course.select(pl.col(name).alias(course), pl.col("n").cast(pl.Int64).alias(n_col),
                              pl.col("gain").fill_nan(None).alias(gain))
    mean_gain = _clean((done["post_score"] - done["pre_score"]).mean()) if done.height else None
    if not ctx.viewer.person_level and done.height < ctx.viewer.suppression_threshold:
        mean_gain = None
    numbers = {"completed": done.height, "started": started.height, "courses": per_course.height,
               "mean_gain": mean_gain}
    title = tx("train.title", ctx.lang)
    if done.height:
        top = tx("train.top", ctx.lang, course=per_course[name][0], n=int(per_course["n"][0]))
        gain_text = "—" if mean_gain is None else f"{mean_gain:+.1f}"
        take = tx("train.take", ctx.lang, done=done.height, started=started.height, label=ctx.label(p), top=top,
                  gain=gain_text)
        fig = charts.labelled_bars(per_course[name].to_list(), [float(v) for v in per_course["n"].to_list()],
                                   ctx.lang, title, unit="count")
    else:
        take, fig = tx("train.none", ctx.lang, label=ctx.label(p)), None
    return Item("training", title, take, _definition(ctx.lang, "training_completion", extra=tx("train.def", ctx.lang)),
                fig, table if table.height else None, numbers, {gain: "score"})


def _attrition(ctx: _Ctx) -> Item:
    cur, prev = ctx.periods
    exits, ttm, ttm_prev = ctx.row("exits", cur), ctx.row("attrition_rate_ttm", cur), ctx.row("attrition_rate_ttm",
                                                                                              prev)
    prob, hires = ctx.row("probation_share_of_exits", cur), ctx.row("hires", cur)
    numbers = {"exits": exits["value"], "probation_exits": prob["numerator"], "attrition_ttm": ttm["value"],
               "attrition_ttm_previous": ttm_prev["value"], "hires": hires["value"]}
    title = tx("attr.title", ctx.lang)
    take = tx("attr.take", ctx.lang, exits=ctx.num(exits["value"], "count"), label=ctx.label(ctx.period),
              prob=ctx.num(prob["numerator"], "count"), ttm=ctx.num(ttm["value"], "ratio"),
              change=ctx.change(ttm["value"], ttm_prev["value"], "ratio", prev.label))
    series = trend(ctx.db, ctx.viewer, "attrition_rate_ttm", cur.months[-1], 12, as_of=ctx.as_of)
    metric = get_metric("attrition_rate_ttm")
    fig = charts.metric_trend(series, metric, ctx.lang, title=metric.name(ctx.lang))
    return Item("attrition", title, take, _definition(ctx.lang, "exits", "attrition_rate_ttm",
                                                      "probation_share_of_exits"), fig, None, numbers)


def _alerts(ctx: _Ctx) -> Item:
    from analytics.people import risk_report
    lang, viewer = ctx.lang, ctx.viewer
    ranked = risk_report.ranked(ctx.db, viewer, ctx.day)
    if ranked.is_empty():  # too little history to fit the model
        ranked = pl.DataFrame(schema={"probability": pl.Float64, "name": pl.Utf8})
    threshold = risk_report.high_risk_threshold(ranked["probability"]) if ranked.height else None
    high = ranked.filter(pl.col("probability") >= threshold) if ranked.height else ranked
    past = _open_seats(ctx.requisitions, ctx.day).filter(pl.col("target_date") < ctx.day)
    coach = ctx.coaching
    hidden = not viewer.person_level and ranked.height < viewer.suppression_threshold
    n_risk, n_coach = (None, None) if hidden else (high.height, coach.height)
    numbers = {"high_risk": n_risk, "high_risk_threshold": _clean(threshold), "vacancies_past_target": past.height,
               "coaching": n_coach}
    kind, name, detail = tx("alerts.kind", lang), tx("alerts.name", lang), tx("alerts.detail", lang)
    if viewer.person_level:
        risk_rows = high.sort("probability", descending=True).head(LIST_ROWS).select(
            pl.lit(tx("alerts.risk", lang)).alias(kind), pl.col("name").alias(name),
            pl.format("{}%", (pl.col("probability") * 100).round(0).cast(pl.Int64)).alias(detail))
        last_q = [c for c in coach.columns if c[:4].isdigit() and "-Q" in c]
        coach_rows = coach.head(LIST_ROWS).select(
            pl.lit(tx("alerts.coach", lang)).alias(kind), pl.col("name").alias(name),
            pl.concat_str([pl.format("{} {}%", pl.lit(q), (pl.col(q) * 100).round(0).cast(pl.Int64)) for q in last_q],
                          separator=", ").alias(detail))
        table = pl.concat([risk_rows, coach_rows])
    else:
        count = tx("alerts.count", lang)
        table = pl.DataFrame({kind: [tx("alerts.risk", lang), tx("alerts.vacancy", lang), tx("alerts.coach", lang)],
                              count: [n_risk, past.height, n_coach]}, schema={kind: pl.Utf8, count: pl.Int64})
    take = tx("alerts.take", lang, risk=ctx.num(n_risk, "count"), thr=ctx.num(threshold, "probability"),
              past=past.height, coach=ctx.num(n_coach, "count"))
    return Item("alerts", tx("alerts.title", lang), take,
                _definition(lang, "flight_risk", "coaching_list", extra=tx("alerts.def", lang)), None,
                table if table.height else None, numbers)


def _actions(ctx: _Ctx, kind: str) -> Item:
    from analytics.reviews import store as reviews
    lang = ctx.lang
    prev = reviews.previous_review(ctx.db, ctx.viewer, kind, before=ctx.period.label)
    title = tx("actions.title", lang)
    if prev is None:
        word = {"monthly": "月度", "quarterly": "季度"}[kind] if lang == "zh" else kind
        return Item("actions", title, tx("actions.none", lang, kind=word), tx("actions.def", lang),
                    numbers={"previous_review": None, "items": 0})
    items = reviews.action_items(ctx.db, prev["review_id"])
    counts = {s: items.filter(pl.col("status") == s).height for s in reviews.STATUSES}
    overdue = items.filter(pl.col("status").is_in(reviews.OPEN_STATUSES) & (pl.col("due_date") < ctx.day)).height
    numbers = {"previous_review": prev["review_id"], "items": items.height, **counts, "overdue": overdue}
    table = items.select(
        pl.col("text").alias(tx("actions.text", lang)), pl.col("owner").alias(tx("actions.owner", lang)),
        pl.col("due_date").alias(tx("actions.due", lang)),
        pl.col("status").replace_strict({s: tx(f"status.{s}", lang) for s in reviews.STATUSES}, default=None,
                                        return_dtype=pl.Utf8).alias(tx("actions.status", lang)))
    take = tx("actions.take", lang, n=items.height, prev=prev["period"], open=counts["open"],
              progress=counts["in_progress"], done=counts["done"], dropped=counts["dropped"], overdue=overdue)
    return Item("actions", title, take, tx("actions.def", lang), None, table if table.height else None, numbers)


# ── quarterly items ──────────────────────────────────────────────────────
def _attainment_q(ctx: _Ctx) -> Item:
    cur, prev = ctx.periods
    att, before, at_q = ctx.row("attainment", cur), ctx.row("attainment", prev), ctx.row("reps_at_quota", cur)
    dist = quota_report.distribution(ctx.db, ctx.viewer, ctx.period, ctx.as_of)
    total = float(dist["reps"].sum())
    band, reps, share = tx("att.band", ctx.lang), tx("att.reps", ctx.lang), tx("att.share", ctx.lang)
    table = dist.select(pl.col("band").alias(band), pl.col("reps").cast(pl.Int64).alias(reps),
                        (pl.col("reps") / total if total else pl.lit(None, pl.Float64)).alias(share))
    low = int(dist.filter(pl.col("band") == "<50%")["reps"].sum())
    numbers = {"attainment": att["value"], "attainment_previous": before["value"], "reps_at_quota": at_q["value"],
               "quota": att["denominator"], "bookings": att["numerator"], "reps_with_quota": total,
               **{f"band {b}": float(v) for b, v in dist.iter_rows()}}
    title = tx("att.title", ctx.lang)
    take = tx("att.take", ctx.lang, att=ctx.num(att["value"], "ratio"),
              change=ctx.change(att["value"], before["value"], "ratio", prev.label),
              at_quota=ctx.num(at_q["value"], "ratio"), low=low)
    fig = charts.labelled_bars(dist["band"].to_list(), dist["reps"].to_list(), ctx.lang,
                               f"{get_metric('attainment_band').name(ctx.lang)} · {ctx.label(ctx.period)}",
                               unit="count", sort=False)
    return Item("attainment", title, take, _definition(ctx.lang, "attainment", "reps_at_quota", "attainment_band"),
                fig, table, numbers, {share: "ratio"})


_ATTR_ROWS = ("attrition_rate_annualised", "attrition_rate_ttm", "attrition_voluntary", "attrition_regretted",
              "probation_share_of_exits", "probation_exit_rate")


def _attrition_q(ctx: _Ctx) -> Item:
    from analytics.people import attrition_report
    head = attrition_report.headline(ctx.db, ctx.viewer, ctx.period, ctx.as_of)
    prev_label = head["exits"]["previous_label"]
    ctx.memo["attrition_headline"] = head
    metric = tx("qattr.metric", ctx.lang)
    now_col, prev_col = ctx.label(ctx.period), prev_label
    table = pl.DataFrame({metric: [get_metric(m).name(ctx.lang) for m in _ATTR_ROWS],
                          now_col: [_clean(head[m]["value"]) for m in _ATTR_ROWS],
                          prev_col: [_clean(head[m]["previous"]) for m in _ATTR_ROWS]},
                         schema={metric: pl.Utf8, now_col: pl.Float64, prev_col: pl.Float64})
    numbers = {m: _clean(head[m]["value"]) for m in attrition_report.HEADLINE}
    numbers |= {f"{m}_previous": _clean(head[m]["previous"]) for m in attrition_report.HEADLINE}
    title = tx("qattr.title", ctx.lang)
    take = tx("qattr.take", ctx.lang, ann=ctx.num(head["attrition_rate_annualised"]["value"], "ratio"),
              label=ctx.label(ctx.period), prev=prev_label,
              prev_ann=ctx.num(head["attrition_rate_annualised"]["previous"], "ratio"),
              ttm=ctx.num(head["attrition_rate_ttm"]["value"], "ratio"),
              prob=ctx.num(head["probation_share_of_exits"]["value"], "ratio"))
    series = attrition_report.trend(ctx.db, ctx.viewer, ctx.period.to_date(ctx.as_of).months[-1], 24,
                                    as_of=ctx.as_of)
    m = get_metric("attrition_rate_ttm")
    fig = charts.metric_trend(series, m, ctx.lang, title=m.name(ctx.lang))
    return Item("attrition", title, take, _definition(ctx.lang, *_ATTR_ROWS[:3], "probation_share_of_exits"), fig,
                table, numbers, {now_col: "ratio", prev_col: "ratio"})


def _talent_q(ctx: _Ctx) -> Item | None:
    from analytics.sales.scorecard import high_potential

    try:
        hipo = high_potential(ctx.db, ctx.viewer, ctx.day, fy_start=ctx.fy_start)
        coach = ctx.coaching
    except (pl.exceptions.PolarsError, IndexError):  # no quarters or reviews to judge on: skip the item
        return None
    if hipo.is_empty() and coach.is_empty():
        return None
    lang, viewer = ctx.lang, ctx.viewer
    hidden = not viewer.person_level and hipo.height + coach.height < viewer.suppression_threshold
    n_hipo, n_coach = (None, None) if hidden else (hipo.height, coach.height)
    title = tx("talent.title", lang)
    labels = [tx("talent.hipo", lang), tx("talent.coach", lang)]
    numbers = {"high_potential": n_hipo, "coaching": n_coach}
    table = None
    if viewer.person_level:
        group, name = tx("talent.group", lang), tx("alerts.name", lang)
        table = pl.concat([f.head(LIST_ROWS).select(pl.lit(lbl).alias(group), pl.col("name").alias(name))
                           for lbl, f in zip(labels, (hipo, coach), strict=True)])
    take = tx("talent.take", lang, hipo=ctx.num(n_hipo, "count"), coach=ctx.num(n_coach, "count"))
    fig = None if hidden else charts.labelled_bars(labels, [float(n_hipo), float(n_coach)], lang, title, unit="count",
                                                   sort=False)
    return Item("talent", title, take, _definition(lang, "high_potential", "coaching_list", "nine_box"), fig,
                table if table is not None and table.height else None, numbers)


def _goals_q(ctx: _Ctx) -> Item | None:
    from analytics.reviews import goals
    lang = ctx.lang
    frame = goals.progress(ctx.db, ctx.viewer, ctx.as_of, lang, within=ctx.period, fy_start=ctx.fy_start)
    if frame.is_empty():
        return None
    ctx.memo["goals"] = frame
    counts = {s: frame.filter(pl.col("status") == s).height for s in goals.STATUSES}
    fmt = [(ctx.num(r["actual"], r["unit"] or "count"), ctx.num(r["target"], r["unit"] or "count"))
           for r in frame.iter_rows(named=True)]
    table = frame.select(
        (pl.lit("  ").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias(tx("goals.goal", lang)),
        pl.col("owner").alias(tx("goals.owner", lang)), pl.col("metric").alias(tx("goals.metric", lang)),
        pl.Series(tx("goals.actual", lang), [a for a, _ in fmt], dtype=pl.Utf8),
        pl.Series(tx("goals.target", lang), [b for _, b in fmt], dtype=pl.Utf8),
        pl.col("status").replace_strict({s: goals.status_label(s, lang) for s in goals.STATUSES}, default=None,
                                        return_dtype=pl.Utf8).alias(tx("goals.status", lang)),
        pl.col("reason").alias(tx("goals.reason", lang)))
    shown = frame.filter(pl.col("actual").is_not_null() & (pl.col("actual") != 0) & (pl.col("target") != 0))
    ratio = [(a / tg) if d != "down" else (tg / a) for a, tg, d in
             zip(shown["actual"].to_list(), shown["target"].to_list(), shown["direction"].to_list(), strict=True)]
    fig = None
    if ratio:
        fig = charts.labelled_bars(shown["title"].to_list(), ratio, lang, tx("goals.progress", lang), unit="ratio",
                                   sort=False)
        colour = {"green": charts.PALETTE[2], "amber": "#e0a31f", "red": charts.PALETTE[3]}
        fig.update_traces(marker_color=[colour.get(s, charts.PARTIAL_COLOUR) for s in shown["status"].to_list()[::-1]])
        fig.add_vline(x=1.0, line_dash="dash", line_color=charts.PARTIAL_COLOUR)
    numbers = {"goals": frame.height, **counts}
    take = tx("goals.take", lang, n=frame.height, **counts)
    return Item("goals", tx("goals.title", lang), take, goals.rule_text(lang), fig, table, numbers)


def _regions_q(ctx: _Ctx) -> Item | None:
    from analytics.people import attrition_report
    lang = ctx.lang
    sales = quota_report.breakdown(ctx.db, ctx.viewer, ctx.period, ctx.as_of, "region", lang)
    attr = attrition_report.breakdown(ctx.db, ctx.viewer, ctx.period, ctx.as_of, "region", lang)
    frame = sales.join(attr.select("region", attrition="value", exits="exits"), on="region", how="full",
                       coalesce=True).filter(pl.col("region").is_not_null())
    if frame.is_empty():
        return None
    frame = frame.with_columns(pl.col("label").fill_null(pl.col("region")))
    ctx.memo["regions"] = frame
    cols = {"label": tx("region", lang), "attainment": tx("regions.att", lang),
            "bookings": tx("regions.bookings", lang),
            "reps_at_quota": tx("regions.at_quota", lang), "attrition": tx("regions.attr", lang),
            "exits": tx("regions.exits", lang)}
    table = frame.sort("attainment", descending=True, nulls_last=True).select(
        [pl.col(c).alias(n) for c, n in cols.items()])
    units = {cols["attainment"]: "ratio", cols["bookings"]: "currency", cols["reps_at_quota"]: "ratio",
             cols["attrition"]: "ratio", cols["exits"]: "count"}
    att = frame.filter(pl.col("attainment").is_not_null()).sort("attainment", descending=True)
    hot = frame.filter(pl.col("attrition").is_not_null()).sort("attrition", descending=True)
    numbers = {f"attainment {r['region']}": _clean(r["attainment"]) for r in frame.iter_rows(named=True)}
    numbers |= {f"attrition {r['region']}": _clean(r["attrition"]) for r in frame.iter_rows(named=True)}
    take = "—"
    if frame.height == 1:
        take = tx("regions.one", lang, best=frame["label"][0], best_v=ctx.num(frame["attainment"][0], "ratio"),
                  hot_v=ctx.num(frame["attrition"][0], "ratio"))
    elif att.height and hot.height:
        take = tx("regions.take", lang, best=att["label"][0], best_v=ctx.num(att["attainment"][0], "ratio"),
                  worst=att["label"][-1], worst_v=ctx.num(att["attainment"][-1], "ratio"), hot=hot["label"][0],
                  hot_v=ctx.num(hot["attrition"][0], "ratio"))
    bars = frame.select("label", value=pl.col("attainment"), masked=pl.col("masked").fill_null(False))
    fig = charts.group_bars(bars, get_metric("attainment"), lang,
                            f"{get_metric('attainment').name(lang)} · {ctx.label(ctx.period)}")
    return Item("regions", tx("regions.title", lang), take,
                _definition(lang, "attainment", "attrition_rate_annualised"), fig, table, numbers, units)


def _decisions_q(ctx: _Ctx) -> Item:
    lang, out = ctx.lang, []
    head = ctx.memo.get("attrition_headline") or {}
    scope_rate = (head.get("attrition_rate_annualised") or {}).get("value")
    regions = ctx.memo.get("regions")
    if isinstance(regions, pl.DataFrame):
        for r in regions.sort("attrition", descending=True, nulls_last=True).iter_rows(named=True):
            if r["attrition"] is not None and scope_rate and r["attrition"] >= ATTRITION_MULTIPLE * scope_rate:
                out.append(tx("dec.attrition", lang, region=r["label"], value=ctx.num(r["attrition"], "ratio"),
                              scope=ctx.num(scope_rate, "ratio")))
        for r in regions.sort("attainment", nulls_last=True).iter_rows(named=True):
            if r["attainment"] is not None and r["attainment"] < ATTAINMENT_FLOOR:
                out.append(tx("dec.attainment", lang, region=r["label"], value=ctx.num(r["attainment"], "ratio")))
    goals = ctx.memo.get("goals")
    if isinstance(goals, pl.DataFrame):
        for r in goals.filter(pl.col("status") == "red").iter_rows(named=True):
            out.append(tx("dec.goal", lang, goal=r["title"], actual=ctx.num(r["actual"], r["unit"] or "count"),
                          target=ctx.num(r["target"], r["unit"] or "count")))
    n_coach = ctx.coaching.height
    if n_coach and (ctx.viewer.person_level or n_coach >= ctx.viewer.suppression_threshold):
        out.append(tx("dec.coach", lang, n=ctx.coaching.height))
    past = _open_seats(ctx.requisitions, ctx.day).filter(pl.col("target_date") < ctx.day).height
    if past:
        out.append(tx("dec.vacancy", lang, n=past))
    prob = (head.get("probation_share_of_exits") or {}).get("value")
    if prob is not None and prob >= PROBATION_SHARE:
        out.append(tx("dec.probation", lang, value=ctx.num(prob, "ratio")))
    table = pl.DataFrame({tx("decisions.decision", lang): out}, schema={tx("decisions.decision", lang): pl.Utf8})
    take = tx("decisions.take", lang, n=len(out)) if out else tx("decisions.none", lang)
    definition = tx("decisions.def", lang, mult=ATTRITION_MULTIPLE, floor=f"{ATTAINMENT_FLOOR:.0%}",
                    prob=f"{PROBATION_SHARE:.0%}")
    return Item("decisions", tx("decisions.title", lang), take, definition, None, table if out else None,
                {"decisions": len(out)})


MONTHLY = (_sales, _recruiting, _training, _attrition, _alerts)
QUARTERLY = (_attainment_q, _attrition_q, _talent_q, _goals_q, _regions_q, _decisions_q)


def build_review(db: Database, viewer: Viewer, kind: str, period: Period, as_of: dt.date | None = None,
                 lang: str = "en", fy_start: int = 1) -> Review:
    """The review of ``kind`` for ``period`` (a month for monthly, a fiscal quarter for quarterly) as the
    viewer sees it, with data as of ``as_of`` (default: the database's as-of date)."""
    if kind not in KINDS:
        raise ReviewError(f"Unknown review kind {kind!r}; choose monthly or quarterly.")
    if lang not in ("en", "zh"):
        raise ReviewError(f"Unknown language {lang!r}; choose en or zh.")
    if period.grain != GRAIN[kind]:
        example = "2025-11" if kind == "monthly" else "2025-Q3"
        raise ReviewError(f"A {kind} review covers one {GRAIN[kind]}, not {period.label}; give e.g. {example}.")
    as_of = as_of or as_of_date(db)
    if period.start > as_of:
        raise ReviewError(f"{period.label} has not begun at the data's as-of date ({as_of}); choose an earlier period.")
    ctx = _Ctx(db, viewer, period, as_of, lang, fy_start)
    items = [it for build in (MONTHLY if kind == "monthly" else QUARTERLY) if (it := build(ctx)) is not None]
    items.append(_actions(ctx, kind))
    for it in items:
        it.numbers = {k: _clean(v) for k, v in it.numbers.items()}
    label = ctx.label(period)
    title = tx(f"title.{kind}", lang, label=label)
    return Review(kind, period.label, as_of, viewer.scope_key, lang, title, items, scope_label(db, viewer, lang),
                  db.data_version)


def subtitle(review: Review) -> str:
    """"Period · data as of · scope", in the review's language."""
    if review.lang == "zh":
        return f"期间 {review.period} · 数据截至 {fmt_date(review.as_of, 'zh')} · 范围 {review.scope_label}"
    return f"Period {review.period} · data as of {fmt_date(review.as_of, 'en')} · scope {review.scope_label}"


