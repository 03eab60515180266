"""The one flight-risk model per data version (docs/risk.md): fitted on the whole company, kept in memory and
in the database.

:func:`current_model` returns the :class:`RiskModel` for ``(database file, data_version, parameters)``: from
this process's memo, else from the database's ``model_store`` table (a restart does not refit), else fitted now
— the current model, its out-of-time backtest with the global importance, and every person's probability and
driver contributions — and written back. Storing a model is bookkeeping: it does not bump the data version.
One fit at a time per database file, so sessions that ask at once wait for a single fit.

Pages do not wait for a fit: :func:`state` never blocks. When the data version has no model yet it starts the
fit in a background thread (one per database file) and hands back the newest model fitted on earlier data
(``previous``), or none, with what the fit is doing. The command line and the reviews call
:func:`current_model`, which fits synchronously (or waits for the fit under way).
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl
import sklearn

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import risk

NAME = "flight_risk"
#: Bump when features, hyperparameters or the payload change: older stored models are then ignored.
MODEL_VERSION = 6  # 5: travel days and the engagement change (the care signals) as features; 6: a feature the
# company does not record at all (no travel facts, say) is a constant instead of failing the fit
MEMO_SIZE = 8
TABLE = """create table if not exists model_store (
    name         varchar not null,      -- 'flight_risk'
    data_version bigint not null,       -- meta('data_version') the model was fitted on
    params_hash  varchar not null,      -- sha256 of the parameters (as_of, horizon, model version, ...)
    fitted_at    timestamp not null,
    payload      blob not null,         -- pickle: the fitted pipeline, scored people, backtest predictions
    meta         json not null,         -- data_version, params, fitted_at, backtest numbers, global importance
    primary key (name, data_version, params_hash)
)"""
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskModel:
    meta: dict                      # see TABLE; "backtest" None when the history is too short to test
    model: object                   # the fitted sklearn pipeline
    people: pl.DataFrame            # everyone employed at as_of: placement, probability, effect.<f>, value.<f>
    predictions: pl.DataFrame       # backtest test rows (risk.Backtest.predictions); empty without backtest
    calibration: pl.DataFrame       # backtest calibration bins

    @property
    def reference(self) -> dict[str, object]:
        return self.meta["reference"]

    def backtest(self) -> risk.Backtest | None:
        """The stored backtest as :class:`risk.Backtest` (company-wide numbers)."""
        bt = self.meta.get("backtest")
        if bt is None:
            return None
        return risk.Backtest(
            [dt.date.fromisoformat(d) for d in bt["train_dates"]], [dt.date.fromisoformat(d) for d in bt["test_dates"]],
            bt["n_train"], bt["n_test"], bt["base_rate"], bt["scores"], self.calibration,
            pl.DataFrame(self.meta["importance"], schema={"feature": pl.Utf8, "importance": pl.Float64}),
            self.predictions)


def first_month(db: Database) -> dt.date:
    """The first month of the history (``data_range``); today's month when the database is empty."""
    row = db.query("data_range").row(0)
    return row[0] or dt.date.today().replace(day=1)


def params(as_of: dt.date, horizon: int, random_state: int = 0) -> dict:
    """Everything besides the data that the fitted model depends on."""
    return {"model_version": MODEL_VERSION, "as_of": as_of.isoformat(), "horizon": horizon,
            "random_state": random_state, "max_train_rows": risk.MAX_TRAIN_ROWS, "sklearn": sklearn.__version__}


def params_hash(p: dict) -> str:
    return hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:32]


# ── the process-level memo ───────────────────────────────────────────────
_memo: OrderedDict[tuple, RiskModel | None] = OrderedDict()
_locks: dict[str, threading.Lock] = {}   # database file → the lock every fit of that file holds
_jobs: dict[tuple, Job] = {}             # key → the background fit started for it
_guard = threading.Lock()
RETRY_SECONDS = 300  # a failed background fit is tried again after this long


@dataclass
class Job:
    """A background fit: when it started, what it is doing, how it ended."""
    started: dt.datetime
    phase: str = "waiting"          # waiting (for another fit of the file), then PHASES
    done: bool = False
    error: str | None = None
    finished: float = 0.0           # time.monotonic() at the end


