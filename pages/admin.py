"""Admin: users, roles and scopes (data, editable), disabling accounts, role files, and the audit log."""
from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from analytics.core import auth
from analytics.reviews import export
from ui.context import context, get_database
from ui.language import grants_text
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
            st.success(ctx.t("admin.created", user=name))
        except auth.AuthError as exc:
            st.error(str(exc))

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
        st.error(str(exc))

with st.expander(ctx.t("admin.roles_file")):
    upload = st.file_uploader(ctx.t("admin.roles_file"), type=["toml"], key="admin_roles_file")
    if upload is not None:
        path = Path(tempfile.mkdtemp()) / upload.name
        path.write_bytes(upload.getvalue())
        try:
            st.success(ctx.t("admin.applied", n=auth.load_roles_file(db, path, me)))
        except auth.AuthError as exc:
            st.error(str(exc))

st.subheader(ctx.t("admin.audit"))
st.caption(ctx.t("admin.audit_note"))
log = auth.audit_log(db)
table(log, height=360)
st.download_button(ctx.t("export.csv"), export.csv_bytes(log), "audit_log.csv", "text/csv", key="audit_csv")

from ui.backup_panel import backup_panel  # noqa: E402  (the panel renders here, at the end of the page)

backup_panel("admin")
