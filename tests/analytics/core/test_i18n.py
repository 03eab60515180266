"""Both catalogues complete; every key the app uses exists; no key goes unused; no visible string outside t().

The strings live in analytics/core/locales/{en,zh}.toml. Keys reach ``t()`` three ways, and the scan below
sees all three in app.py, pages/, ui/ and every module under analytics/:

- literally: ``t("overview.title")``, ``ctx.t('col.denominator')``, ``t("a" if x else "b")``;
- through a helper that passes its own argument on (``page(path, "nav.overview", ...)`` in app.py);
- built at run time (``t(f"grain.{g}")``): every such family is listed in ``families()`` with where it is
  built and the values it can take, and the scan fails on a family that is not listed there.
"""
import ast
import datetime as dt
import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from analytics.core.i18n import (
    CATALOGUE,
    LANGS,
    _flatten,
    code_label,
    fmt_count,
    fmt_date,
    fmt_number,
    fmt_value,
    load_catalogue,
    t,
)

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
           *sorted((ROOT / "analytics").rglob("*.py"))]
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
KEYS = set(CATALOGUE["en"])

# Functions that hand a key they were given on to t(): (file, function) → position of the key among the
# arguments of its callers (scanned in the same file), or None when the key is built inside (a family).
PASS_THROUGH = {
    ("app.py", "main.page"): 1,                     # main() defines page(path, "nav.overview", icon, slug)
    ("ui/context.py", "Context.t"): None,           # ctx.t(key, ...): its calls are scanned as t() calls
    ("analytics/core/i18n.py", "code_label"): None,  # code.<kind>.<code>, the "code.{}.{}" family
}