#: What a fit does, in order, with the share of the work done when it starts (for a progress bar).
PHASES = {"waiting": 0.0, "features": 0.05, "model": 0.25, "backtest": 0.45, "drivers": 0.8, "store": 0.95}


@dataclass(frozen=True)
class State:
    """What a page can show now: ``model`` is the current one when ``ready``, else the newest model fitted on
    earlier data (None when there is none) while ``job`` fits the current one."""
    model: RiskModel | None
    ready: bool
    job: Job | None = None

    @property
    def ref(self) -> str | None:
        """The shown model as a small cache key (``data_version:params_hash``)."""
        return None if self.model is None else ref_of(self.model)

    @property
    def fitting(self) -> bool:
        return not self.ready and self.job is not None and not self.job.done


def ref_of(found: RiskModel) -> str:
    return f"{found.meta['data_version']}:{found.meta['params_hash']}"


def clear_memo() -> None:
    """Forget every model held in memory (as a new process would); the stored ones stay in their databases."""
    with _guard:
        _memo.clear()
        _jobs.clear()
        _days.clear()


def _key(db: Database, as_of: dt.date, horizon: int, random_state: int) -> tuple:
    return str(db.path.resolve()), db.data_version, params_hash(params(as_of, horizon, random_state))


def _remember(key: tuple, found: RiskModel | None) -> None:
    with _guard:
        _memo[key] = found
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)


_MISSING = object()


def _known(db: Database, key: tuple) -> object:
    """The model for ``key`` from the memo, else from the store (then memoised), else _MISSING."""
    with _guard:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    found = load(db, key[1], key[2])
    if found is None:
        return _MISSING
    _remember(key, found)
    return found


def current_model(db: Database, as_of: dt.date, horizon: int = 6, random_state: int = 0,
                  progress: Callable[[str], None] | None = None) -> RiskModel | None:
    """The model for this database's data version and these parameters: memoised, else stored, else fitted
    now (and stored), waiting for a fit of the same file under way. None when the history is too short."""
    key = _key(db, as_of, horizon, random_state)
    found = _known(db, key)
    if found is not _MISSING:
        return found
    with _guard:
        lock = _locks.setdefault(key[0], threading.Lock())
    with lock:  # one fit at a time per database file, however many sessions and threads ask
        found = _known(db, key)
        if found is _MISSING:
            found = fit(db, as_of, horizon, random_state, progress=progress)
            if found is not None:
                if progress:
                    progress("store")
                save(db, found)
            _remember(key, found)
    return found


get = current_model  # the name the first callers used


def state(db: Database, as_of: dt.date, horizon: int = 6, random_state: int = 0) -> State:
    """The model a page can show without waiting: the current one when memoised or stored; else the fit is
    started in a background thread (once per key) and the newest earlier model comes back meanwhile."""
    key = _key(db, as_of, horizon, random_state)
    found = _known(db, key)
    if found is not _MISSING:
        return State(found, True)
    with _guard:
        job = _jobs.get(key)
        retry = job is not None and job.done and time.monotonic() - job.finished > RETRY_SECONDS
        if job is None or retry:
            job = _jobs[key] = Job(dt.datetime.now().replace(microsecond=0))
            # not a daemon: a process that stops during a fit finishes it (and stores the model) rather than
            # being torn down inside DuckDB or OpenMP, which aborts the interpreter
            threading.Thread(target=_run, args=(job, db, as_of, horizon, random_state),
                             name=f"flight-risk fit {key[1]}", daemon=False).start()
    if job.done and job.error is None:  # finished between the look-up and now
        found = _known(db, key)
        if found is not _MISSING:
            return State(found, True)
    return State(previous(db, horizon, random_state), False, job)


def _run(job: Job, db: Database, as_of: dt.date, horizon: int, random_state: int) -> None:
    def progress(phase: str) -> None:
        job.phase = phase

    try:
        current_model(db, as_of, horizon, random_state, progress=progress)
    except Exception as exc:  # shown on the page and logged; tried again after RETRY_SECONDS
        _log.exception("background flight-risk fit failed")
        job.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    finally:
        job.finished = time.monotonic()
        job.done = True


def by_ref(db: Database, ref: str) -> RiskModel | None:
    """The model a page was shown (:attr:`State.ref`): memoised or stored; None when it is gone."""
    version, digest = ref.split(":")
    found = _known(db, (str(db.path.resolve()), int(version), digest))
    return None if found is _MISSING else found


