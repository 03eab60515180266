"""Admin: users, roles and scopes (data, editable), disabling accounts, role files, the green channel's rules, the
company's own metrics (added with a preview), the audit log, the panels and backups."""
from __future__ import annotations

import logging

import polars as pl
import streamlit as st

from analytics.core import auth
from ui import downloads, uploads
from ui.auth import refusal_text
from ui.context import context, get_database
from ui.language import grants_text
from ui.plaintext import plain
from ui.widgets import table

ctx = context()
if not ctx.viewer.is_admin:
    st.stop()
db = get_database(ctx.db_path)
me = ctx.viewer.user
st.title(ctx.t("admin.title"))

st.subheader(ctx.t("admin.users"))
users = auth.list_users(db)
table(users.with_columns(pl.col("roles").map_elements(lambda g: grants_text(db, g or "", ctx.lang),
                                                     return_dtype=pl.Utf8))
      if "roles" in users.columns else users)


def parse_grants(text: str) -> list[auth.Grant]:
    out = []
    for line in text.replace(",", "\n").splitlines():
        if line.strip():
            role, _, unit = line.strip().partition("@")
            out.append(auth.Grant(role.strip(), unit.strip() or auth.WHOLE_COMPANY))
    return out


with st.expander(ctx.t("admin.add")), st.form("add_user", clear_on_submit=True):
    name = st.text_input(ctx.t("auth.username"))
    display = st.text_input(ctx.t("admin.display_name"))
    email = st.text_input(ctx.t("admin.email"))
    employee = st.number_input(ctx.t("admin.employee"), min_value=0, value=0, step=1)
    password = st.text_input(ctx.t("auth.password"), type="password")
    grants = st.text_area(ctx.t("admin.grants"))
    if st.form_submit_button(ctx.t("admin.create")):
        try:
            auth.add_user(db, name.strip(), password, parse_grants(grants), me, display_name=display or None,
                          email=email or None, employee_id=int(employee) or None)
            st.success(ctx.t("admin.created", user=plain(name)))
        except auth.AuthError as exc:  # said in the page's language (codes; other texts as refusal does)
            st.error(plain(refusal_text(exc, ctx.lang)))

with st.expander(ctx.t("admin.edit")):
    who = st.selectbox(ctx.t("admin.user"), users["username"].to_list(), key="admin_user")
    current = "\n".join(f"{g.role}@{g.org_unit_id}" for g in auth.grants_of(db, who)) if who else ""
    new = st.text_area(ctx.t("admin.grants"), value=current, key=f"admin_grants_{who}")
    c1, c2, c3 = st.columns(3)
    try:
        if c1.button(ctx.t("admin.save_grants"), key="admin_save"):
            auth.set_grants(db, who, parse_grants(new), me)
            st.success(ctx.t("admin.saved"))
        if c2.button(ctx.t("admin.disable"), key="admin_disable"):
            auth.set_disabled(db, who, True, me)
            st.success(ctx.t("admin.saved"))
        if c3.button(ctx.t("admin.enable"), key="admin_enable"):
            auth.set_disabled(db, who, False, me)
            st.success(ctx.t("admin.saved"))
    except auth.AuthError as exc:
        st.error(plain(refusal_text(exc, ctx.lang)))

with st.expander(ctx.t("admin.roles_file")):  # admins only (checked above); uploads.py: name, type, size, audit
    st.caption(ctx.t("guard.upload_limit", mb=uploads.max_megabytes("roles_file")))
    upload = st.file_uploader(ctx.t("admin.roles_file"), type=["toml"], key="admin_roles_file",
                              max_upload_size=uploads.max_megabytes("roles_file"))
    done = st.session_state.setdefault("admin_roles_files_done", {})
    if upload is not None and upload.file_id not in done:  # applied once per upload, not on every rerun
        data, sent = upload.getvalue(), uploads.shown_name(upload.name)
        try:
            uploads.check("roles_file", upload.name, data)
            with uploads.private_copy(data, ".toml") as path:
                n = auth.load_roles_file(db, path, me)
            done[upload.file_id] = ("ok", ctx.t("admin.applied", n=n))
            uploads.record_upload(db, ctx.viewer, "roles_file", upload.name, len(data), "applied", n)
        except uploads.UploadRefused as exc:
            reason = {"type": ctx.t("guard.upload_type", types="TOML"),
                      "size": ctx.t("guard.upload_size", mb=uploads.max_megabytes("roles_file"))}[exc.reason]
            done[upload.file_id] = ("error", reason)
            uploads.record_upload(db, ctx.viewer, "roles_file", upload.name, len(data), f"refused: {exc.reason}")
        except auth.AuthError as exc:  # the file's own mistake, named with its key; the random name replaced
            done[upload.file_id] = ("error", str(exc).replace(path.name, sent))
            uploads.record_upload(db, ctx.viewer, "roles_file", upload.name, len(data), "refused: content")
        except Exception:  # unexpected: a generic message in the reader's language, the details in the log
            logging.getLogger("tandem").exception("applying a role file failed")
            done[upload.file_id] = ("error", ctx.t("guard.unexpected"))
    if upload is not None:
        outcome, message = done[upload.file_id]
        (st.success if outcome == "ok" else st.error)(plain(message))

from ui.alerts_admin import alerts_panel  # noqa: E402  (the green channel's rules, channels and dead letters)

alerts_panel(ctx, db)

from ui.company_metrics import company_metrics_panel  # noqa: E402  (metrics of the company's own: metrics/*.toml)

company_metrics_panel(ctx, db)

st.subheader(ctx.t("admin.audit"))
st.caption(ctx.t("admin.audit_note"))
views = st.toggle(ctx.t("admin.audit_views"), key="audit_views")  # off: page views are counted on the Usage page
log = auth.audit_log(db, page_views=views)
table(log, height=360)
st.download_button(ctx.t("export.csv"), downloads.on_click(db, ctx.viewer, "audit log",  # built and audited on click
                                                         lambda: {"audit": auth.audit_log(db, page_views=views)},
                                                         "csv"),
                   "audit_log.csv", "text/csv", key="audit_csv", on_click="ignore")

from ui.panels_status import panels_status  # noqa: E402  (where the monthly panels come from, and Spark)

panels_status()

from ui.backup_panel import backup_panel  # noqa: E402  (the panel renders here, at the end of the page)

backup_panel("admin")
