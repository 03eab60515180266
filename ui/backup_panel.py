"""The Backups panel (Data and Admin pages): the list, "Back up now", and a restore behind a confirmation tick.

A backup is taken through the app's own connection (consistent while sessions read and write). A restore closes
the app's connection first (the file is swapped underneath it), then every page reopens the restored database and
the result caches are cleared. The rules (destinations, retention, verification) are in analytics/core/backup.py.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import polars as pl
import streamlit as st

from analytics.core import backup as bk
from analytics.core import restore as rs
from analytics.core.i18n import fmt_datetime
from ui.context import Context, context, get_database

log = logging.getLogger(__name__)


def _kind(ctx: Context, kind: str) -> str:
    labels = {
        "manual": ctx.t("backup.kind_manual"), "daily": ctx.t("backup.kind_daily"),
        "weekly": ctx.t("backup.kind_weekly"), "before-import": ctx.t("backup.kind_before_import"),
        "before-restore": ctx.t("backup.kind_before_restore"), "before-replace": ctx.t("backup.kind_before_replace"),
    }
    return labels.get(kind, labels["manual"])


def _when(ctx: Context, moment: dt.datetime) -> str:
    return fmt_datetime(moment.astimezone(), ctx.lang)  # the server's local time, to the minute


def _error(ctx: Context, exc: Exception) -> None:
    """A refusal in the page's language (the English detail, which may name files and commands, goes to the log)."""
    log.warning("backup panel: %s", exc)
    code = getattr(exc, "code", "failed")
    st.error(ctx.t("backup.damaged") if code == "damaged" else ctx.t("backup.newer") if code == "newer"
             else ctx.t("backup.in_use") if code == "in_use" else ctx.t("backup.missing") if code == "missing"
             else ctx.t("backup.no_destination") if code == "no_destination" else ctx.t("backup.failed"))


def _unique(backups: list[bk.Backup], db_path: str) -> list[tuple[bk.Backup, int]]:
    """One row per backup (its copy in the first backup folder that has it) and how many folders hold it."""
    order = {str(folder): i for i, folder in enumerate(bk.destinations(db_path))}
    by_name: dict[str, list[bk.Backup]] = {}
    for b in backups:
        by_name.setdefault(b.name, []).append(b)
    rows = [(min(copies, key=lambda b: order.get(str(b.path.parent), len(order))), len(copies))
            for copies in by_name.values()]
    return sorted(rows, key=lambda r: r[0].created_at, reverse=True)


def _back_up_now(ctx: Context, prefix: str) -> None:
    if not st.button(ctx.t("backup.now"), key=f"{prefix}_backup_now"):
        return
    try:
        result = bk.backup(ctx.db_path, con=get_database(ctx.db_path).cursor())
    except (bk.BackupError, OSError) as exc:
        _error(ctx, exc)
        return
    st.success(ctx.t("backup.done", when=_when(ctx, dt.datetime.fromisoformat(result.manifest["created_at"])),
                     n=str(len(result.written))))
    for folder in result.failed:
        st.warning(ctx.t("backup.dest_failed", folder=str(folder)))


def _restore(ctx: Context, prefix: str, rows: list[tuple[bk.Backup, int]]) -> None:
    with st.expander(ctx.t("backup.restore")):
        chosen = st.selectbox(
            ctx.t("backup.choose"), [str(b.path) for b, _ in rows], key=f"{prefix}_backup_choice",
            format_func=lambda p: next(ctx.t("backup.option", when=_when(ctx, b.created_at), kind=_kind(ctx, b.kind),
                                             version=str(b.data_version)) for b, _ in rows if str(b.path) == p))
        generation = st.session_state.get(f"{prefix}_backup_generation", 0)  # a new tick box after each restore
        sure = st.checkbox(ctx.t("backup.confirm"), key=f"{prefix}_backup_sure_{generation}")
        if not st.button(ctx.t("backup.restore_button"), key=f"{prefix}_backup_restore", disabled=not sure,
                         type="primary"):
            return
        app_db = get_database(ctx.db_path)  # the file is swapped under it: close it; pages reopen the new one
        app_db.close()
        get_database.clear()
        try:
            result = rs.restore(Path(chosen), ctx.db_path, actor=ctx.viewer.user)
        except (bk.BackupError, OSError) as exc:
            _error(ctx, exc)
            return
        st.cache_data.clear()
        when = _when(ctx, dt.datetime.fromisoformat(bk.read_manifest(result.backup)["created_at"]))
        undo = (_when(ctx, dt.datetime.fromisoformat(bk.read_manifest(result.undo)["created_at"]))
                if result.undo else None)
        st.session_state[f"{prefix}_backup_flash"] = (when, undo, len(result.broken_checks))
        st.session_state[f"{prefix}_backup_generation"] = generation + 1
        st.rerun()


def backup_panel(prefix: str = "data") -> None:
    """The panel; ``prefix`` keeps its widget keys apart on each page that shows it."""
    ctx = context()
    st.subheader(ctx.t("backup.title"))
    st.caption(ctx.t("backup.caption"))
    flash = st.session_state.pop(f"{prefix}_backup_flash", None)
    if flash:
        when, undo, broken = flash
        st.success(ctx.t("backup.restored", when=when, undo=undo) if undo else ctx.t("backup.restored_plain",
                                                                                   when=when))
        if broken:
            st.info(ctx.t("backup.broken", n=str(broken)))
    _back_up_now(ctx, prefix)
    try:
        rows = _unique(bk.list_backups(ctx.db_path), ctx.db_path)
    except bk.BackupError as exc:
        _error(ctx, exc)
        return
    if not rows:
        st.info(ctx.t("backup.none"))
        return
    st.dataframe(pl.DataFrame({
        ctx.t("backup.col_created"): [_when(ctx, b.created_at) for b, _ in rows],
        ctx.t("backup.col_kind"): [_kind(ctx, b.kind) for b, _ in rows],
        ctx.t("backup.col_version"): [str(b.data_version) for b, _ in rows],
        ctx.t("backup.col_rows"): [f"{b.total_rows:,}" for b, _ in rows],
        ctx.t("backup.col_size"): [ctx.t("backup.megabytes", mb=f"{b.size / 1024 / 1024:,.1f}") for b, _ in rows],
        ctx.t("backup.col_copies"): [str(n) for _, n in rows],
    }), hide_index=True, width="stretch", key=f"{prefix}_backup_list")
    _restore(ctx, prefix, rows)
