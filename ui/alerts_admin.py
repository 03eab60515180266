"""The Admin page's green-channel panel: the rules and channels of data/alerts.toml (edited here, checked before
they are saved), a test message to a channel, and the dead-letter list with "send again"."""
from __future__ import annotations

import datetime as dt
import os
import tempfile

import polars as pl
import streamlit as st

from analytics.alerts import channels, outbox, rules
from analytics.alerts.texts import rule_name, severity_name
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_datetime
from ui.context import Context
from ui.plaintext import plain


def save_rules(text: str, actor: str, db: Database) -> rules.AlertConfig:
    """Check the text as a whole file, then replace data/alerts.toml atomically (audited); AlertConfigError."""
    target = rules.config_path()
    config = rules.parse(text, target.name)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, suffix=".tmp", delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, target)
    with db.transaction(bump=False) as cur:
        db.audit(cur, actor, "alert_rules_saved", target.name, n_rows=len(config.rules),
                 detail={"rules": len(config.rules), "channels": len(config.channels)})
    return config


def alerts_panel(ctx: Context, db: Database) -> None:
    lang = ctx.lang
    st.subheader(ctx.t("alerts_admin.title"))
    try:
        config = rules.load()
    except rules.AlertConfigError as exc:
        st.error(plain(str(exc)))
        config = None
    if config is not None:
        st.dataframe(pl.DataFrame({
            ctx.t("alerts_admin.rule"): [rule_name(r.id, lang) for r in config.rules],
            ctx.t("alerts_admin.watches"): [ctx.t("alerts_admin.watch", condition=ctx.t(
                f"alerts_admin.condition.{r.condition}"), metric=_metric_name(r.source, lang)) for r in config.rules],
            ctx.t("alerts_admin.severity"): [severity_name(r.severity, lang) for r in config.rules],
            ctx.t("alerts_admin.owners"): ["、".join(code_label("owner", o, lang) for o in r.owners) if lang == "zh"
                                           else ", ".join(code_label("owner", o, lang) for o in r.owners)
                                           for r in config.rules],
            ctx.t("alerts_admin.hours"): [f"{r.response_hours:g}" for r in config.rules],
        }), hide_index=True, width="stretch")
        st.dataframe(pl.DataFrame({
            ctx.t("alerts_admin.channel"): [c.title(lang) for c in config.channels],
            ctx.t("alerts_admin.kind"): [ctx.t(f"alerts_admin.kinds.{c.kind}") for c in config.channels],
            ctx.t("alerts_admin.detail"): [ctx.t(f"alerts_admin.details.{c.detail}") for c in config.channels],
            ctx.t("alerts_admin.state"): [ctx.t("alerts_admin.configured") if c.configured() else
                                          ctx.t("alerts_admin.not_configured") for c in config.channels],
        }), hide_index=True, width="stretch")
        names = [c.name for c in config.channels]
        if names:
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            titles = {c.name: c.title(lang) for c in config.channels}
            name = left.selectbox(ctx.t("alerts_admin.test_pick"), names, key="alerts_test_pick",
                                  format_func=titles.get)
            if right.button(ctx.t("alerts_admin.test"), key="alerts_test"):
                try:
                    outbox.test_channel(db, config, name, dt.datetime.now(), ctx.viewer.user)
                    st.success(ctx.t("alerts_admin.test_ok", name=titles[name]))
                except channels.ChannelError:
                    st.error(ctx.t("alerts_admin.test_unusable", name=titles[name]))
                except channels.SendError as exc:
                    st.error(ctx.t("alerts_admin.test_refused", name=titles[name], reason=plain(exc.reason)))
    with st.expander(ctx.t("alerts_admin.edit")):
        path = rules.config_path()
        text = st.text_area(ctx.t("alerts_admin.file"), value=path.read_text(encoding="utf-8")
                            if path.exists() else "", height=360, key="alerts_toml")
        if st.button(ctx.t("alerts_admin.save"), key="alerts_save"):
            try:
                saved = save_rules(text, ctx.viewer.user, db)
                st.success(ctx.t("alerts_admin.saved", n=len(saved.rules)))
            except rules.AlertConfigError as exc:  # the file's own words: rule or channel, key, what is expected
                st.error(plain(str(exc)))
    dead = outbox.dead_letters(db)
    st.markdown(f"**{ctx.t('alerts_admin.dead_title')}**")
    if dead.is_empty():
        st.caption(ctx.t("alerts_admin.dead_none"))
        return
    titles = {c.name: c.title(lang) for c in (config.channels if config else ())}
    st.dataframe(pl.DataFrame({
        ctx.t("alerts_admin.channel"): [titles.get(c, c) for c in dead["channel"].to_list()],
        ctx.t("alerts_admin.alert"): [str(a) for a in dead["alert_id"].to_list()],
        ctx.t("alerts_admin.tries"): dead["attempts"].to_list(),
        ctx.t("alerts_admin.error"): dead["last_error"].to_list(),
        ctx.t("alerts_admin.since"): [fmt_datetime(d, lang) for d in dead["created_at"].to_list()],
    }), hide_index=True, width="stretch")
    pick = st.selectbox(ctx.t("alerts_admin.retry_pick"), dead["send_id"].to_list(), key="alerts_retry_pick",
                        format_func=lambda s: ctx.t("alerts_admin.retry_label", send=s))
    if st.button(ctx.t("alerts_admin.retry"), key="alerts_retry"):
        outbox.retry_dead(db, int(pick), dt.datetime.now(), ctx.viewer.user)
        counts = outbox.deliver(db, config or rules.load(), dt.datetime.now())
        st.success(ctx.t("alerts_admin.retried", sent=counts["sent"]))


def _metric_name(metric_id: str, lang: str) -> str:
    from analytics.core.registry import get_metric
    return get_metric(metric_id).name(lang)
