"""Training: completion, pre/post scores, the effect on results (difference-in-differences), onboarding, mentoring."""
from __future__ import annotations

import streamlit as st

from analytics.core.i18n import fmt_number
from ui import cached
from ui.context import context
from ui.widgets import table

ctx = context()
lang = ctx.lang
st.title(ctx.t("training.title"))
st.caption(ctx.t("training.caption"))
completion = cached.report(ctx, "talent.training_completion", ctx.period.to_date(ctx.as_of), ctx.as_of)
st.markdown(ctx.t("training.completion"))
table(completion.completion, height=260)
st.markdown(ctx.t("training.pre_post"))
table(cached.report(ctx, "talent.pre_post", ctx.as_of))

st.subheader(ctx.t("training.effect"))
names = cached.report(ctx, "talent.course_names", lang)
course = st.selectbox(ctx.t("training.course"), list(names), format_func=names.get,
                      index=list(names).index("ka_negotiation") if "ka_negotiation" in names else 0,
                      key="training_course")
effect = cached.report(ctx, "talent.training_effect", course, ctx.as_of)
c = st.columns(3)
c[0].metric(ctx.t("training.lift"), fmt_number(effect.lift, "ratio", lang), border=True,
            help=ctx.t("training.lift_help"))
c[1].metric(ctx.t("training.interval"), f"{fmt_number(effect.lift_ci_low, 'ratio', lang)} … "
            f"{fmt_number(effect.lift_ci_high, 'ratio', lang)}", border=True)
c[2].metric(ctx.t("training.people"), f"{effect.n_treated} / {effect.n_control}", border=True,
            help=ctx.t("training.people_help"))
if effect.note:
    st.caption(ctx.t("training.note.not_per_rep" if effect.note == "not_per_rep" else "training.note.no_comparison"))
st.subheader(ctx.t("training.onboarding"))
table(cached.report(ctx, "talent.onboarding_effect", ctx.as_of))
