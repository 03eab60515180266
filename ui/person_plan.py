"""The person page's development plan and career aim, edited together by the director and HR, and its PDF."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_date
from analytics.people import development as dev
from analytics.people.archive_report import PersonArchive
from ui.context import Context


def _error(ctx: Context, exc: dev.DevelopmentError) -> None:
    st.error(ctx.t(f"person.plan.error.{exc.code}"))


def _items_table(ctx: Context, items: pl.DataFrame) -> pl.DataFrame:
    late = dev.overdue(items, ctx.as_of)
    return pl.DataFrame({
        ctx.t("person.plan.item"): items["text"].to_list(),
        ctx.t("person.plan.owner"): [code_label("owner", o, ctx.lang) if o else "—" for o in items["owner"].to_list()],
        ctx.t("person.plan.due"): [fmt_date(d, ctx.lang) + (f" · {ctx.t('person.plan.overdue')}" if x else "")
                                   if d else "—" for d, x in zip(items["due_date"].to_list(), late.to_list(),
                                                                 strict=True)],
        ctx.t("person.plan.status"): [ctx.t(f"review.status.{s}") for s in items["status"].to_list()],
        ctx.t("person.plan.since"): [fmt_date(c.date(), ctx.lang) for c in items["created_at"].to_list()],
        ctx.t("person.plan.closed"): [fmt_date(c.date(), ctx.lang) if c else "—" for c in items["closed_at"].to_list()],
    })


def _aim(ctx: Context, db: Database, arch: PersonArchive, roles: dict[str, str], may_edit: bool) -> None:
    aim = dev.career_aim(db, arch.employee_id)
    st.markdown(f"**{ctx.t('person.aim')}**")
    if aim is None:
        st.caption(ctx.t("person.aim_none"))
    else:
        parts = [roles.get(aim["target_role_id"], "—") if aim["target_role_id"] else None, aim["aim"],
                 ctx.t("person.aim_by", year=aim["by_year"]) if aim["by_year"] else None]
        st.write(" · ".join(p for p in parts if p))
        st.caption(ctx.t("person.aim_set", who=aim["updated_by"] if aim["updated_by"] != "demo"
                         else ctx.t("review.seeded_by"), date=fmt_date(aim["updated_at"].date(), ctx.lang)))
    if not may_edit:
        return
    with st.expander(ctx.t("person.aim_edit")), st.form(f"aim_{arch.employee_id}"):
        options = [None, *sorted(roles, key=lambda r: roles[r])]
        current = aim["target_role_id"] if aim else None
        role = st.selectbox(ctx.t("person.aim_role"), options, index=options.index(current) if current in options
                            else 0, format_func=lambda r: roles.get(r, "—") if r else "—")
        text = st.text_input(ctx.t("person.aim_text"), value=(aim or {}).get("aim") or "", max_chars=dev.MAX_TEXT)
        years = [None, *range(ctx.as_of.year, ctx.as_of.year + 6)]
        year = st.selectbox(ctx.t("person.aim_year"), years, index=years.index(aim["by_year"])
                            if aim and aim["by_year"] in years else 0, format_func=lambda y: str(y) if y else "—")
        if st.form_submit_button(ctx.t("person.aim_save")):
            try:
                dev.set_career_aim(db, ctx.viewer, arch.employee_id, role, text, year, ctx.as_of)
                st.rerun()
            except dev.DevelopmentError as exc:
                _error(ctx, exc)


def development_plan(ctx: Context, db: Database, arch: PersonArchive, roles: dict[str, str], may_edit: bool) -> None:
    """The career aim, the plan's items (open first, overdue marked), and — for those who may edit — forms to add an
    item and to change one's status; then the one-page PDF of the archive."""
    st.subheader(ctx.t("person.plan_title"))
    st.caption(ctx.t("person.plan_caption"))
    _aim(ctx, db, arch, roles, may_edit)
    items = dev.items(db, arch.employee_id)
    st.markdown(f"**{ctx.t('person.plan.items')}**")
    if items.is_empty():
        st.caption(ctx.t("person.plan.none"))
    else:
        st.dataframe(_items_table(ctx, items), hide_index=True, width="stretch")
    if may_edit:
        key = f"plan_{arch.employee_id}"
        open_items = items.filter(pl.col("status").is_in(dev.OPEN_STATUSES))
        if open_items.height:
            texts = {i: t if len(t) <= 90 else t[:89] + "…"
                     for i, t in zip(open_items["item_id"], open_items["text"], strict=True)}
            left, mid, right = st.columns([5, 2, 1], vertical_alignment="bottom")
            pick = left.selectbox(ctx.t("person.plan.pick"), list(texts), format_func=lambda i: texts.get(i, ""),
                                  key=f"{key}_pick")
            status = mid.selectbox(ctx.t("person.plan.status"), dev.STATUSES, key=f"{key}_status",
                                   format_func=lambda s: ctx.t(f"review.status.{s}"))
            if right.button(ctx.t("review.update"), key=f"{key}_update"):
                try:
                    dev.update_item(db, ctx.viewer, pick, ctx.as_of, status=status)
                    st.rerun()
                except dev.DevelopmentError as exc:
                    _error(ctx, exc)
        with st.form(f"{key}_add", clear_on_submit=True):
            text = st.text_input(ctx.t("person.plan.item"), max_chars=dev.MAX_TEXT, key=f"{key}_text")
            c1, c2 = st.columns(2)
            owner = c1.selectbox(ctx.t("person.plan.owner"), dev.OWNERS, key=f"{key}_owner",
                                 format_func=lambda o: code_label("owner", o, ctx.lang))
            due = c2.date_input(ctx.t("person.plan.due"), value=dt.date.today() + dt.timedelta(days=30),
                                key=f"{key}_due")
            if st.form_submit_button(ctx.t("person.plan.add")) and text.strip():
                try:
                    dev.add_item(db, ctx.viewer, arch.employee_id, text, owner, due, ctx.as_of)
                    st.rerun()
                except dev.DevelopmentError as exc:
                    _error(ctx, exc)
    else:
        st.caption(ctx.t("person.plan.read_only"))
    _pdf_button(ctx, db, arch, roles, items)


def _pdf_button(ctx: Context, db: Database, arch: PersonArchive, roles: dict[str, str], items: pl.DataFrame) -> None:
    """The one-page PDF, built when clicked (never before) and audited as an export."""
    from analytics.reviews import export

    viewer, lang, aim = ctx.viewer, ctx.lang, dev.career_aim(db, arch.employee_id)

    def build() -> bytes:
        from analytics.reviews.person_pdf import archive_pdf

        data = archive_pdf(db, arch, lang, items=items, aim=aim)
        export.record_export(db, viewer.user, "growth archive (pdf)", viewer.scope_key, 1)
        return data

    st.download_button(ctx.t("person.pdf_button"), build, f"growth_archive_{arch.as_of:%Y%m%d}_{lang}.pdf",
                       "application/pdf", key="person_pdf", on_click="ignore")
