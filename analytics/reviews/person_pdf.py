"""A person's growth archive (成长档案) as a one-page A4 PDF, in English or Chinese: what the person page shows,
drawn as tables and bars (no browser needed), for the development talk or the personnel file."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_date, fmt_number, t
from analytics.people.archive_report import PersonArchive
from analytics.reviews.pdf_setup import a4_portrait

W, H, M = 210.0, 297.0, 12.0  # A4 portrait, mm
GAP = 6.0
COL = (W - 2 * M - GAP) / 2
INK, MUTED, ACCENT, WARM = (29, 39, 51), (110, 118, 128), (31, 95, 139), (224, 122, 31)
ROWS = 8  # rows at most per table: the page never flows over


def _names(db: Database, lang: str) -> dict[str, dict[str, str]]:
    col = "name_zh" if lang == "zh" else "name_en"

    def pairs(sql: str) -> dict[str, str]:
        rows = db.sql(sql)
        return dict(zip(rows["k"].to_list(), rows["v"].to_list(), strict=True))

    return {"unit": pairs(f"select org_unit_id as k, {col} as v from org_units"),
            "role": pairs(f"select role_id as k, {col} as v from roles"),
            "skill": pairs(f"select skill_id as k, {col} as v from skills"),
            "course": pairs(f"select course_id as k, {col} as v from courses")}


class _Page:
    def __init__(self, title: str, lang: str) -> None:
        self.lang = lang
        self.pdf = a4_portrait(title, lang, M)
        self.pdf.add_page()

    def text(self, x: float, y: float, text: str, size: float = 8.5, colour: tuple[int, int, int] = INK,
             width: float = COL, bold: bool = False) -> float:
        """One line at (x, y), cut to ``width``; returns the next line's y."""
        from fpdf.enums import TextMode

        self.pdf.set_font("cjk", "", size)
        self.pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        self.pdf.set_text_color(*colour)
        self.pdf.set_draw_color(*colour)
        while text and self.pdf.get_string_width(text) > width:
            text = text[:-2] + "…"
        self.pdf.set_xy(x, y)
        self.pdf.cell(width, size * 0.42, text)
        return y + size * 0.48

    def heading(self, x: float, y: float, text: str) -> float:
        y = self.text(x, y, text, 10, ACCENT, bold=True)
        self.pdf.set_draw_color(*ACCENT)
        self.pdf.set_line_width(0.3)
        self.pdf.line(x, y, x + COL, y)
        return y + 1.5

    def table(self, x: float, y: float, header: list[str], rows: list[list[str]], widths: list[float]) -> float:
        """A small table; ``widths`` are shares of the column's width. At most ``ROWS`` rows."""
        spans = [COL * w / sum(widths) for w in widths]
        for cells, colour in ((header, MUTED), *((r, INK) for r in rows[:ROWS])):
            cx = x
            for cell, span in zip(cells, spans, strict=True):
                self.text(cx, y, cell, 7.5, colour, span - 1)
            y += 3.9
        return y + 1

    def bars(self, x: float, y: float, labels: list[str], values: list[float | None], marks: list[float | None],
             height: float = 26.0) -> float:
        """Bars of ``values`` (ratios) with a tick per ``marks`` (the comparison), and the 100% line."""
        top = max([1.2, *[v for v in values if v is not None], *[m for m in marks if m is not None]])
        n = max(len(values), 1)
        slot = COL / n
        self.pdf.set_draw_color(*MUTED)
        self.pdf.set_line_width(0.2)
        base = y + height
        self.pdf.line(x, base - height / top, x + COL, base - height / top)  # 100%
        for i, (label, value, mark) in enumerate(zip(labels, values, marks, strict=True)):
            left = x + i * slot + slot * 0.2
            if value is not None:
                self.pdf.set_fill_color(*ACCENT)
                self.pdf.rect(left, base - height * value / top, slot * 0.6, height * value / top, style="F")
            if mark is not None:
                self.pdf.set_draw_color(*WARM)
                self.pdf.set_line_width(0.6)
                self.pdf.line(left - 0.8, base - height * mark / top, left + slot * 0.6 + 0.8,
                              base - height * mark / top)
            self.text(x + i * slot, base + 0.8, label[-4:] if len(label) > 7 else label, 6.5, MUTED, slot)
        return base + 4.5

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _ratio(v: float | None, lang: str) -> str:
    return fmt_number(v, "ratio", lang)


