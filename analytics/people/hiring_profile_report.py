"""What the Hiring page's success profile shows (no Streamlit): the profile of a role as a table recruiting can
use, its out-of-time validation, the bias check and the open applications ranked by fit.

The models are fitted on the whole company's hires of the role (:mod:`analytics.people.hiring_profile`), so the
profile and every fit score are the same whoever looks; the bias check and the open applications hold only the
rows in the viewer's scope. Gender and birth year are read for the bias check only, never by a model. For
viewers without person-level rights the bias check masks groups smaller than the suppression threshold (with a
complement), and the open applications are not listed.
"""
from __future__ import annotations

import datetime as dt
import math

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_date, fmt_number, t
from analytics.metrics.suppression import mask_table
from analytics.people import hiring_profile as hp

COMPANY = {"all_units": True, "units": []}
SELECTIONS = ("picks", "others")
DIMENSIONS = ("gender", "age_band")
GENDERS = ("female", "male", "unknown")  # employees.gender F, M, anything else
STRENGTHS = ("useful", "weak", "none", "too_few")


def roles(db: Database, viewer: Viewer, as_of: dt.date) -> list[str]:
    """Roles with a success profile: at least :data:`hp.MIN_HIRES` hires company-wide whose probation outcome is
    known, most hires first."""
    rows, _ = hp.load(db, COMPANY, as_of)
    return hp.roles_with_profile(rows)


def _profile_table(result: dict[str, object]) -> pl.DataFrame:
    """One row per outcome and input: the effect (pass: odds ratio; attainment: change in attainment, a ratio)
    per SD (numeric), for having it (same industry) or against the reference level, with the 95% bootstrap
    interval and a direction (``up``, ``down``, ``unclear`` when the interval spans no effect, ``few`` when fewer
    than :data:`hp.MIN_LEVEL` hires have the level or trait, or lack it)."""
    spec: hp.Design = result["spec"]
    w: pl.DataFrame = result["weights"]
    if w.is_empty():
        return w
    trait = pl.col("feature").str.split("=").list.first()
    level = pl.col("feature").str.split("=").list.get(1, null_on_oob=True)
    odds = pl.col("outcome") == "passed"
    out = w.with_columns(
        trait=trait, level=level,
        effect=pl.when(odds).then(pl.col("weight").exp()).otherwise(pl.col("weight")),
        effect_low=pl.when(odds).then(pl.col("low").exp()).otherwise(pl.col("low")),
        effect_high=pl.when(odds).then(pl.col("high").exp()).otherwise(pl.col("high")),
    ).with_columns(
        reference=trait.replace_strict(spec.reference, default=None, return_dtype=pl.Utf8),
        sd=trait.replace_strict(spec.sd, default=None, return_dtype=pl.Float64),
        direction=pl.when(~pl.col("feature").is_in(hp.NUMERIC)
                          & (pl.min_horizontal("with_trait", pl.col("n") - pl.col("with_trait")) < hp.MIN_LEVEL))
        .then(pl.lit("few")).when(pl.col("low") > 0).then(pl.lit("up")).when(pl.col("high") < 0)
        .then(pl.lit("down")).otherwise(pl.lit("unclear")),
        strength=pl.col("weight").abs(),
    )
    return out.sort("outcome", "strength", descending=[True, True]).select(
        "outcome", "feature", "trait", "level", "reference", "sd", "effect", "effect_low", "effect_high", "direction",
        "weight", "n", "with_trait")


