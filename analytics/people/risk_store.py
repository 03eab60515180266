"""The one flight-risk model per data version (docs/risk.md): fitted on the whole company, kept in memory and
in the database.

:func:`get` returns the :class:`RiskModel` for ``(database file, data_version, parameters)``: from this
process's memo, else from the database's ``model_store`` table (a restart does not refit), else fitted now —
the current model, its out-of-time backtest with the global importance, and every person's probability and
driver contributions — and written back. Storing a model is bookkeeping: it does not bump the data version.
One lock per key, so sessions that ask at once wait for a single fit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import duckdb
import polars as pl
import sklearn

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import risk

NAME = "flight_risk"
#: Bump when features, hyperparameters or the payload change: older stored models are then ignored.
MODEL_VERSION = 2
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
_locks: dict[tuple, threading.Lock] = {}
_guard = threading.Lock()


def clear_memo() -> None:
    """Forget every model held in memory (as a new process would); the stored ones stay in their databases."""
    with _guard:
        _memo.clear()
        _locks.clear()


def get(db: Database, as_of: dt.date, horizon: int = 6, random_state: int = 0) -> RiskModel | None:
    """The model for this database's data version and these parameters: memoised, else stored, else fitted
    (and stored). None when the history is too short to fit one."""
    p = params(as_of, horizon, random_state)
    version, digest = db.data_version, params_hash(p)
    key = (str(db.path.resolve()), version, digest)
    with _guard:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # one fit per key, however many sessions ask at once
        with _guard:
            if key in _memo:
                return _memo[key]
        found = load(db, version, digest)
        if found is None:
            found = fit(db, as_of, horizon, random_state)
            if found is not None:
                save(db, found)
        with _guard:
            _memo[key] = found
            while len(_memo) > MEMO_SIZE:
                old, _ = _memo.popitem(last=False)
                _locks.pop(old, None)
    return found


# ── fitting ─────────────────────────────────────────────────────────────
@risk.single_threaded
def fit(db: Database, as_of: dt.date, horizon: int = 6, random_state: int = 0) -> RiskModel | None:
    """Fit the model on the whole company (an internal full-access viewer), backtest it out of time, and
    score everyone employed at ``as_of`` with their driver contributions. One feature query for all."""
    started = time.perf_counter()
    company = full_access("flight_risk_model")
    first = first_month(db)
    labelled = risk.labelled_dates(first, as_of, horizon)
    if len(labelled) < 3:
        return None
    rows = risk.features(db, company, [*labelled, as_of], horizon)
    model = risk.fit_on(rows, as_of, random_state)
    if model is None:
        return None
    current = rows.filter(pl.col("as_of") == as_of)
    train_dates, test_dates = risk.split_dates(first, as_of, horizon)
    bt = risk.backtest_on(rows, train_dates, test_dates, random_state) if len(train_dates) >= 3 else None
    reference = risk.reference_values(current)
    probability, effect = risk.contributions(model, current, reference)
    people = pl.concat([
        current.select("employee_id", "org_unit_id", "region_id", "team_id", "role_id", "manager_id", "tenure_days"),
        pl.DataFrame(effect, schema=[f"effect.{f}" for f in risk.FEATURES], orient="row"),
        risk.display_values(current).rename(lambda c: f"value.{c}"),
    ], how="horizontal").with_columns(probability=pl.Series(probability))
    p = params(as_of, horizon, random_state)
    meta = {"name": NAME, "data_version": db.data_version, "params": p, "params_hash": params_hash(p),
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


def _plain(value: object) -> object:
    """A JSON-safe reference value (numpy scalars → Python)."""
    return value.item() if hasattr(value, "item") else value


# ── the model_store table ──────────────────────────────────────────────
def save(db: Database, found: RiskModel) -> bool:
    """Write the model to ``model_store`` (replacing this name's models of other data versions) without
    bumping the data version. False when the database is read-only or the write fails: the model then lives
    in this process's memo only."""
    payload = pickle.dumps({"model": found.model, "people": found.people, "predictions": found.predictions,
                            "calibration": found.calibration}, protocol=pickle.HIGHEST_PROTOCOL)
    meta = found.meta
    try:
        with db.transaction(bump=False) as cur:
            cur.execute(TABLE)
            cur.execute("delete from model_store where name = $n and (data_version <> $v or params_hash = $h)",
                        {"n": NAME, "v": meta["data_version"], "h": meta["params_hash"]})
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


def stored(db: Database) -> pl.DataFrame:
    """What ``model_store`` holds (without payloads): name, data_version, params_hash, fitted_at, bytes."""
    try:
        return db.sql("select name, data_version, params_hash, fitted_at, octet_length(payload) as bytes "
                      "from model_store order by fitted_at")
    except duckdb.CatalogException:
        return pl.DataFrame()
