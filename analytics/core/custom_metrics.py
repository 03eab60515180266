"""Metrics of the company's own: one TOML file per metric in ``metrics/`` (``TANDEM_METRICS_DIR``), checked on load.

A file names the metric (id, both names and definitions, unit, direction, numerator and denominator for a rate, the
groupings it offers, an optional minimum base) and holds one SELECT over the facts (``custom_sql``). Loading checks
every key and the SQL, and :func:`check_on` runs each metric once on the database in use (a read-only transaction,
under a time limit); a file that fails either is *refused* with one sentence naming the file, the key and what was
expected, in either language (``CustomMetricError.text``), and the other metrics load. The registry
(``analytics.core.registry``) lists the metrics that passed beside the built-in ones; docs/custom_metrics.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import threading
import time
import tomllib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import tomli_w

from analytics.core import custom_sql
from analytics.core.db import Database
from analytics.core.i18n import code_label, t
from analytics.core.metric import DIRECTIONS, DOMAINS, Metric
from analytics.core.periods import add_months, month_end, trailing_months
from analytics.core.settings import PROJECT_ROOT
from analytics.core.sql_files import bind

DEFAULT_DIR = PROJECT_ROOT / "metrics"
UNITS = ("count", "ratio", "currency", "days", "score")
GROUPINGS = ("region", "team", "org_unit", "role", "rep")   # besides month, which every metric offers
PERSON_GROUPINGS = ("role", "rep")                          # need rows per person
REQUIRED = ("id", "domain", "name_en", "name_zh", "formula_en", "formula_zh", "unit", "direction", "sql")
OPTIONAL = ("numerator_en", "numerator_zh", "denominator_en", "denominator_zh", "groupings", "min_base")
TRIAL_SECONDS = 20       # the trial run on load
RUN_SECONDS = 120        # any later run (a quarter of the large company takes well under a second)
ERRORS = ("toml", "unknown_keys", "missing", "not_text", "id", "file_name", "builtin", "exists", "choice",
          "language_zh", "language_en", "ratio_parts", "groupings", "groupings_person", "min_base", "sql_parse",
          "sql_statements", "sql_kind", "sql_function", "sql_table", "sql_table_function", "sql_qualified", "sql_with",
          "sql_cte_name", "sql_parameter", "sql_column", "sql_whole_row", "sql_star", "sql_keys", "sql_columns",
          "sql_type_text", "sql_type_integer", "sql_type_number", "sql_type_date", "trial", "timeout", "unknown")
_ID = re.compile(r"[a-z][a-z0-9_]{2,47}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class CustomMetricError(ValueError):
    """A metric file (or form) refused: ``key`` names the rule (``custom.error.<key>``), ``file`` the file."""

    def __init__(self, key: str, file: str, /, **params: object) -> None:
        self.key, self.file = key, file
        self.params = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v) for k, v in params.items()}
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (a unit named in that language)."""
        params = {**self.params, **({"unit": code_label("metric_unit", self.params["unit"], lang)}
                                    if "unit" in self.params else {})}
        return t(f"custom.error.{self.key}", lang, file=self.file, **params)


@dataclass(frozen=True)
class CustomMetric:
    """A checked metric file: the registry entry, its SQL as checked, the groupings it offers."""
    metric: Metric
    sql: str
    checked: custom_sql.Checked
    groupings: tuple[str, ...]
    min_base: int | None
    file: str
    digest: str                 # sha256 of the file's text: results and trials key on it

    @property
    def id(self) -> str:
        return self.metric.id

    @property
    def scoped_sql(self) -> str:
        return custom_sql.scoped(self.checked)


@dataclass(frozen=True)
class Catalogue:
    metrics: dict[str, CustomMetric] = field(default_factory=dict)
    refused: dict[str, CustomMetricError] = field(default_factory=dict)   # file name → why


