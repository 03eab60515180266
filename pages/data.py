"""Data: import the HR and CRM exports people really have — check first, then load all or nothing."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import code_label
from analytics.sources.ingest import (
    ImportProblem,
    importable_tables,
    list_profiles,
    read_export,
    template_csv,
    template_xlsx,
)
from analytics.sources.ingest.load import load_batch
from analytics.sources.ingest.plan import plain_part, plan_batch
from ui.context import context, get_database
from ui.data_change import after_load_shown
from ui.sync_panel import sync_panel
from ui.widgets import table as show_table

ctx = context()
if not (ctx.viewer.is_admin or ctx.viewer.sees_pay):
    st.stop()
st.title(ctx.t("data.title"))
st.caption(ctx.t("data.caption"))
db = get_database(ctx.db_path)

uploads = st.file_uploader(ctx.t("data.files"), type=["csv", "txt", "tsv", "xlsx", "parquet"],
                           accept_multiple_files=True, key="data_files")
left, mid, right = st.columns(3)
table = left.selectbox(ctx.t("data.table"), [None, *importable_tables()],
                       format_func=lambda x: ctx.t("data.auto") if x is None else code_label("table", x, ctx.lang),
                       key="data_table")
profile = mid.selectbox(ctx.t("data.profile"), [None, *list_profiles()],
                        format_func=lambda x: ctx.t("data.no_profile") if x is None else x, key="data_profile")
flat = right.toggle(ctx.t("data.flat"), value=True, key="data_flat")
ENCODINGS = (None, "utf-8", "cp1252", "gb18030", "big5", "shift_jis", "euc-kr", "utf-16")  # CSV: detected unless chosen
encoding = st.selectbox(ctx.t("data.encoding"), ENCODINGS, key="data_encoding",
                        format_func=lambda e: ctx.t("data.encoding_auto") if e is None else e.upper())


def show_result(result, written: bool) -> None:
    if result.n_errors:
        st.error(ctx.t("data.errors", n=f"{result.n_errors:,}"))
    elif written:
        st.success(ctx.t("data.loaded", version=result.data_version))
    else:
        st.success(ctx.t("data.checked"))
    for note in result.notes:
        st.caption(note)
    show_table(result.parts_frame())
    if result.counts:
        show_table(result.counts_frame())
    if result.issues.height:
        st.markdown(ctx.t("data.issues", n=f"{result.issues.height:,}"))
        show_table(result.issues.head(500))
        st.download_button(ctx.t("data.report"), result.to_csv(), "import_report.csv", "text/csv", key="data_report")


if uploads:
    try:
        options = {"encoding": encoding} if encoding else {}
        reads = [read_export(f.getvalue(), name=f.name, **options) for f in uploads]
        plan = plan_batch(db, [], reads, table=table, mapping=profile, flat=flat, fy_start=ctx.fy_start)
    except ImportProblem as exc:
        st.error(str(exc))  # names the file, row, column and what was expected
        st.stop()
    for note in plan.notes:
        st.info(note)
    for read in reads:  # what the reader found: encoding, sheet, rows; its notes (title row skipped, merged cells)
        info = read.info
        how = info.encoding.upper() if info.encoding else info.sheet or info.format.upper()
        st.caption(ctx.t("data.read_as", file=info.name, how=how, rows=f"{info.n_rows:,}",
                         columns=f"{info.n_columns:,}"))
        for note in info.notes:
            st.caption(note)
    by_name = {r.info.name: r for r in reads}
    for i, part in enumerate(plan.parts):
        if part.mapping is None or part.file not in by_name:
            continue  # flat exports are split by rule, not by an editable column map
        m = part.mapping
        with st.expander(ctx.t("data.mapping", file=part.file, table=part.table),
                         expanded=bool(m.missing_required or m.to_check)):
            if m.missing_required:
                st.warning(ctx.t("data.missing", cols=", ".join(m.missing_required)))
            grid = pl.DataFrame({"source": m.sources, "target": [m.columns.get(c, "") for c in m.sources],
                                 "confidence": [round(m.confidence.get(c, 0.0), 2) for c in m.sources]})
            edited = st.data_editor(grid.to_pandas(), hide_index=True, width="stretch", key=f"map_{i}",
                                    disabled=["source", "confidence"],
                                    column_config={"target": st.column_config.SelectboxColumn(
                                        ctx.t("data.target"), options=["", *m.spec.names])})
            changed = False
            for source, target in zip(edited["source"], edited["target"], strict=True):
                if (target or None) != m.columns.get(source):
                    m.set(source, target or None)
                    changed = True
            # value maps: what each code in the file means (e.g. "Voluntarily Terminated" → voluntary)
            frame = by_name[part.file].frame
            for source, target in list(m.columns.items()):
                col = m.spec.column(target)
                if col.type not in ("enum", "bool") or source not in frame.columns:
                    continue
                raws = frame[source].drop_nulls().str.strip_chars().unique().sort().head(40).to_list()
                current = m.value_map(target)
                options = ["", *(col.values or ("true", "false"))]
                table_values = pl.DataFrame({"value": raws, "code": [
                    str(current.get(r, current.get(r.lower(), "")) or "") for r in raws]})
                st.caption(ctx.t("data.values", column=source, target=target))
                edited_values = st.data_editor(
                    table_values.to_pandas(), hide_index=True, width="stretch", key=f"values_{i}_{target}",
                    disabled=["value"], column_config={"code": st.column_config.SelectboxColumn(
                        ctx.t("data.code"), options=options)})
                for raw, code in zip(edited_values["value"], edited_values["code"], strict=True):
                    before = str(current.get(raw, current.get(raw.lower(), "")) or "")
                    if (code or "") != before:
                        m.set_value(target, raw, code or None)
                        changed = True
            if changed:  # rebuild the part with the edited maps
                plan.parts[i] = plain_part(by_name[part.file], part.table, m)
            name = st.text_input(ctx.t("data.profile_name"), key=f"profile_name_{i}")
            if st.button(ctx.t("data.save_profile"), key=f"save_profile_{i}") and name.strip():
                m.save(name.strip())
                st.success(ctx.t("admin.saved"))
    c1, c2 = st.columns(2)
    if c1.button(ctx.t("data.check"), key="data_check"):
        show_result(load_batch(db, plan.parts, ctx.viewer.user, dry_run=True), written=False)
    if c2.button(ctx.t("data.load"), key="data_load", type="primary"):
        with st.status(ctx.t("data.loading"), expanded=False) as box:
            result = load_batch(db, plan.parts, ctx.viewer.user, progress=lambda m: box.update(label=m))
        show_result(result, written=result.written)
        if result.written:  # panels, flight-risk model, the pages' figures computed ahead: followed here
            after_load_shown(ctx, db)

sync_panel()

st.subheader(ctx.t("data.templates"))
pick = st.selectbox(ctx.t("data.table"), importable_tables(), format_func=lambda x: code_label("table", x, ctx.lang),
                    key="template_table")
t1, t2 = st.columns(2)
t1.download_button(ctx.t("export.csv"), lambda: template_csv(pick), f"{pick}_template.csv", "text/csv",  # on click
                   key="tpl_csv", on_click="ignore")
t2.download_button(ctx.t("export.xlsx"), lambda: template_xlsx(pick), f"{pick}_template.xlsx", key="tpl_xlsx",
                   on_click="ignore")

from ui.backup_panel import backup_panel  # noqa: E402  (the panel renders here, at the end of the page)

backup_panel("data")