def _family(p: dict) -> tuple:
    """The parameters but the date: models of one family replace each other as the data changes."""
    return tuple(sorted((k, v) for k, v in p.items() if k != "as_of"))


def previous(db: Database, horizon: int = 6, random_state: int = 0) -> RiskModel | None:
    """The newest model of these parameters fitted on any data version (memoised or stored), or None."""
    family = _family(params(dt.date.today(), horizon, random_state))
    path = str(db.path.resolve())
    with _guard:
        held = [m for k, m in _memo.items() if k[0] == path and m is not None and _family(m.meta["params"]) == family]
    if not held:
        for version, digest, meta in _rows(db):
            if _family(meta.get("params", {})) == family:
                found = _known(db, (path, version, digest))
                if found is not _MISSING:
                    held.append(found)
                break
    return max(held, key=lambda m: (m.meta["data_version"], m.meta["fitted_at"]), default=None)


# ── fitting ─────────────────────────────────────────────────────────────
@risk.single_threaded
def fit(db: Database, as_of: dt.date, horizon: int = 6, random_state: int = 0,
        progress: Callable[[str], None] | None = None) -> RiskModel | None:
    """Fit the model on the whole company (an internal full-access viewer), backtest it out of time with the
    global importance, and score everyone employed at ``as_of`` with their driver contributions (one batched
    computation). One feature query for all. ``progress`` hears each of PHASES as it starts."""
    started = time.perf_counter()
    step = progress or (lambda phase: None)
    version = db.data_version  # read first: the model is labelled with the data it was fitted on
    company = full_access("flight_risk_model")
    first = first_month(db)
    labelled = risk.labelled_dates(first, as_of, horizon)
    if len(labelled) < 3:
        return None
    step("features")
    rows = risk.features(db, company, [*labelled, as_of], horizon, columns=risk.MODEL_COLUMNS)
    step("model")
    model = risk.fit_on(rows, as_of, random_state)
    if model is None:
        return None
    current = rows.filter(pl.col("as_of") == as_of)
    train_dates, test_dates = risk.split_dates(first, as_of, horizon)
    step("backtest")
    bt = risk.backtest_on(rows, train_dates, test_dates, random_state) if len(train_dates) >= 3 else None
    del rows  # every date's rows (the largest frame of the fit) are done with: free them before the drivers
    gc.collect()
    step("drivers")
    reference = risk.reference_values(current)
    people = _scored(model, current, reference)
    p = params(as_of, horizon, random_state)
    meta = {"name": NAME, "data_version": version, "params": p, "params_hash": params_hash(p),
            "fitted_at": dt.datetime.now().isoformat(timespec="seconds"), "first_month": first.isoformat(),
            "n_people": people.height, "reference": {k: _plain(v) for k, v in reference.items()},
            "backtest": None if bt is None else {
                "train_dates": [d.isoformat() for d in bt.train_dates],
                "test_dates": [d.isoformat() for d in bt.test_dates], "n_train": bt.n_train, "n_test": bt.n_test,
                "base_rate": bt.base_rate, "scores": bt.scores},
            "importance": [] if bt is None else bt.drivers.to_dicts()}
    meta["fit_seconds"] = round(time.perf_counter() - started, 2)
    empty = pl.DataFrame()
    return RiskModel(meta, model, people, empty if bt is None else bt.predictions,
                     empty if bt is None else bt.calibration)


def _scored(model: object, current: pl.DataFrame, reference: dict[str, object]) -> pl.DataFrame:
    """Placement, probability, each feature's contribution (``effect.<f>``) and value as text (``value.<f>``)."""
    probability, effect = risk.contributions(model, current, reference)
    return pl.concat([
        current.select("employee_id", "org_unit_id", "region_id", "team_id", "role_id", "manager_id", "tenure_days"),
        pl.DataFrame(effect, schema=[f"effect.{f}" for f in risk.FEATURES], orient="row"),
        risk.display_values(current).rename(lambda c: f"value.{c}"),
    ], how="horizontal").with_columns(probability=pl.Series(probability))


_days: OrderedDict[tuple, pl.DataFrame] = OrderedDict()