def metrics_dir() -> Path:
    """The folder of metric files: ``TANDEM_METRICS_DIR``, else ``metrics/`` in the repository."""
    configured = os.environ.get("TANDEM_METRICS_DIR", "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DIR


# ── one file ─────────────────────────────────────────────────────────────
def parse(raw: Mapping[str, object], file: str, builtin: Collection[str], digest: str = "") -> CustomMetric:
    """A metric from a file's keys (``file`` names it in errors); :class:`CustomMetricError` on the first fault."""
    def fail(rule: str, /, **params: object) -> CustomMetricError:
        return CustomMetricError(rule, file, **params)

    if extra := sorted(set(raw) - set(REQUIRED) - set(OPTIONAL)):
        raise fail("unknown_keys", keys=", ".join(extra), expected=", ".join((*REQUIRED, *OPTIONAL)))
    for key in REQUIRED:
        if raw.get(key) in (None, ""):
            raise fail("missing", field=key, expected=", ".join(REQUIRED))
    texts = [k for k in (*REQUIRED, *OPTIONAL[:4]) if k in raw]
    for key in texts:
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail("not_text", field=key)
    data = {k: raw[k].strip() for k in texts}
    mid = data["id"]
    if not _ID.fullmatch(mid) or mid.endswith(("_ttm", "_annualised")):  # suffixes that name a basis
        raise fail("id", value=mid)
    if file.endswith(".toml") and file != f"{mid}.toml":
        raise fail("file_name", expected=f"{mid}.toml")
    if mid in builtin:
        raise fail("builtin", value=mid)
    for key, options in (("domain", DOMAINS), ("unit", UNITS), ("direction", DIRECTIONS)):
        if data[key] not in options:
            raise fail("choice", field=key, value=data[key], expected=", ".join(options))
    for key in texts:
        if key.endswith("_zh") and not _CJK.search(data[key]):
            raise fail("language_zh", field=key)
        if key.endswith("_en") and _CJK.search(data[key]):
            raise fail("language_en", field=key)
    parts = [k for k in OPTIONAL[:4] if k in data]
    if (data["unit"] == "ratio" and len(parts) < 4) or len(parts) % 2 or (
            len(parts) == 2 and {p[:-3] for p in parts} != {parts[0][:-3]}):
        raise fail("ratio_parts")
    groupings = raw.get("groupings", list(GROUPINGS[:2]))
    if not isinstance(groupings, list) or not all(g in GROUPINGS for g in groupings):
        raise fail("groupings", value=groupings, expected=", ".join(GROUPINGS))
    min_base = raw.get("min_base")
    if min_base is not None and (not isinstance(min_base, int) or isinstance(min_base, bool)
                                 or not 1 <= min_base <= 1000):
        raise fail("min_base", value=min_base)
    try:
        checked = custom_sql.check(data["sql"])
    except custom_sql.SqlRefusal as exc:
        raise fail(f"sql_{exc.key}", **exc.params) from None
    _check_columns(checked, data["unit"], fail)
    if checked.rows == "unit" and (person := [g for g in groupings if g in PERSON_GROUPINGS]):
        raise fail("groupings_person", value=", ".join(person))
    metric = Metric(id=mid, domain=data["domain"], name_en=data["name_en"], name_zh=data["name_zh"],
                    formula_en=data["formula_en"], formula_zh=data["formula_zh"],
                    numerator_en=data.get("numerator_en"), numerator_zh=data.get("numerator_zh"),
                    denominator_en=data.get("denominator_en"), denominator_zh=data.get("denominator_zh"),
                    unit=data["unit"], direction=data["direction"], grain="period")
    return CustomMetric(metric, data["sql"], checked, tuple(dict.fromkeys(groupings)), min_base, file, digest)


def _check_columns(checked: custom_sql.Checked, unit: str, fail) -> None:
    """A rate returns numerator and denominator; a count or money value; days and scores either."""
    cols = set(checked.columns)
    parts = {"numerator", "denominator"} <= cols
    wanted = {"ratio": "numerator, denominator", "count": "value", "currency": "value"}.get(
        unit, "value, or numerator and denominator")
    ok = {"ratio": parts and "value" not in cols, "count": "value" in cols and not cols & {"numerator", "denominator"},
          "currency": "value" in cols and not cols & {"numerator", "denominator"}}.get(
        unit, ("value" in cols) != parts and ("value" in cols or parts))
    if not ok:
        raise fail("sql_columns", found=", ".join(checked.columns), unit=unit, expected=wanted)
    if "event_date" in cols and checked.rows == "unit":
        raise fail("sql_columns", found=", ".join(checked.columns), unit=unit, expected=f"{wanted}, org_unit_id")


def read_file(path: Path, builtin: Collection[str]) -> CustomMetric:
    """Read and check one metric file."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CustomMetricError("toml", path.name, detail=str(exc)) from None
    return parse(raw, path.name, builtin, hashlib.sha256(text.encode()).hexdigest()[:16])


# ── the folder ───────────────────────────────────────────────────────────
_LOCK = threading.Lock()
_LOADED: dict[tuple, Catalogue] = {}
_TRIALS: dict[tuple[str, str], CustomMetricError | None] = {}   # (database, digest) → refusal or None
_TIMED_OUT: dict[tuple[str, str], float] = {}   # (database, digest) → when its trial ran out of time (monotonic s)
RETRY_AFTER_TIMEOUT = 600.0  # seconds after which a trial that ran out of time is tried again (a busy moment passes)
_PREVIEW = threading.local()   # a metric of the Admin page's form, loaded on that thread only while it is shown


@contextmanager
def previewing(cm: CustomMetric) -> Iterator[None]:
    """While the block runs, on this thread only, ``cm`` counts as loaded (the engine computes it by its id)."""
    _PREVIEW.metric = cm
    try:
        yield
    finally:
        _PREVIEW.metric = None


def signature(folder: Path) -> tuple:
    """The folder's metric files as (name, modified, size): a change of any file changes it."""
    try:
        files = sorted(folder.glob("*.toml"))
        return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError:
        return ()


def loaded(builtin: Collection[str]) -> Catalogue:
    """Every metric file of :func:`metrics_dir`, read once per change of the folder; a file refused by its trial on
    a database (:func:`check_on`) is listed as refused."""
    cat = _read(builtin)
    shown = getattr(_PREVIEW, "metric", None)
    if shown is not None:
        cat = Catalogue({**cat.metrics, shown.id: shown}, cat.refused)
    with _LOCK:
        failed = {digest: err for (_, digest), err in _TRIALS.items() if err is not None}
    if not any(cm.digest in failed for cm in cat.metrics.values()):
        return cat
    return Catalogue({i: cm for i, cm in cat.metrics.items() if cm.digest not in failed},
                     {**cat.refused, **{cm.file: failed[cm.digest] for cm in cat.metrics.values()
                                        if cm.digest in failed}})


def _read(builtin: Collection[str]) -> Catalogue:
    """The files as read and checked, before any trial (once per change of the folder)."""
    folder = metrics_dir()
    key = (str(folder), signature(folder), frozenset(builtin))
    with _LOCK:
        cat = _LOADED.get(key)
    if cat is None:
        metrics, refused = {}, {}
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                cm = read_file(path, builtin)
                metrics[cm.id] = cm
            except CustomMetricError as exc:
                refused[path.name] = exc
            except (OSError, UnicodeDecodeError) as exc:
                refused[path.name] = CustomMetricError("toml", path.name, detail=type(exc).__name__)
        cat = Catalogue(metrics, refused)
        with _LOCK:
            _LOADED.clear()
            _LOADED[key] = cat
    return cat


def check_on(db: Database, builtin: Collection[str]) -> Catalogue:
    """Run every metric not tried yet on ``db`` once (:func:`trial`; one that ran out of time again after
    :data:`RETRY_AFTER_TIMEOUT`); return the catalogue without the refused."""
    for cm in _read(builtin).metrics.values():
        key = (str(db.path), cm.digest)
        with _LOCK:
            timed_out = _TIMED_OUT.get(key)
            tried = key in _TRIALS and (timed_out is None or time.monotonic() - timed_out < RETRY_AFTER_TIMEOUT)
        if not tried:
            try:
                trial(db, cm)
                outcome = None
            except CustomMetricError as exc:
                outcome = exc
            with _LOCK:
                _TRIALS[key] = outcome
                if outcome is not None and outcome.key == "timeout":
                    _TIMED_OUT[key] = time.monotonic()
                else:
                    _TIMED_OUT.pop(key, None)
    return loaded(builtin)


# ── running ──────────────────────────────────────────────────────────────
def run(db: Database, text: str, params: Mapping[str, object], file: str, seconds: float = RUN_SECONDS
        ) -> pl.DataFrame:
    """One statement in a read-only transaction on the thread's cursor, interrupted after ``seconds``."""
    cur = db.cursor()
    try:
        cur.execute("begin transaction read only")
        began = True
    except duckdb.TransactionException:  # already inside the caller's transaction: read in it
        began = False
    lock, state = threading.Lock(), {"done": False, "stopped": False}

    def stop() -> None:
        with lock:
            if not state["done"]:
                state["stopped"] = True
                cur.interrupt()

    timer = threading.Timer(seconds, stop)
    timer.start()
    try:
        frame = cur.sql(text, params=bind(text, params) or None).pl()
    except duckdb.Error as exc:
        if state["stopped"]:
            raise CustomMetricError("timeout", file, seconds=f"{seconds:g}") from None
        raise CustomMetricError("trial", file, detail=(str(exc).splitlines() or [""])[0][:200]) from None
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if began:
            cur.execute("rollback")
    return frame


def trial_period(db: Database) -> tuple[dt.date, dt.date, dt.date]:
    """(start, end, as_of): the three months up to the last complete month at the data's as-of date."""
    raw = db.meta("as_of")
    as_of = dt.date.fromisoformat(raw) if raw else dt.date.today().replace(day=1) - dt.timedelta(days=1)
    last = as_of.replace(day=1) if as_of == month_end(as_of) else add_months(as_of.replace(day=1), -1)
    window = trailing_months(last, 3)
    return window.start, window.end, as_of


_KINDS = {"org_unit_id": "text", "employee_id": "integer", "event_date": "date", "numerator": "number",
          "denominator": "number", "value": "number"}


def _fits(dtype: pl.DataType, kind: str) -> bool:
    if dtype == pl.Null:
        return True
    return {"text": dtype == pl.Utf8, "integer": dtype.is_integer(), "number": dtype.is_numeric(),
            "date": dtype == pl.Date or isinstance(dtype, pl.Datetime)}[kind]


def trial(db: Database, cm: CustomMetric, seconds: float = TRIAL_SECONDS) -> None:
    """Run the metric's own SQL (its column types checked) and then the engine's statement on ``db``."""
    start, end, as_of = trial_period(db)
    params = {"start": start, "end": end, "as_of": as_of, "all_units": True, "units": []}
    sample = run(db, f"select * from (\n{cm.checked.text}\n) as q limit 0", params, cm.file, seconds)
    for name, dtype in sample.schema.items():
        kind = _KINDS.get(name.lower())
        if kind is not None and not _fits(dtype, kind):
            raise CustomMetricError(f"sql_type_{kind}", cm.file, name=name, type=str(dtype))
    run(db, cm.scoped_sql, params, cm.file, seconds)


# ── writing (the Admin page) ─────────────────────────────────────────────
def to_toml(fields: Mapping[str, object]) -> str:
    """The file's text: the keys in a fixed order, the SQL as a multi-line string."""
    order = [k for k in (*REQUIRED[:-1], *OPTIONAL, "sql") if fields.get(k) not in (None, "", [])]
    body = tomli_w.dumps({k: fields[k] for k in order}, multiline_strings=True)
    return "# A metric of the company's own (docs/custom_metrics.md): checked when Tandem starts.\n" + body


def _form_text(fields: Mapping[str, object]) -> str:
    return to_toml({k: v.strip() if isinstance(v, str) else v for k, v in fields.items() if v not in (None, "", [])})


def from_fields(fields: Mapping[str, object], db: Database, builtin: Collection[str]) -> CustomMetric:
    """A metric from the Admin page's form, checked and tried on ``db`` as a file would be."""
    text = _form_text(fields)
    mid = str(fields.get("id") or "").strip()
    file = f"{mid}.toml" if _ID.fullmatch(mid) else "metric.toml"
    cm = parse(tomllib.loads(text), file, builtin, hashlib.sha256(text.encode()).hexdigest()[:16])
    trial(db, cm)
    with _LOCK:
        _TRIALS[(str(db.path), cm.digest)] = None
    return cm


def fields_of(metric_id: str) -> dict[str, object]:
    """The keys of ``<id>.toml`` in :func:`metrics_dir` as the Admin page's form holds them (to change a metric)."""
    target = metrics_dir() / f"{metric_id}.toml"
    if not _ID.fullmatch(metric_id) or not target.exists():
        raise CustomMetricError("unknown", f"{metric_id}.toml", value=metric_id)
    return tomllib.loads(target.read_text(encoding="utf-8"))


def save(fields: Mapping[str, object], db: Database, builtin: Collection[str], actor: str,
         replace: bool = False) -> CustomMetric:
    """Check, try, then write ``<id>.toml`` atomically into :func:`metrics_dir` (audited); over a file of the same
    id only when ``replace`` (a change of that metric: custom_metric_replaced)."""
    cm = from_fields(fields, db, builtin)
    folder = metrics_dir()
    target = folder / cm.file
    existed = target.exists()
    if existed and not replace:
        raise CustomMetricError("exists", cm.file, value=cm.id)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as handle:
        handle.write(_form_text(fields))
    os.replace(handle.name, target)
    with db.transaction(bump=False) as cur:
        db.audit(cur, actor, "custom_metric_replaced" if existed else "custom_metric_saved", cm.file,
                 detail={"metric": cm.id, "unit": cm.metric.unit})
    return cm


def delete(metric_id: str, db: Database, actor: str) -> None:
    """Remove ``<id>.toml`` from :func:`metrics_dir` (audited)."""
    target = metrics_dir() / f"{metric_id}.toml"
    if not _ID.fullmatch(metric_id) or not target.exists():
        raise CustomMetricError("unknown", f"{metric_id}.toml", value=metric_id)
    target.unlink()
    with db.transaction(bump=False) as cur:
        db.audit(cur, actor, "custom_metric_deleted", target.name, detail={"metric": metric_id})
