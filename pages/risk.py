"""Flight risk: who is likely to leave in the next months, why, and how far the model can be trusted."""
from __future__ import annotations

import datetime as dt
import logging
import time

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import code_label, fmt_date, fmt_delta, fmt_number
from analytics.people import risk, risk_report, risk_store
from analytics.sales import incentives_report
from ui import cached, uploads
from ui.context import context, get_database
from ui.people import people_table
from ui.plaintext import plain
from ui.widgets import chart, table

ctx = context()
lang = ctx.lang
st.title(ctx.t("risk.title"))
horizon = st.selectbox(ctx.t("risk.horizon"), [3, 6, 12], index=1, format_func=lambda n: ctx.t("risk.months", n=n),
                       key="risk_horizon")
st.caption(ctx.t("risk.caption", n=horizon, date=fmt_date(ctx.as_of, lang)))


def feature_name(code: str) -> str:
    return code_label("feature", code, lang)


PHASE_TEXT = {"waiting": ctx.t("risk.model.phase.waiting"), "features": ctx.t("risk.model.phase.features"),
              "model": ctx.t("risk.model.phase.model"), "backtest": ctx.t("risk.model.phase.backtest"),
              "drivers": ctx.t("risk.model.phase.drivers"), "store": ctx.t("risk.model.phase.store")}

# ── The one model of the data version: fitted in the background, never waited for blank ──
db = get_database(ctx.db_path)
model_state = risk_store.state(db, ctx.as_of, horizon)
if not model_state.ready and model_state.model is None:  # no model at all yet: wait, saying what it does
    with st.status(ctx.t("risk.model.first"), expanded=True) as box:
        bar = st.progress(0.0)
        while not model_state.ready and model_state.job is not None and not model_state.job.done:
            phase = model_state.job.phase
            bar.progress(risk_store.PHASES.get(phase, 0.0), text=PHASE_TEXT.get(phase, ""))
            time.sleep(0.5)
            model_state = risk_store.state(db, ctx.as_of, horizon)
        failed = not model_state.ready and model_state.job is not None and model_state.job.error is not None
        box.update(label=ctx.t("risk.model.failed" if failed else "risk.model.done"),
                   state="error" if failed else "complete", expanded=False)
if not model_state.ready and model_state.job is not None and model_state.job.error is not None:
    st.warning(ctx.t("risk.model.failed"))
    if model_state.model is None:
        st.stop()
elif model_state.fitting:  # the last model's results meanwhile, said so, and a look every few seconds
    st.info(risk_report.refit_note(model_state, lang))

    @st.fragment(run_every=3)
    def _watch_the_fit() -> None:
        if risk_store.state(db, ctx.as_of, horizon).ready:
            st.rerun(scope="app")

    _watch_the_fit()
elif model_state.model is not None:
    fitted_at = dt.datetime.fromisoformat(model_state.model.meta["fitted_at"])
    st.caption(ctx.t("risk.model.fitted", when=f"{fmt_date(fitted_at.date(), lang)} {fitted_at:%H:%M}",
                     date=fmt_date(risk_store.model_date(model_state.model), lang)))
shown_model = model_state.ref

# ── How far the model can be trusted: out-of-time backtest ──
st.subheader(ctx.t("risk.backtest"))
with st.spinner(ctx.t("risk.fitting")):
    backtest = cached.report(ctx, "risk.evaluation", ctx.as_of, horizon, model=shown_model)
if backtest is None:
    st.info(ctx.t("risk.too_little"))
else:
    st.caption(ctx.t("risk.backtest_note",
                     train=f"{fmt_date(backtest.train_dates[0], lang)}…{fmt_date(backtest.train_dates[-1], lang)}",
                     test=f"{fmt_date(backtest.test_dates[0], lang)}…{fmt_date(backtest.test_dates[-1], lang)}",
                     n=f"{backtest.n_test:,}",
                     rate=fmt_number(backtest.base_rate, "ratio", lang)))
    cards = st.columns(3)
    for column, score, better in zip(cards, ("roc_auc", "pr_auc", "brier"), ("normal", "normal", "inverse"),
                                     strict=True):
        model, base = backtest.scores["model"][score], backtest.scores["baseline"][score]
        column.metric(ctx.t(f"risk.{score}"), fmt_number(model, "score", lang), delta=fmt_delta(model - base, "score",
                      lang), delta_color=better, delta_description=ctx.t("risk.vs_baseline",
                                                                         value=fmt_number(base, "score", lang)),
                      help=ctx.t(f"risk.{score}_help"), border=True)
    if backtest.scope is not None:  # the same model's test rows, only the people of the viewer's scope
        scope = backtest.scope
        if scope["scores"] is None:
            st.caption(ctx.t("risk.scope_too_few", n=f"{scope['n_people']:,}"))
        else:
            st.caption(ctx.t("risk.scope_backtest", n=f"{scope['n_people']:,}", rows=f"{scope['n_test']:,}",
                             rate=fmt_number(scope["base_rate"], "ratio", lang),
                             **{k: fmt_number(scope["scores"]["model"][k], "score", lang)
                                for k in ("roc_auc", "pr_auc", "brier")}))
    left, right = st.columns(2)
    chart(charts.calibration_plot(backtest.calibration, lang, ctx.t("risk.calibration")), "risk_calibration", left,
          name="risk_calibration")
    top = backtest.drivers.head(10)
    chart(charts.labelled_bars([feature_name(f) for f in top["feature"].to_list()], top["importance"].to_list(), lang,
                               ctx.t("risk.global_drivers"), "score"), "risk_drivers", right, name="risk_drivers")