@risk.single_threaded
def people_at(db: Database, found: RiskModel, day: dt.date) -> pl.DataFrame:
    """:attr:`RiskModel.people` for an earlier day (a review of a past month): everyone employed at ``day``
    scored by the same model, drivers against the same typical colleague. No second fit; memoised."""
    key = (str(db.path.resolve()), ref_of(found), day)
    with _guard:
        if key in _days:
            return _days[key]
    rows = risk.features(db, full_access("flight_risk_model"), [day], found.meta["params"]["horizon"])
    people = _scored(found.model, rows, found.reference)
    with _guard:
        _days[key] = people
        while len(_days) > MEMO_SIZE:
            _days.popitem(last=False)
    return people


def model_date(found: RiskModel) -> dt.date:
    """The as-of date the model was fitted and its people scored at."""
    return dt.date.fromisoformat(found.meta["params"]["as_of"])


def _plain(value: object) -> object:
    """A JSON-safe reference value (numpy scalars → Python)."""
    return value.item() if hasattr(value, "item") else value


# ── the model_store table ──────────────────────────────────────────────
def save(db: Database, found: RiskModel) -> bool:
    """Write the model to ``model_store`` without bumping the data version, replacing the models of the same
    parameters (but the date) fitted on other data versions and any of an older MODEL_VERSION. False when the
    database is read-only or the write fails: the model then lives in this process's memo only."""
    payload = pickle.dumps({"model": found.model, "people": found.people, "predictions": found.predictions,
                            "calibration": found.calibration}, protocol=pickle.HIGHEST_PROTOCOL)
    meta = found.meta
    try:
        with db.transaction(bump=False) as cur:
            cur.execute(TABLE)
            family = _family(meta["params"])
            for version, digest, old in _rows(db, cur):
                p = old.get("params", {})
                if digest == meta["params_hash"] or p.get("model_version") != MODEL_VERSION or (
                        version != meta["data_version"] and _family(p) == family):
                    cur.execute("delete from model_store where name = $n and data_version = $v and params_hash = $h",
                                {"n": NAME, "v": version, "h": digest})
            cur.execute("insert into model_store values ($n, $v, $h, $at, $payload, $meta)",
                        {"n": NAME, "v": meta["data_version"], "h": meta["params_hash"],
                         "at": dt.datetime.fromisoformat(meta["fitted_at"]), "payload": payload,
                         "meta": json.dumps(meta, default=str)})
    except duckdb.Error as exc:  # read-only file, or another writer: keep the model in memory only
        _log.info("flight-risk model not stored: %s", str(exc).splitlines()[0])
        return False
    return True


def load(db: Database, data_version: int, digest: str) -> RiskModel | None:
    """The stored model for this data version and parameters, or None (none stored, an older database
    without the table, or a payload this version of Tandem cannot read)."""
    try:
        row = db.cursor().sql(
            "select payload, meta from model_store where name = $n and data_version = $v and params_hash = $h",
            params={"n": NAME, "v": data_version, "h": digest}).fetchall()
    except duckdb.CatalogException:
        return None
    if not row:
        return None
    try:
        parts, meta = pickle.loads(row[0][0]), json.loads(row[0][1])
        return RiskModel(meta, parts["model"], parts["people"], parts["predictions"], parts["calibration"])
    except Exception as exc:  # an unreadable payload (another Tandem, a moved class) is refitted, never fatal
        _log.warning("stored flight-risk model unreadable (%s); refitting", exc)
        return None


def _rows(db: Database, cur: duckdb.DuckDBPyConnection | None = None) -> list[tuple[int, str, dict]]:
    """data_version, params_hash and meta of each stored model, newest data first (none without the table)."""
    try:
        rows = (cur or db.cursor()).sql(
            "select data_version, params_hash, meta from model_store where name = $n "
            "order by data_version desc, fitted_at desc", params={"n": NAME}).fetchall()
    except duckdb.CatalogException:
        return []
    return [(int(v), h, json.loads(m)) for v, h, m in rows]


def stored(db: Database) -> pl.DataFrame:
    """What ``model_store`` holds (without payloads): name, data_version, params_hash, fitted_at, bytes."""
    try:
        return db.sql("select name, data_version, params_hash, fitted_at, octet_length(payload) as bytes "
                      "from model_store order by fitted_at")
    except duckdb.CatalogException:
        return pl.DataFrame()