# ── the scanner ─────────────────────────────────────────────────────────
def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _pattern(node: ast.JoinedStr) -> str:
    """``f"risk.{score}_help"`` → ``"risk.{}_help"``."""
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def _literals(node: ast.expr) -> list[str] | None:
    """The key(s) an argument names literally ("a", or "a" if x else "b"); None when it is built."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    """Every call with the qualified name of the function it sits in ("" at module level)."""
    def walk(node: ast.AST, where: str) -> Iterator[tuple[str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from walk(child, f"{where}.{child.name}" if where else child.name)
            else:
                if isinstance(child, ast.Call):
                    yield where, child
                yield from walk(child, where)
    yield from walk(tree, "")


def scan(sources: dict[str, str]) -> dict[str, dict]:
    """What the code does with keys. ``sources`` maps a path relative to the root to its text.

    literal: key → files; family: pattern → files; passed: (file, function) of the t() calls whose key
    is a variable; code_kinds: first arguments of code_label(); args: PASS_THROUGH helper → the keys its
    callers in the same file give it (None for one that is not a literal).
    """
    found: dict[str, dict] = {"literal": {}, "family": {}, "passed": set(), "code_kinds": set(), "args": {}}
    for rel, text in sources.items():
        tree = ast.parse(text)
        calls = list(_calls(tree))
        for where, call in calls:
            name = _name(call.func)
            if name == "t" and call.args:
                key = call.args[0]
                if (keys := _literals(key)) is not None:
                    for k in keys:
                        found["literal"].setdefault(k, set()).add(rel)
                elif isinstance(key, ast.JoinedStr):
                    found["family"].setdefault(_pattern(key), set()).add(rel)
                else:
                    found["passed"].add((rel, where))
            elif name == "code_label" and call.args:
                kind = _literals(call.args[0])
                found["code_kinds"].update(kind if kind is not None else [f"<built kind in {rel}>"])
        for (file, function), position in PASS_THROUGH.items():
            if file != rel or position is None:
                continue
            for _, call in calls:
                if _name(call.func) == function.rpartition(".")[2] and len(call.args) > position:
                    keys = _literals(call.args[position])
                    found["args"].setdefault(function, []).extend(keys if keys is not None else [None])
    return found


@cache
def _sources() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in SOURCES}


@cache
def _all_calls() -> list[ast.Call]:
    return [call for text in _sources().values() for _, call in _calls(ast.parse(text))]


@pytest.fixture(scope="module")
def found() -> dict[str, dict]:
    return scan(_sources())


def _literal_list_args(function: str) -> set[str]:
    """The strings in the literal arguments of every ``function(...)`` call in the code (lists included)."""
    return {node.value for call in _all_calls() if _name(call.func) == function for arg in call.args
            for node in ast.walk(arg) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


# ── the run-time families: where each is built and the values it can take ──
@cache
def families() -> dict[str, set[tuple[str, ...]]]:
    from typing import get_args

    from analytics.alerts import inbox_report as alert_inbox
    from analytics.alerts import rules as alert_rules
    from analytics.alerts import store as alert_store
    from analytics.alerts import texts as alert_texts
    from analytics.core import custom_metrics, usage_log
    from analytics.core.auth import ROLES
    from analytics.core.metric import DIRECTIONS, Unit
    from analytics.core.page_catalogue import PAGES
    from analytics.core.registry import DOMAINS, REGISTRY
    from analytics.people import (
        archive_report,
        care,
        development,
        hiring_profile,
        hiring_profile_report,
        hiring_report,
        improvement_report,
        recruiting,
        risk,
        skills,
        talent,
    )
    from analytics.people.attrition_report import BREAKDOWNS, CURVE_GROUPS, HEADLINE_ROWS
    from analytics.reviews import goals, packs
    from analytics.reviews.store import STATUSES
    from analytics.sales import joint_whatif, leads, leads_report, scorecard
    from analytics.sales.quota_report import RAMP_SPLITS
    from analytics.sources.demo import vocabulary as demo
    from analytics.sources.ingest import flat_hr, importable_tables
    from analytics.sources.ingest.values import DEFAULT_VALUE_MAPS
    from analytics.sources.sync_rounds import OUTCOMES as SYNC_OUTCOMES
    from analytics.sources.sync_rounds import PROBLEMS as SYNC_PROBLEMS
    from ui import company_metrics
    from ui.cached import REPORTS
    from ui.context import GRAINS, MEETING_GRAINS

    assert {m.domain for m in REGISTRY.values()} <= set(DOMAINS)
    flags = ("mentored", "in_probation", "under70_twice")
    assert set(flags) <= set(risk.FEATURES)
    scores = ("roc_auc", "pr_auc", "brier")
    stages = set(scorecard.load_config().weights)
    assert set(next(iter(scorecard.load_config().weights.values()))) <= set(scorecard.COMPONENTS)

    def mapped(column: str, *base: str) -> set[str]:
        return set(base) | {v for v in DEFAULT_VALUE_MAPS[column].values() if v is not None}

    codes = {
        "exit_type": mapped("employees.exit_type", *demo.EXIT_TYPES),
        "exit_reason": mapped("employees.exit_reason", *demo.EXIT_REASONS),
        "hire_source": mapped("hire_source", *demo.SOURCES),
        "feature": set(risk.FEATURES),
        # ui/widgets.py display_frame: code columns of the tables, and the admin and goals pages
        "risk_kind": {"exit", "high_risk", "plan", "opening"},
        "ramp_basis": {"measured", "mentored"},
        "account_status": {"no_owner", "left", "leaving", "high_risk"},
        "readiness": {"ready_now", "ready_later", "not_yet"},
        "criterion": set(talent.CRITERIA),
        "industry": set(demo.INDUSTRIES),
        "move_reason": {"r_repeat", "r_retention_skill", "h_new", "h_prospecting_skill", "cs_results", "k_share",
                        "k_skill", "k_results"},
        "goal_level": {"strategy", "sales", "hr"},
        "lead_source": set(leads.SOURCES),  # shaping.labels: lead_conversion by source
        "goal_status": set(goals.STATUSES),
        "onboarding_factor": {"mentored", "plan_done"},
        "training_group": {"all", "left"},
        "metric_unit": set(get_args(Unit)),
        "owner": {*ROLES, "ka_lead", "recruiting_lead", *development.OWNERS},
        "table": set(importable_tables()),
        "audit_action": {"demo", "login", "login_failed", "login_throttled", "user_add", "user_disable", "user_enable",
                         "user_password", "user_roles", "roles_file", "export", "import", "view_pay", "review_save",
                         "review_refreeze", "meeting_open", "action_item_add", "action_item_update", "goal_update",
                         "goal_delete", "demo_mode_end", "restore", "upload", "development_item_add",
                         "development_item_update", "career_aim_set", "improvement_plan_open",
                         "improvement_plan_close", "improvement_plan_review", "care_action", "alerts_evaluated",
                         "alert_acknowledged", "alert_action", "alert_resolved", "alert_request", "alert_sent",
                         "alert_send_failed", "alert_channel_test", "alert_requeued", "alert_rules_saved", "sync",
                         "custom_metric_saved", "custom_metric_deleted", "custom_metric_replaced", "page_view",
                         "feedback_add", "feedback_handled", "feedback_reopened"},
    }
    one = lambda values: {(v,) for v in values}  # noqa: E731
    return {
        # ui/context.py render_sidebar: the period-type picker
        "grain.{}": one(GRAINS),
        "sidebar.meeting_{}": one(MEETING_GRAINS),
        "computing.{}": one({name.split(".")[0] for name in REPORTS}),  # ui/cached.py report()
        # analytics/reviews: ReviewError(key, ...) and the refusals passed to store._refuse
        "review_error.{}": one(_review_error_keys()),
        # pages/attrition.py: one caption per row of headline cards (attrition_report.HEADLINE_ROWS)
        "attrition.row_{}": one(HEADLINE_ROWS),
        # analytics/metrics/figure.py basis_label: the period grains, then the other bases of shaping.basis
        "basis.period_{}": one(("month", "quarter", "fiscal_year", "range")),
        "basis.{}": one(("annualised", "ttm", "cohort")),
        # analytics/metrics/figure.py flags_text: the qualifiers of a figure
        "figure.{}": one(("small_base", "maturing", "partial")),
        # pages/glossary.py: the domain filter and each metric's domain
        "domain.{}": one(DOMAINS),
        # pages/attrition.py: breakdown and retention-curve pickers
        "dim.{}": one({*BREAKDOWNS, *CURVE_GROUPS}),
        # pages/attrition.py: the exit-event radio, ["any", "voluntary"] (attrition_report.retention's event)
        "attrition.{}": one(("any", "voluntary")),
        # pages/hiring.py: funnel stages, analytics/people/recruiting.py STAGES
        "hiring.stage.{}": one(s for s, _ in recruiting.STAGES),
        # pages/incentives.py: the four statement totals
        "incentives.total.{}": one(("lines", "bonus", "cap", "payout")),
        # pages/joint_plan.py: the measures side by side, the cap and peer-reference radios, the assumption
        "joint.m.{}": one(joint_whatif.MEASURES),
        "joint.cap_{}": one(("scale", "remove")),
        "joint.peers_{}": one(joint_whatif.PEER_REFERENCES),
        "joint.assume.peers_{}": one(joint_whatif.PEER_REFERENCES),
        # pages/quota.py: the Leads section's breakdowns (analytics/sales/leads_report.py BREAKDOWNS)
        "lead.by_{}": one(leads_report.BREAKDOWNS),
        # pages/quota.py: the ramp split radio
        "quota.ramp.{}": one(RAMP_SPLITS),
        # pages/risk.py: back-test score cards and their help
        "risk.{}": one(scores),
        "risk.{}_help": one(scores),
        # analytics/people/risk_report.py describe_driver: yes/no flags
        "risk.flag.{}.{}": {(f, yn) for f in flags for yn in ("yes", "no")},
        # pages/scorecard.py: stages of data/scorecard.toml, and "all" in the stage filter
        "scorecard.stage.{}": one(stages | {"all"}),
        # pages/scorecard.py: the weights table, analytics/sales/scorecard.py COMPONENTS
        "scorecard.c.{}": one(scorecard.COMPONENTS),
        # pages/talent.py: a person's tier, analytics/people/skills.py TIERS
        "talent.tier.{}": one(skills.TIERS),
        # analytics/charts/figures.py nine_box: performance and potential bands
        "talent.perf.{}": one({*talent.PERFORMANCE_BANDS, *talent.POTENTIAL_BANDS}),
        # ui/review_view.py review_page(kind): kinds of the review_page("...") calls in pages/
        "review.{}.title": one(_literal_list_args("review_page")),
        "review.{}.caption": one(_literal_list_args("review_page")),
        # ui/review_view.py: one download button per pack format
        "review.pack_{}": one(packs.PACK_FORMATS),
        # ui/review_view.py: action-item status picker and table (and the person page's plan items)
        "review.status.{}": one(STATUSES),
        # pages/person.py: what changed between two assignments, and the plan's refusals
        "person.change.{}": one(archive_report.CHANGES),
        "person.plan.error.{}": one(development.ERRORS),
        "person.measure.{}": one(flat_hr.MEASURES),
        # pages/plans.py: causes, actions, the summary tables' first column and the refusals
        "plans.cause.{}": one(improvement_report.CAUSES),
        "plans.action.{}": one(improvement_report.ACTIONS),
        "plans.by_{}": one(("cause", "action")),
        "plans.error.{}": one(improvement_report.ERRORS),
        "plans.outcome.{}": one(improvement_report.OUTCOMES),
        # pages/care.py and the person page: the rules of data/care.toml, their sources and tests, what was done
        "care.rule.{}": one(r.id for r in care.load_rules()),
        "care.source.{}": one(care.SOURCES),
        "care.test.{}": one(care.TESTS),
        "care.value.{}": one((*care.MONTHLY, "engagement")),
        "care.action.{}": one(care.ACTIONS),
        "care.error.{}": one(care.ERRORS),
        # analytics/alerts/texts.py and pages/inbox.py: the shipped rules, severities, the words of each alert
        "alerts.rule.{}": one(alert_texts.SHIPPED),
        "alerts.severity.{}": one(alert_rules.SEVERITIES),
        "alerts.why.{}": one(("ka_owner", "top_attainment")),
        "alerts.owner_status.{}": one(("left", "leaving", "no_owner", "high_risk")),
        "alerts.request_kind.{}": one(alert_store.REQUEST_KINDS),
        "alerts.say.key_person.{}": one(alert_rules.DETAILS),
        "alerts.say.ka.{}": one(alert_rules.DETAILS),
        "alerts.say.coach.{}": one(alert_rules.DETAILS),
        "alerts.say.care.{}": one(alert_rules.DETAILS),
        "inbox.which.{}": one(("open", "closed", "all")),
        "inbox.states.{}": one(alert_inbox.STATES),
        "inbox.error.{}": one(alert_store.ERRORS),
        "alerts_admin.condition.{}": one(alert_rules.CONDITIONS),
        "alerts_admin.kinds.{}": one(("wecom", "dingtalk", "feishu", "slack", "email")),
        "alerts_admin.details.{}": one(alert_rules.DETAILS),
        # pages/hiring.py success profile, analytics/people/hiring_profile_report.py: outcomes, directions, the
        # validation's verdicts, traits and their levels, the words of an effect, the bias check's groups
        "profile.outcome.{}": one(hiring_profile.OUTCOMES),
        "profile.val_channel_{}": one(hiring_profile.OUTCOMES),
        "profile.direction.{}": one(("up", "down", "unclear", "few")),
        "profile.strength.{}": one(hiring_profile_report.STRENGTHS),
        "profile.trait.{}": one(hiring_profile.FEATURES),
        "profile.education.{}": one(hiring_profile.CATEGORICAL["education"]),
        "profile.sd.{}": one(hiring_profile.NUMERIC),
        "profile.words.{}_numeric": one(("pass", "att")),
        "profile.words.{}_binary": one(("pass", "att")),
        "profile.words.{}_level": one(("pass", "att")),
        "profile.col.{}": one(("outcome", "trait", "effect", "interval", "direction", "with_trait", "words")),
        "profile.dimension.{}": one(hiring_profile_report.DIMENSIONS),
        "profile.group.{}": one((*hiring_profile_report.GENDERS, *(b for _, _, b in hiring_profile.AGE_BANDS))),
        # ui/sync_panel.py: a sync round's outcome (in the status and the table, and after "Sync now"), and the
        # setting that is wrong (analytics/sources/sync_rounds.py OUTCOMES, PROBLEMS)
        "sync.outcome.{}": one(SYNC_OUTCOMES),
        "sync.done.{}": one(SYNC_OUTCOMES),
        "sync.bad.{}": one(SYNC_PROBLEMS),
        # ui/widgets.py exclusion_note: rules of sql/queries/data_exclusions.sql named by the pages
        "exclusion.{}": one(_exclusion_rules()),
        # analytics/core/custom_metrics.py CustomMetricError.text, and ui/company_metrics.py: why a metric file is
        # refused, and the form's direction and grouping pickers
        "custom.error.{}": one(custom_metrics.ERRORS),
        "custom.direction.{}": one(DIRECTIONS),
        "custom.by.{}": one(custom_metrics.GROUPINGS),
        "custom.f.{}_{}": {(part, lang) for part in company_metrics.TEXT_PARTS for lang in LANGS},
        # analytics/reviews/usage_report.py page_name, pages/usage.py: a page's menu name, a feedback note's status
        "nav.{}": one(p.nav_key.removeprefix("nav.") for p in PAGES),
        "usage.status.{}": one(usage_log.STATUSES),
        # analytics/core/i18n.py code_label(kind, code): codes of the demo company and of the import value maps
        "code.{}.{}": {(kind, c) for kind, values in codes.items() for c in values},
        # analytics/people/hiring_report.py excluded_text: why recruiting rows are left out
        "exclusion_reason.{}": one(hiring_report.reason_slug(r) for r in hiring_report.EXCLUSION_REASONS),
        # analytics/core/i18n.py fmt_count(n, noun): the nouns of its callers ("{n} rep|{n} reps" in English)
        "count.{}": one(a for a in _literal_list_args("fmt_count") if a not in LANGS),
        # ui/widgets.py table(): col.<column> for each column shown; the lookup is guarded (a column without
        # an entry keeps its name), so it is checked the other way: see _used_columns()
        "col.{}": set(),
    }


def _exclusion_rules() -> set[str]:
    sql = (ROOT / "sql" / "queries" / "data_exclusions.sql").read_text(encoding="utf-8")
    rules = set(re.findall(r"select\s+'([a-z0-9_]+)'", sql))
    assert rules, "no rule found in data_exclusions.sql"
    named = _literal_list_args("exclusion_note")
    assert named <= rules, named - rules
    return rules


def _used_columns() -> set[str]:
    """col.<name> keys whose column name occurs somewhere in the code or the SQL (a name that occurs
    nowhere cannot be a column of a table the app shows)."""
    texts = [*_sources().values(),
             *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sql").rglob("*.sql")))]
    tokens = {w for text in texts for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    return {k for k in KEYS if k.startswith("col.") and k[4:] in tokens}


def _expand(pattern: str, values: set[tuple[str, ...]]) -> set[str]:
    return {pattern.format(*v) for v in values}


# ── the catalogues ──────────────────────────────────────────────────────
def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_catalogues_have_the_same_keys_and_no_empty_strings():
    assert set(CATALOGUE["en"]) == set(CATALOGUE["zh"])
    for lang, cat in CATALOGUE.items():
        assert all(v.strip() for v in cat.values()), lang


def test_both_languages_have_the_same_placeholders():
    differ = {k: (_placeholders(CATALOGUE["en"][k]), _placeholders(CATALOGUE["zh"][k])) for k in KEYS
              if _placeholders(CATALOGUE["en"][k]) != _placeholders(CATALOGUE["zh"][k])}
    assert differ == {}
    broken = []
    for lang, cat in CATALOGUE.items():  # every text formats with its own named fields (no stray brace, no {})
        for key, text in cat.items():
            try:
                text.format(**dict.fromkeys(_placeholders(text), "x"))
            except (ValueError, IndexError, KeyError) as exc:
                broken.append((lang, key, repr(exc)))
    assert broken == []


def test_catalogue_is_the_locale_files():
    assert set(CATALOGUE) == set(LANGS)
    for lang in LANGS:
        assert CATALOGUE[lang] == load_catalogue(lang)
    assert all(isinstance(k, str) and re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", k) for k in KEYS)


def test_flatten_joins_tables_and_quoted_keys_and_refuses_twice():
    assert _flatten({"quota": {"ramp": "R", "ramp.role": "Role", "by": {"x": "X"}}}) == {
        "quota.ramp": "R", "quota.ramp.role": "Role", "quota.by.x": "X"}
    with pytest.raises(ValueError, match="defined twice"):
        _flatten({"a": {"b.c": "1", "b": {"c": "2"}}})
    with pytest.raises(ValueError, match="not a string"):
        _flatten({"a": {"b": 1}})


# ── keys used in code ───────────────────────────────────────────────────
def test_every_key_used_in_code_exists(found):
    used = {k for path in SOURCES for k in KEY_CALL.findall(path.read_text(encoding="utf-8"))}
    assert used, "the scan found no keys: the pattern is wrong"
    missing = used - KEYS
    assert not missing, missing
    missing = {k: files for k, files in found["literal"].items() if k not in KEYS}
    assert missing == {}
    passed = {k for keys in found["args"].values() for k in keys}
    assert None not in passed, "a helper that passes its key on was called with a built key"
    assert passed - KEYS == set()


def test_every_key_passed_through_a_variable_is_accounted_for(found):
    assert found["passed"] == set(PASS_THROUGH)


def test_every_run_time_family_is_listed(found):
    assert set(found["family"]) == set(families()) - {"code.{}.{}"}, \
        "list the new key family in families() with the values it can take"
    assert found["code_kinds"] == {kind for kind, _ in families()["code.{}.{}"]}


def test_every_key_of_a_run_time_family_exists():
    missing = {pattern: sorted(_expand(pattern, values) - KEYS) for pattern, values in families().items()}
    missing = {p: m for p, m in missing.items() if m}
    assert not missing, f"keys a run-time family can build but the catalogue lacks: {missing}"


def test_no_key_is_unused(found):
    used = set(found["literal"]) | {k for keys in found["args"].values() for k in keys}
    used |= {k for pattern, values in families().items() for k in _expand(pattern, values)}
    used |= _used_columns()
    unused = sorted(KEYS - used)
    assert not unused, f"unused: delete them from both locale files, or list the family that builds them: {unused}"


# ── the scanner can fail ────────────────────────────────────────────────
def test_the_scan_finds_known_keys(found):
    assert "pages/overview.py" in found["literal"]["overview.title"]
    assert "ui/context.py" in found["family"]["grain.{}"]
    assert "nav.overview" in found["args"]["main.page"]
    assert {"group.none", "group.unplaced"} <= set(found["literal"])  # t("a" if ... else "b")
    assert found["code_kinds"] >= {"exit_reason", "hire_source"}


def test_the_scan_reads_each_kind_of_call():
    src = ('ctx.t("a.b")\nt(f"c.{x}_d", lang)\nt("e.f" if y else "g.h")\ndef g(k):\n    return t(k)\n'
           'code_label("exit_type", c)\n')
    got = scan({"x.py": src})
    assert set(got["literal"]) == {"a.b", "e.f", "g.h"}
    assert set(got["family"]) == {"c.{}_d"}
    assert got["passed"] == {("x.py", "g")}
    assert got["code_kinds"] == {"exit_type"}


def test_an_unknown_key_shows_and_does_not_crash():
    for lang in ("en", "zh", "fr"):
        assert t("no.such.key", lang) == "⟦no.such.key⟧"
        assert t("no.such.key", lang, n=1) == "⟦no.such.key⟧"
    assert code_label("exit_reason", "no_such_code", "zh") == "no_such_code"
    assert code_label("exit_reason", None, "zh") == t("group.none", "zh")


# ── visible strings and formatting ──────────────────────────────────────
def test_chinese_strings_are_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    same_everywhere = {"risk.roc_auc", "risk.pr_auc", "incentives.gain"}  # technical names used as is in Chinese
    untranslated = [k for k, v in CATALOGUE["zh"].items()
                    if not cjk.search(v) and v == CATALOGUE["en"][k] and k not in same_everywhere]
    assert untranslated == []


def test_pages_have_no_bare_visible_strings():
    calls = re.compile(r"\bst\.(title|header|subheader|caption|markdown|info|warning|error|write)\(\s*[\"']")
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        assert not calls.search(path.read_text(encoding="utf-8")), path


def test_formatting_per_language():
    assert fmt_number(0.3456, "ratio") == "34.6%"
    assert fmt_number(1_234_567, "currency", "en") == "¥1.23M"
    assert fmt_number(1_234_567, "currency", "zh") == "¥123.5万"
    assert fmt_number(None, "count") == "—"
    assert fmt_number(float("nan"), "ratio") == "—"
    assert fmt_number(37_500_000, "currency", "zh") == "¥3,750万"  # not ¥3,750.0万
    assert fmt_number(38_000_000, "currency", "zh") == "¥3,800万"
    assert fmt_number(123_000_000, "currency", "zh") == "¥1.23亿"
    assert fmt_number(120_000, "currency", "zh") == "¥12万"
    assert fmt_number(375_000, "currency", "en") == "¥375k"
    assert fmt_number(8_500, "currency", "zh") == "¥8,500"
    assert fmt_number(-26_981.69, "currency", "en") == "-¥27k"
    assert fmt_number(12, "days", "en") == "12 days" and fmt_number(1, "days", "en") == "1 day"
    assert fmt_number(12.5, "days", "zh") == "12.5天" and fmt_number(3.5, "months", "zh") == "3.5个月"
    assert fmt_number(1, "months", "en") == "1 month" and fmt_number(0.2, "months", "en") == "0.2 months"
    assert fmt_number(0.8788, "score") == "0.88"
    assert fmt_count(1, "requisition") == "1 requisition" and fmt_count(2, "requisition") == "2 requisitions"
    assert fmt_count(1, "person") == "1 person" and fmt_count(3, "person", "zh") == "3人"
    assert t("exclusion.orders_without_rep", n="1") == "1 order without a rep"
    assert t("exclusion.orders_without_rep", n="1,204") == "1,204 orders without a rep"
    zh = CATALOGUE["zh"]["exclusion.orders_without_rep"]
    assert "|" not in zh and t("exclusion.orders_without_rep", "zh", n="1") == zh.format(n="1")
    assert fmt_date(dt.datetime(2026, 9, 4)) == "04 Sep 2026" and fmt_date(dt.date(2026, 9, 4), "zh") == "2026年9月4日"
    assert fmt_value(dt.datetime(2026, 9, 4), "zh") == "2026年9月4日" and fmt_value(None) == "—"
    assert fmt_value(0.8788) == "0.88" and fmt_value(True, "zh") == "是" and fmt_value(26981.69) == "26,981.69"
    assert t("period.partial", "zh", label="2025-Q4") == "2025-Q4（不完整）"
    assert t("no.such.key") == "⟦no.such.key⟧"


def test_every_audit_action_written_in_code_has_a_label():
    """The admin page's audit log names each action in the page's language: an action written literally in
    code (``db.audit(cur, actor, "import", ...)``) without a label would show raw."""
    root = Path(__file__).resolve().parents[3]
    written = set()
    for folder in ("analytics", "ui", "pages"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            written |= set(re.findall(r"\.audit\(\w+, [^,]+, \"([a-z_]+)\"", text))
            # an action passed on (load_batch(…, action="sync"), its default action: str = "import")
            passed_on = [line for line in text.splitlines() if "add_argument" not in line]  # not argparse's
            written |= set(re.findall(r"\baction(?:: str)? ?= ?\"([a-z_]+)\"", "\n".join(passed_on)))
    assert written >= {"import", "export", "upload", "restore"}, written  # the scan finds them
    labelled = {code for kind, code in families()["code.{}.{}"] if kind == "audit_action"}
    assert written - labelled == set()


def _review_error_keys() -> set[str]:
    """The keys ReviewError is raised with in analytics/reviews (literal first arguments, and _refuse's)."""
    import re

    folder = Path(__file__).resolve().parents[3] / "analytics" / "reviews"
    text = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    keys = set(re.findall(r'ReviewError\("([a-z_]+)"', text)) | set(re.findall(r'_refuse\([^)]*"([a-z_]+)"\)', text))
    assert len(keys) >= 15, keys
    return keys


def test_review_errors_read_in_the_page_language():
    from analytics.reviews.model import ReviewError

    error = ReviewError("one_period", grain="quarter", period="2025-11", example="2025-Q3")
    assert str(error) == "A review of this kind covers one quarter, not 2025-11; give e.g. 2025-Q3."
    assert error.text("zh") == "此类会议只覆盖一个季度，不能是 2025-11；例如 2025-Q3。"
    for key in _review_error_keys():
        assert "⟦" not in t(f"review_error.{key}", "zh") and not re.search(r"[A-Za-z]{4,}", re.sub(
            r"\{[a-z_]+\}|YYYY-MM-DD|monthly|quarterly", "", t(f"review_error.{key}", "zh"))), key