def archive_pdf(db: Database, arch: PersonArchive, lang: str, items: pl.DataFrame | None = None,
                aim: dict[str, object] | None = None) -> bytes:
    """The archive on one A4 page: who, results by quarter against the team, ramp, skills now and a year ago,
    reviews with their 9-box, training, flight risk and its drivers, workload, the career aim and the plan."""
    from analytics.people.risk_report import describe_driver

    names = _names(db, lang)
    card = arch.card
    title = f"{t('person.title', lang)} · {card['name']}"
    page = _Page(title, lang)
    y = page.text(M, M, title, 15, INK, W - 2 * M, bold=True)
    unit = names["unit"].get(card["team_id"] or card["org_unit_id"], "—")
    line = " · ".join([names["role"].get(card["role_id"], "—"), t("person.level", lang, level=card["job_level"]), unit,
                       t("person.manager", lang, name=card["manager_name"] or "—"),
                       t("person.hired", lang, date=fmt_date(card["hire_date"], lang),
                         source=code_label("hire_source", card["hire_source"], lang) if card["hire_source"] else "—")])
    y = page.text(M, y + 1, line, 8.5, MUTED, W - 2 * M)
    status = t("person.left", lang, date=fmt_date(card["termination_date"], lang),
               reason=code_label("exit_reason", card["exit_reason"], lang) if card["exit_reason"] else "—") \
        if arch.left else t("person.pdf.as_of", lang, date=fmt_date(arch.as_of, lang))
    y = page.text(M, y, status, 8.5, MUTED, W - 2 * M) + 3
    right = M + COL + GAP
    top = y

    # left column: results, ramp, skills
    y = page.heading(M, top, t("person.results", lang))
    att = arch.attainment
    if att["attainment"].is_null().all():
        y = page.text(M, y, t("person.no_quota", lang), 8, MUTED)
    else:
        y = page.bars(M, y, att["quarter"].to_list(), att["attainment"].to_list(), att["team_median"].to_list())
        y = page.text(M, y, t("person.pdf.bars_legend", lang), 7, MUTED)
        last = att.filter(pl.col("attainment").is_not_null()).tail(4)
        y = page.table(M, y + 1, [t("person.col.quarter", lang), t("person.chart.own", lang),
                                  t("person.chart.team_median", lang)],
                       [[r["quarter"], _ratio(r["attainment"], lang), _ratio(r["team_median"], lang)]
                        for r in last.iter_rows(named=True)], [1, 1, 1])
    y = page.heading(M, y + 2, t("person.ramp", lang))
    if arch.ramp.is_empty():
        y = page.text(M, y, t("person.no_ramp", lang), 8, MUTED)
    else:
        picks = arch.ramp.filter(pl.col("tenure_month").is_in([1, 3, 6, 9, 12]))
        y = page.table(M, y, [t("chart.tenure_month_ramp", lang), t("person.chart.own", lang),
                              t("person.chart.cohort", lang)],
                       [[str(r["tenure_month"]), _ratio(r["attainment"], lang), _ratio(r["cohort_mean"], lang)]
                        for r in picks.iter_rows(named=True)], [1.4, 1, 1])
    y = page.heading(M, y + 2, t("person.skills", lang))
    if arch.skills.is_empty() or arch.skills.select(pl.col("score", "year_ago").is_null().all()).row(0) == (True,
                                                                                                         True):
        y = page.text(M, y, t("person.no_skills", lang), 8, MUTED)
    else:
        y = page.table(M, y, [t("person.col.skill", lang), t("person.chart.now", lang),
                              t("person.chart.year_ago", lang), t("person.chart.required", lang)],
                       [[names["skill"].get(r["skill_id"], r["skill_id"]), fmt_number(r["score"], "score", lang),
                         fmt_number(r["year_ago"], "score", lang), fmt_number(r["required"], "score", lang)]
                        for r in arch.skills.iter_rows(named=True)], [2, 1, 1, 1])
    left_end = y

    # right column: reviews, training, risk, workload
    y = page.heading(right, top, t("person.reviews", lang))
    box = "box_zh" if lang == "zh" else "box_en"
    reviews = arch.reviews.sort("review_date", descending=True).head(5)
    y = page.table(right, y, [t("person.col.quarter", lang), t("person.col.rating", lang),
                              t("person.col.potential", lang), t("person.col.box", lang)],
                   [[r["quarter"], fmt_number(r["rating"], "count", lang), fmt_number(r["potential"], "count", lang),
                     r[box] or "—"] for r in reviews.iter_rows(named=True)], [1, 0.8, 0.8, 2]) \
        if reviews.height else page.text(right, y, t("person.no_reviews", lang), 8, MUTED)
    y = page.heading(right, y + 2, t("person.training", lang))
    training = arch.training.head(5)
    y = page.table(right, y, [t("person.col.course", lang), t("person.col.completed", lang),
                              t("person.col.pre", lang), t("person.col.post", lang)],
                   [[names["course"].get(r["course_id"], r["course_id"]),
                     fmt_date(r["completed_date"], lang) if r["completed_date"] else t("person.not_completed", lang),
                     fmt_number(r["pre_score"], "score", lang), fmt_number(r["post_score"], "score", lang)]
                    for r in training.iter_rows(named=True)], [2.2, 1.2, 0.7, 0.7]) \
        if training.height else page.text(right, y, t("person.no_training", lang), 8, MUTED)
    y = page.heading(right, y + 2, t("person.risk", lang))
    if arch.left or arch.risk.is_empty():
        y = page.text(right, y, t("person.risk_left" if arch.left else "person.risk_none", lang), 8, MUTED)
    else:
        last = arch.risk.row(-1, named=True)
        y = page.text(right, y, t("person.risk_now", lang, p=fmt_number(last["probability"], "probability", lang),
                                  date=fmt_date(last["as_of"], lang)), 8)
        trend = " → ".join(fmt_number(p, "probability", lang) for p in arch.risk["probability"].to_list())
        y = page.text(right, y, t("person.pdf.risk_trend", lang, trend=trend), 7.5, MUTED)
        for feature, value in zip(last["drivers"], last["driver_values"], strict=True):
            y = page.text(right + 2, y, "· " + describe_driver(feature, value, lang, names["role"]), 7.5, INK, COL - 2)
    y = page.heading(right, y + 2, t("person.workload", lang))
    recent = arch.attendance.tail(3)
    if arch.attendance.is_empty() and arch.engagement.is_empty():
        y = page.text(right, y, t("person.no_workload", lang), 8, MUTED)
    else:
        if arch.attendance.height:
            y = page.text(right, y, t("person.pdf.overtime", lang,
                                      recent=fmt_number(recent["overtime_hours"].mean(), "decimal", lang),
                                      year=fmt_number(arch.attendance["overtime_hours"].mean(), "decimal", lang),
                                      leave=fmt_number(arch.attendance["leave_days"].sum(), "decimal", lang)), 7.5)
        if arch.engagement.height:
            e = arch.engagement.row(-1, named=True)
            y = page.text(right, y, t("person.pdf.engagement", lang, score=fmt_number(e["engagement_score"], "score",
                                                                                          lang),
                                      date=fmt_date(e["survey_date"], lang)), 7.5)
    y = max(y, left_end) + 3

    # across the page: career aim and the development plan
    page.pdf.set_draw_color(*ACCENT)
    y = page.text(M, y, t("person.plan_title", lang), 10, ACCENT, W - 2 * M, bold=True) + 1
    if aim:
        role = names["role"].get(aim["target_role_id"], "") if aim.get("target_role_id") else ""
        by = t("person.aim_by", lang, year=aim["by_year"]) if aim.get("by_year") else ""
        words = [role, aim.get("aim") or "", by]
        y = page.text(M, y, f"{t('person.aim', lang)}: " + " · ".join(w for w in words if w), 8.5, INK, W - 2 * M)
    items = items if items is not None else pl.DataFrame()
    if items.is_empty():
        y = page.text(M, y, t("person.plan.none", lang), 8, MUTED, W - 2 * M)
    for r in items.head(ROWS).iter_rows(named=True):
        due = fmt_date(r["due_date"], lang) if r["due_date"] else "—"
        owner = code_label("owner", r["owner"], lang) if r["owner"] else "—"
        status = t(f"review.status.{r['status']}", lang)
        y = page.text(M, y, f"☐ {r['text']} · {owner} · {due} · {status}", 8, INK, W - 2 * M)
    page.text(M, H - M, t("person.pdf.footer", lang, date=fmt_date(dt.date.today(), lang)), 7, MUTED, W - 2 * M)
    if page.pdf.page_no() != 1:  # the layout keeps to one page; say so loudly if it ever does not
        raise AssertionError(f"the growth archive took {page.pdf.page_no()} pages")
    return page.output()