# ── Who is at risk ──
st.subheader(ctx.t("risk.list"))
people = cached.report(ctx, "risk.ranked", ctx.as_of, horizon, model=shown_model)
if people.is_empty():
    st.info(ctx.t("risk.too_little"))
elif ctx.viewer.person_level:
    threshold = risk_report.high_risk_threshold(people["probability"])
    only_high = st.toggle(ctx.t("risk.only_high", p=fmt_number(threshold, "ratio", lang)), value=False,
                          key="risk_only_high")
    shown = people.filter(pl.col("probability") >= threshold) if only_high else people
    with_pay = shown.filter(pl.col("drivers").list.eval(pl.element().is_in(risk.PAY_FEATURES)).list.any()).height
    seen = st.session_state.setdefault("pay_views", set())
    view = f"risk {horizon} {ctx.as_of} {ctx.viewer.scope_key}"
    if with_pay and view not in seen:  # a pay-derived driver is a view of person-level pay
        incentives_report.record_pay_view(get_database(ctx.db_path), ctx.viewer,
                                          f"flight-risk drivers as of {ctx.as_of} ({horizon} months)", with_pay)
        seen.add(view)
    names = cached.report(ctx, "attrition.group_names", "team", lang)
    roles = cached.report(ctx, "attrition.group_names", "role", lang)
    st.metric(ctx.t("risk.high_count"), f"{people.filter(pl.col('probability') >= threshold).height:,}",
              help=ctx.t("risk.high_help", p=fmt_number(threshold, "ratio", lang)))
    people_table(shown.select(
        pl.col("name").alias(ctx.t("risk.name")),
        pl.col("team_id").replace_strict(names, default=pl.col("team_id")).fill_null("—").alias(ctx.t("dim.team")),
        pl.col("role_id").replace_strict(roles, default=pl.col("role_id")).alias(ctx.t("dim.role")),
        (pl.col("tenure_days") / 30.4375).round(1).alias(ctx.t("risk.tenure_months")),
        (pl.col("probability") * 100).round(1).alias(ctx.t("risk.probability")),
        pl.Series(ctx.t("risk.drivers"), [
            ("；" if lang == "zh" else "; ").join(risk_report.describe_driver(f, v, lang, roles) for f, v in
                                                 zip(fs, vs, strict=True))
            for fs, vs in zip(shown["drivers"].to_list(), shown["driver_values"].to_list(), strict=True)]),
    ), shown["employee_id"], "risk_people", person_level=True, hint=ctx.t("person.open_hint"),
        column_config={ctx.t("risk.probability"): st.column_config.ProgressColumn(
            ctx.t("risk.probability"), format="%.1f%%", min_value=0, max_value=100)})
else:
    st.caption(ctx.t("access.person_level_only"))
    table(risk_report.risk_by_team(people, ctx.viewer))

# ── A snapshot file (one row per person, left/stayed, no dates): HR head only, checked and audited ──
if risk_report.may_upload_snapshot(ctx.viewer):
    with st.expander(ctx.t("risk.snapshot")):
        st.caption(ctx.t("risk.snapshot_help"))
        st.caption(ctx.t("guard.upload_limit", mb=uploads.max_megabytes("risk_snapshot")))
        upload = st.file_uploader(ctx.t("risk.snapshot_file"), type=["csv"], key="risk_snapshot_file",
                                  max_upload_size=uploads.max_megabytes("risk_snapshot"))
        if upload is not None:
            data = upload.getvalue()  # kept in memory, never written under any name
            audited = st.session_state.setdefault("risk_snapshots_audited", set())
            try:
                uploads.check("risk_snapshot", upload.name, data)
            except uploads.UploadRefused as exc:
                st.error({"type": ctx.t("guard.upload_type", types="CSV"),
                          "size": ctx.t("guard.upload_size", mb=uploads.max_megabytes("risk_snapshot"))}[exc.reason])
                outcome = f"refused: {exc.reason}"
            else:
                header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip().split(",")
                guess = next((i for i, c in enumerate(header) if c.strip().lower() in {"attrition", "left", "离职"}),
                             0)
                target = st.selectbox(ctx.t("risk.snapshot_target"), header, index=guess, key="risk_snapshot_target")
                outcome = "evaluated"
                try:
                    result = risk_report.evaluate_snapshot_bytes(data, target, uploads.shown_name(upload.name))
                except ValueError as exc:  # the file's own mistake (unreadable, no such column), as plain text
                    st.error(plain(str(exc)))
                    outcome = "refused: content"
                except Exception:  # unexpected: a generic message in the reader's language, the details logged
                    logging.getLogger("tandem").exception("evaluating a snapshot failed")
                    st.error(ctx.t("guard.unexpected"))
                    outcome = "failed"
                else:
                    cols = st.columns(3)
                    for column, score in zip(cols, ("roc_auc", "pr_auc", "brier"), strict=True):
                        column.metric(ctx.t(f"risk.{score}"), fmt_number(result.scores[score], "score", lang),
                                      border=True)
                    st.caption(ctx.t("risk.snapshot_result", n=f"{result.n_rows:,}",  # column names: the file's
                                     rate=fmt_number(result.positive_rate, "ratio", lang),
                                     dropped=plain(", ".join(result.dropped)) or "—"))
                    table(result.drivers.head(15))
            if upload.file_id not in audited:  # one entry per file sent, not per rerun
                uploads.record_upload(get_database(ctx.db_path), ctx.viewer, "risk_snapshot", upload.name, len(data),
                                      outcome)
                audited.add(upload.file_id)
