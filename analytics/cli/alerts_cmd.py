"""``python -m analytics alerts``: the green channel from the command line (docs/alerts.md).

::

    python -m analytics alerts run                       # evaluate every rule, send what is due
    python -m analytics alerts list [--status open|closed|all|dead] [--user demo.hr] [--lang zh]
    python -m analytics alerts ack 12 --user demo.hr [--note "on it"]
    python -m analytics alerts act 12 --user demo.hr --note "talked to the team lead"
    python -m analytics alerts resolve 12 --user demo.hr --note "two people moved from East-02"
    python -m analytics alerts request --user demo.director.east --unit east-01 --kind people_short \
        --people 2 --text "Bid for the Hangzhou metro needs two more reps" [--due 2026-12-01T18:00]
    python -m analytics alerts test-channel sales-hr-group
    python -m analytics alerts retry 7                   # a dead letter back in the queue

Exit status: 0 done; 2 refused (no such alert, not an owner, a channel that refuses); 3 unexpected.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json

import polars as pl

from analytics.alerts import channels, evaluate_report, inbox_report, outbox, rules, store
from analytics.cli.common import cli_viewer
from analytics.core.db import Database
from analytics.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("alerts", parents=[common], help="the green channel: evaluate, list, answer, test channels",
                       description="Alerts of data/alerts.toml: `run` evaluates every rule on the data (raising a "
                                   "new episode once, closing cleared ones) and sends what is due; `list`, `ack`, "
                                   "`act`, `resolve` answer them as a user; `request` files an urgent request as a "
                                   "sales director; `test-channel NAME` sends a test message; `retry` requeues a "
                                   "dead letter.")
    p.add_argument("action", choices=["run", "list", "ack", "act", "resolve", "request", "test-channel", "retry"])
    p.add_argument("target", nargs="?", help="the alert id (ack, act, resolve), channel name (test-channel) or "
                                             "send id (retry)")
    p.add_argument("--note", help="what was done (act, resolve) or a note with the acknowledgement")
    p.add_argument("--status", choices=["open", "closed", "all", "dead"], default="open", help="list: which alerts")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="list: the language of the texts")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--now", help="run: the time to evaluate at (ISO; default now)")
    p.add_argument("--as-of", dest="as_of", help="run: the data date to evaluate on (default the data's as-of date)")
    p.add_argument("--no-send", action="store_true", help="run: evaluate and queue only")
    p.add_argument("--unit", help="request: the team or region that needs it")
    p.add_argument("--kind", choices=list(store.REQUEST_KINDS), default="people_short", help="request: the need")
    p.add_argument("--people", type=int, help="request: how many people are short")
    p.add_argument("--text", help="request: the need in words")
    p.add_argument("--due", help="request: when it must be answered (ISO; default 24 hours from now)")
    p.set_defaults(func=_alerts)


def _stamp(text: str | None, what: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date and time; expected e.g. 2026-12-01T18:00.") from None


def _alerts(args: argparse.Namespace) -> int:
    db = Database(load_settings(args.db).db_path)
    try:
        return _ACTIONS[args.action](db, args)
    finally:
        db.close()


def _run(db: Database, args: argparse.Namespace) -> int:
    now = _stamp(args.now, "--now") or dt.datetime.now()
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    result = evaluate_report.run(db, now=now, as_of=as_of, fy_start=load_settings(None).fiscal_year_start,
                                 deliver=not args.no_send)
    for rule_id, n in result.raised.items():
        print(f"{rule_id}: {n} raised, {result.cleared.get(rule_id, 0)} cleared")
    for rule_id, why in result.failed.items():
        print(f"{rule_id}: FAILED ({why})")
    print(f"queued {result.queued} message(s); sent {result.sends.get('sent', 0)}, to retry "
          f"{result.sends.get('retry', 0)}, dead letters {result.sends.get('dead', 0)}")
    return 2 if result.failed else 0


def _viewer(db: Database, args: argparse.Namespace, required: bool):
    if required and not args.user:
        raise ValueError(f"`alerts {args.action}` acts as a person: give --user (an owner of the alert).")
    return cli_viewer(db, args, load_settings(None).suppression_threshold)


def _id(args: argparse.Namespace) -> int:
    if not args.target or not args.target.isdigit():
        raise ValueError(f"`alerts {args.action}` needs an alert id, e.g. `alerts {args.action} 12`.")
    return int(args.target)


def _print(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, indent=1, ensure_ascii=False, default=str))
        return
    with pl.Config(tbl_rows=1000, tbl_cols=12, fmt_str_lengths=100, tbl_width_chars=240,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, set_tbl_formatting="ASCII_MARKDOWN"):
        print(pl.DataFrame(rows) if rows else "(none)")


def _list(db: Database, args: argparse.Namespace) -> int:
    if args.status == "dead":
        dead = outbox.dead_letters(db)
        _print([{"send": r["send_id"], "alert": r["alert_id"], "channel": r["channel"], "tries": r["attempts"],
                 "error": r["last_error"], "since": r["created_at"]} for r in dead.iter_rows(named=True)], args.format)
        return 0
    viewer = _viewer(db, args, False)
    rows, held = inbox_report.listing(db, viewer, args.lang, dt.datetime.now(), args.status)
    _print([{"id": r["alert_id"], "severity": r["severity"], "rule": r["rule"], "what": r["what"],
             "raised": f"{r['raised_at']:%Y-%m-%d %H:%M}", "clock": r["clock"], "state": r["state"]}
            for r in rows.iter_rows(named=True)], args.format)
    if held:
        print(f"{held} alert(s) about people are listed for roles with person-level access only.")
    return 0


def _ack(db: Database, args: argparse.Namespace) -> int:
    store.acknowledge(db, _viewer(db, args, True), _id(args), dt.datetime.now(), args.note)
    print(f"Alert {args.target} acknowledged by {args.user}.")
    return 0


def _act(db: Database, args: argparse.Namespace) -> int:
    store.add_action(db, _viewer(db, args, True), _id(args), args.note or "", dt.datetime.now())
    print(f"Action recorded on alert {args.target}.")
    return 0


def _resolve(db: Database, args: argparse.Namespace) -> int:
    store.resolve(db, _viewer(db, args, True), _id(args), args.note or "", dt.datetime.now())
    print(f"Alert {args.target} resolved by {args.user}.")
    return 0


def _request(db: Database, args: argparse.Namespace) -> int:
    viewer = _viewer(db, args, True)
    now = dt.datetime.now()
    due = _stamp(args.due, "--due") or now + dt.timedelta(hours=24)
    config = rules.load()
    rule = config.rule(store.REQUEST_RULE)
    owners, severity = (rule.owners, rule.severity) if rule else (("hr_head",), "urgent")
    alert_id = store.file_request(db, viewer, args.kind, args.unit or "", args.text or "", due, now, owners, severity,
                                  args.people)
    sends = outbox.queue(db, config, [alert_id], now)
    counts = outbox.deliver(db, config, now) if sends else {}
    print(f"Request filed as alert {alert_id}, due {due:%Y-%m-%d %H:%M}; {counts.get('sent', 0)} message(s) sent.")
    return 0


def _test_channel(db: Database, args: argparse.Namespace) -> int:
    if not args.target:
        raise ValueError("`alerts test-channel` needs a channel name from data/alerts.toml.")
    try:
        receipt = outbox.test_channel(db, rules.load(), args.target, dt.datetime.now(), args.user or "cli")
    except channels.SendError as exc:
        raise ValueError(f"Channel {args.target!r} refused the test message: {exc.reason}.") from None
    print(f"Test message sent to {args.target} ({receipt}).")
    return 0


def _retry(db: Database, args: argparse.Namespace) -> int:
    outbox.retry_dead(db, _id(args), dt.datetime.now(), args.user or "cli")
    counts = outbox.deliver(db, rules.load(), dt.datetime.now())
    print(f"Send {args.target} back in the queue; sent {counts['sent']}, to retry {counts['retry']}, "
          f"dead {counts['dead']}.")
    return 0


_ACTIONS = {"run": _run, "list": _list, "ack": _ack, "act": _act, "resolve": _resolve, "request": _request,
            "test-channel": _test_channel, "retry": _retry}