def _mask_profile(table: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The profile for ``viewer``: for aggregate viewers, an input that fewer hires than the suppression threshold
    (or than :data:`hp.MIN_LEVEL`) have or lack shows no effect, interval or count — it would describe those few."""
    if viewer.person_level or table.is_empty():
        return table
    few = ~pl.col("feature").is_in(hp.NUMERIC) & (pl.min_horizontal("with_trait", pl.col("n") - pl.col("with_trait"))
                                                  < max(hp.MIN_LEVEL, viewer.suppression_threshold))
    values = ["effect", "effect_low", "effect_high", "weight", "with_trait"]
    return table.with_columns([pl.when(few).then(None).otherwise(pl.col(c)).alias(c) for c in values])


def _bias(scored: pl.DataFrame, protected: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Pass rates of the profile's picks (the higher-scoring half, ``(n + 1) // 2``, of the later cohort's hires
    whose probation outcome is known, by out-of-time fit score; ties by application id) and of the others, by
    gender and by age band at hire, with counts; small groups masked for aggregate viewers."""
    known = scored.filter(pl.col("passed").is_not_null() & pl.col("fit_score").is_not_null()).sort(
        "fit_score", "application_id", descending=[True, False])
    if known.is_empty():
        return pl.DataFrame(schema={"dimension": pl.Utf8, "group": pl.Utf8, "selection": pl.Utf8,
                                    "hires": pl.Int64, "passed": pl.Int64, "pass_rate": pl.Float64,
                                    "masked": pl.Boolean})
    n_picks = (known.height + 1) // 2
    known = known.with_row_index("_rank").with_columns(
        selection=pl.when(pl.col("_rank") < n_picks).then(pl.lit("picks")).otherwise(pl.lit("others")))
    people = known.select("application_id", "selection", "passed").join(
        protected, on="application_id", how="left").with_columns(
        gender=pl.col("gender").replace_strict({"F": "female", "M": "male"}, default="unknown",
                                          return_dtype=pl.Utf8),
        age_band=hp.age_band(pl.col("hire_date"), pl.col("birth_year")).fill_null("unknown"))
    parts = []
    for dim in DIMENSIONS:
        parts.append(people.group_by(pl.col(dim).alias("group"), "selection").agg(
            hires=pl.len().cast(pl.Int64), passed=pl.col("passed").sum().cast(pl.Int64)).with_columns(
            dimension=pl.lit(dim)))
    order = {g: i for i, g in enumerate((*GENDERS, *(b for _, _, b in hp.AGE_BANDS)))}
    table = pl.concat(parts).with_columns(
        pass_rate=pl.col("passed") / pl.col("hires"), _o=pl.col("group").replace_strict(order, default=99),
        _s=pl.col("selection").replace_strict({s: i for i, s in enumerate(SELECTIONS)})).sort(
        "dimension", "_s", "_o").drop("_o", "_s").select("dimension", "group", "selection", "hires", "passed",
                                                         "pass_rate")
    return mask_table(table, viewer, "hires", ["passed", "pass_rate"], part=["dimension", "selection"])


def bias_wide(bias: pl.DataFrame) -> pl.DataFrame:
    """The bias check one row per group: hires and pass rate of the picks and of the others side by side."""
    if bias.is_empty():
        return pl.DataFrame(schema={"dimension": pl.Utf8, "group": pl.Utf8, "picks_hires": pl.Int64,
                                    "picks_pass_rate": pl.Float64, "others_hires": pl.Int64,
                                    "others_pass_rate": pl.Float64})
    frames = [bias.filter(pl.col("selection") == s).select("dimension", "group", pl.col("hires").alias(f"{s}_hires"),
                                                            pl.col("pass_rate").alias(f"{s}_pass_rate"))
              for s in SELECTIONS]
    keys = bias.select("dimension", "group").unique(maintain_order=True)
    for f in frames:
        keys = keys.join(f, on=["dimension", "group"], how="left", maintain_order="left")
    return keys


def _overall(scored: pl.DataFrame, viewer: Viewer) -> dict[str, object]:
    """Pass rate of the picks and of the others in the whole later cohort (blank below the threshold for
    aggregate viewers)."""
    known = scored.filter(pl.col("passed").is_not_null() & pl.col("fit_score").is_not_null()).sort(
        "fit_score", "application_id", descending=[True, False])
    n_picks = (known.height + 1) // 2
    out: dict[str, object] = {}
    for name, part in (("picks", known.head(n_picks)), ("others", known.slice(n_picks))):
        small = not viewer.person_level and part.height < viewer.suppression_threshold
        out[f"{name}_hires"] = None if small else part.height
        out[f"{name}_pass_rate"] = None if small or part.is_empty() else float(part["passed"].mean())
    return out


def success_profile(db: Database, viewer: Viewer, as_of: dt.date, role: str) -> dict[str, object]:
    """The success profile of ``role`` at ``as_of``: ``profile`` (:func:`_profile_table`), ``validation`` (per
    outcome: cutoff, counts, cohort dates, scores, strength; ``overall``: picks against others), ``bias`` (long,
    masked), ``open`` (open applications in scope by fit, person-level viewers only; else empty) and
    ``open_count``, ``reference`` levels and ``models`` (which outcome has a model)."""
    rows, protected = hp.load(db, COMPANY, as_of)
    if role not in set(rows["role_id"].drop_nulls().to_list()):
        return {"profile": pl.DataFrame(), "validation": {}, "bias": pl.DataFrame(), "open": pl.DataFrame(),
                "open_count": 0, "models": {}}
    # the bootstrap is the slow part and the same for every viewer: kept once per data version
    weights = db.derived("hiring_profile_weights", {"role": role, "as_of": as_of}, lambda: hp.weights_of(rows, role))
    result = hp.profile(rows, role, weights=weights)
    in_scope = db.query("hire_traits", start=hp_start(db), as_of=as_of, **viewer.sql_params())["application_id"]
    validation = dict(result["validation"])
    scored = validation.pop("scored").filter(pl.col("application_id").is_in(in_scope.implode()))
    validation["overall"] = _overall(scored, viewer)
    open_apps = result["open"].filter(pl.col("application_id").is_in(in_scope.implode()))
    listed = open_apps.select("application_id", "requisition_id", "org_unit_id", "channel", "applied_date",
                              "fit_score", "p_pass", "pred_attainment") if viewer.person_level else pl.DataFrame()
    return {"profile": _mask_profile(_profile_table(result), viewer), "validation": validation,
            "bias": _bias(scored, protected, viewer),
            "open": listed, "open_count": open_apps.height, "models": result["models"]}


def hp_start(db: Database) -> dt.date:
    from analytics.people.onboarding import history_start

    return history_start(db)


def _sd_text(trait: str, sd: float | None, lang: str) -> str:
    return t(f"profile.sd.{trait}", lang, v=fmt_number(sd, "decimal", lang))


def trait_label(trait: str, level: str | None, lang: str) -> str:
    """An input in words: "Sales aptitude test", "Education: master", "Channel: referral"."""
    name = t(f"profile.trait.{trait}", lang)
    if level is None:
        return name
    value = code_label("hire_source", level, lang) if trait == "hire_source" else t(f"profile.education.{level}",
                                                                                     lang)
    return t("profile.trait_level", lang, trait=name, level=value)


def effect_text(row: dict[str, object], lang: str) -> str:
    """The effect as a number: "1.8×" (odds) or "+5.1%" (attainment points)."""
    value = row["effect"]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if row["outcome"] == "passed":
        return t("profile.times", lang, v=f"{value:.2f}")
    return ("+" if value >= 0 else "") + fmt_number(value, "ratio", lang)


def interval_text(row: dict[str, object], lang: str) -> str:
    """The 95% interval: "1.3×–2.6×" or "+1.0%–+9.2%"."""
    low, high = row["effect_low"], row["effect_high"]
    if low is None or high is None or any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return "—"
    return t("profile.interval", lang, low=effect_text({**row, "effect": low}, lang),
             high=effect_text({**row, "effect": high}, lang))


def effect_words(row: dict[str, object], lang: str) -> str:
    """The row in plain words: "+1 SD on the sales aptitude test (11 points): 1.8× the odds of passing probation"."""
    trait, level = str(row["trait"]), row["level"]
    effect = effect_text(row, lang)
    if effect == "—":  # masked for an aggregate viewer, or not estimable
        return effect
    kind = "pass" if row["outcome"] == "passed" else "att"
    if level is not None:
        reference = code_label("hire_source", row["reference"], lang) if trait == "hire_source" else \
            t(f"profile.education.{row['reference']}", lang)
        return t(f"profile.words.{kind}_level", lang, trait=trait_label(trait, level, lang), effect=effect,
                 reference=reference)
    if trait in hp.BINARY:
        return t(f"profile.words.{kind}_binary", lang, trait=trait_label(trait, None, lang), effect=effect)
    return t(f"profile.words.{kind}_numeric", lang, trait=trait_label(trait, None, lang), effect=effect,
             sd=_sd_text(trait, row["sd"], lang))


def validation_text(outcome: str, v: dict[str, object], lang: str) -> str:
    """One outcome's out-of-time check in words: the cohorts, the scores with their interval, and the verdict."""
    dates = {k: fmt_date(v.get(k), lang) for k in ("train_first_hire", "train_last_hire", "test_first_hire",
                                                    "test_last_hire")}
    cohorts = {"n_train": fmt_number(v.get("n_train", 0), "count", lang),
               "n_test": fmt_number(v.get("n_test", 0), "count", lang), "first": dates["train_first_hire"],
               "last": dates["train_last_hire"], "test_first": dates["test_first_hire"],
               "test_last": dates["test_last_hire"]}

    def score(key: str) -> str:
        return fmt_number(v.get(key), "score", lang)

    if outcome == "passed" and v.get("roc_auc") is not None:
        text = t("profile.val_passed", lang, **cohorts, auc=score("roc_auc"), auc_low=score("roc_auc_low"),
                 auc_high=score("roc_auc_high"), brier=score("brier_model"), brier_base=score("brier_baseline"),
                 rate=fmt_number(v.get("pass_rate"), "ratio", lang))
    elif outcome == "attainment" and v.get("spearman") is not None:
        text = t("profile.val_attainment", lang, **cohorts, rho=score("spearman"), rho_low=score("spearman_low"),
                 rho_high=score("spearman_high"), r2=score("r2"))
    else:
        text = t("profile.val_missing", lang, outcome=t(f"profile.outcome.{outcome}", lang),
                 n_train=cohorts["n_train"], n_test=cohorts["n_test"])
    key = "roc_auc" if outcome == "passed" else "spearman"
    if v.get(key) is not None and v.get(f"{key}_channel") is not None:  # against the hiring channel alone
        text += ("" if lang == "zh" else " ") + t(f"profile.val_channel_{outcome}", lang,
                                                  base=score(f"{key}_channel"), gain=score(f"{key}_gain_low"),
                                                  gain_high=score(f"{key}_gain_high"))
    return text + ("" if lang == "zh" else " ") + t(f"profile.strength.{v.get('strength', 'too_few')}", lang)
