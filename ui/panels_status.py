"""The Admin page's "Monthly panels" section: whether the stored panels are current for the data, the months and
as-of date they cover, which engine built them and when, and the commands that build them on Apache Spark where
the facts live (docs/scale.md)."""
from __future__ import annotations

import streamlit as st

from analytics.core import panels
from analytics.core.i18n import fmt_date, fmt_datetime, fmt_month, fmt_number
from ui.context import context, get_database

SPARK_COMMANDS = """python -m analytics facts export --to /data/tandem-facts
python -m analytics panels build --engine spark --facts /data/tandem-facts"""


def panels_status() -> None:
    """The section (admins)."""
    ctx = context()
    db = get_database(ctx.db_path)
    st.subheader(ctx.t("panels.title"))
    info = panels.built(db)
    if info is None:
        st.caption(ctx.t("panels.stale"))
    else:
        engine = panels.engine_of(db)
        when = panels.built_at(db)
        st.caption(ctx.t("panels.current", first=fmt_month(info.first_month, ctx.lang),
                         last=fmt_month(info.last_month, ctx.lang), as_of=fmt_date(info.as_of, ctx.lang),
                         rows=fmt_number(panels.panel_rows(db), "count", ctx.lang)))
        by = ctx.t("panels.engine_spark") if engine == "spark" else ctx.t("panels.engine_duckdb")
        st.caption(ctx.t("panels.built_by", engine=by) + (ctx.t("panels.built_when", when=fmt_datetime(when, ctx.lang))
                                                          if when is not None else ""))
    st.caption(ctx.t("panels.spark_hint"))
    with st.expander(ctx.t("panels.commands")):
        st.code(SPARK_COMMANDS, language="bash")
