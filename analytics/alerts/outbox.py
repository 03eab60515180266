"""Telling the channels: every new alert is queued for each channel that takes it; ``deliver`` sends what is due,
retries a failed send with backoff (``retry_base_seconds`` × 2ⁿ) and, past ``retry_limit`` tries or on an error
that no retry can fix, moves it to the dead-letter list. Every try is audited (channel, alert, outcome; no text).

A message carries no personal data beyond the channel's ``detail``: ``names`` names the person, ``counts`` says
"a key person in East · Team 3".
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable

import polars as pl

from analytics.alerts import channels
from analytics.alerts.rules import AlertConfig, ChannelSpec
from analytics.alerts.store import _bump, _next_id, alert, org_tree
from analytics.alerts.texts import describe, hours_text, rule_name, severity_name
from analytics.core.access import Viewer, unit_in_scope
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_datetime, t

_log = logging.getLogger("tandem.alerts")
Sender = Callable[..., str]


def base_url(env: dict | None = None) -> str:
    """Where Tandem is reached, for the links in messages: ``TANDEM_BASE_URL`` (default the local app)."""
    env = os.environ if env is None else env
    return (env.get("TANDEM_BASE_URL") or "http://127.0.0.1:8501").rstrip("/")


def alert_link(alert_id: int, base: str | None = None) -> str:
    return f"{base or base_url()}/inbox?alert={alert_id}"


def _within(unit: str | None, scope: str, tree: dict[str, str | None]) -> bool:
    """An alert of ``unit`` (None: the company) goes to a channel of ``scope`` (company, or a region or team)."""
    return scope == "company" or unit_in_scope(Viewer("channel", org_units=frozenset({scope})), unit, tree)


def queue(db: Database, config: AlertConfig, alert_ids: list[int], now: dt.datetime) -> int:
    """One pending send per new alert and configured channel that takes it (rule, severity, scope)."""
    if not alert_ids:
        return 0
    live = [c for c in config.channels if c.configured()]
    if not live:
        return 0
    tree = org_tree(db)
    rows = db.sql("select alert_id, rule_id, severity, org_unit_id from alerts where list_contains($ids, alert_id)",
                  ids=alert_ids)
    pairs = [(r["alert_id"], c.name) for r in rows.iter_rows(named=True) for c in live
             if c.takes(r["rule_id"], r["severity"]) and _within(r["org_unit_id"], c.scope, tree)]
    if not pairs:
        return 0
    with db.transaction(bump=False) as cur:
        first = _next_id(cur, "alert_sends", "send_id")
        for i, (alert_id, name) in enumerate(pairs):
            cur.execute("insert into alert_sends (send_id, alert_id, channel, event, status, attempts, next_try_at, "
                        "created_at) values ($id, $a, $c, 'raised', 'pending', 0, $now, $now)",
                        {"id": first + i, "a": alert_id, "c": name, "now": now})
        _bump(cur)
    return len(pairs)


def message(db: Database, alert_row: dict, spec: ChannelSpec, base: str | None = None) -> channels.Message:
    """The alert in the channel's language, named or counted as the channel's ``detail`` allows."""
    lang, names = spec.lang, spec.detail == "names"
    person = unit = request_text = None
    if alert_row["employee_id"] is not None and names:
        found = db.sql("select name from employees where employee_id = $e", e=alert_row["employee_id"])
        person = found["name"][0] if found.height else None
    if alert_row["org_unit_id"] is not None:
        col = "name_zh" if lang == "zh" else "name_en"
        found = db.sql(f"select {col} as n from org_units where org_unit_id = $u", u=alert_row["org_unit_id"])
        unit = found["n"][0] if found.height else None
    if alert_row["subject"].startswith("request:") and names:
        found = db.sql("select text from alert_requests where request_id = $r",
                       r=int(alert_row["subject"].split(":")[1]))
        request_text = found["text"][0] if found.height else None
    hours = (alert_row["due_at"] - alert_row["raised_at"]).total_seconds() / 3600
    title = t("alerts.msg.title", lang, severity=severity_name(alert_row["severity"], lang),
              rule=rule_name(alert_row["rule_id"], lang))
    lines = (describe(alert_row, lang, names, person, unit, request_text),
             t("alerts.msg.due", lang, due=fmt_datetime(alert_row["due_at"], lang), hours=hours_text(hours, lang)),
             t("alerts.msg.owners", lang, owners=", ".join(code_label("owner", r, lang)
                                                         for r in alert_row["owner_roles"].split(","))))
    return channels.Message(title=title, lines=lines, link=alert_link(alert_row["alert_id"], base),
                            link_text=t("alerts.msg.open", lang))


def channel_of(spec: ChannelSpec) -> channels.Channel:
    url, secret, to = spec.resolve()
    return channels.Channel(name=spec.name, kind=spec.kind, url=url, secret=secret, to=to, lang=spec.lang)


def deliver(db: Database, config: AlertConfig, now: dt.datetime, send: Sender | None = None,
            base: str | None = None) -> dict[str, int]:
    """Send every pending message that is due; returns {"sent": n, "retry": n, "dead": n}."""
    send = send or channels.send
    due = db.sql("select * from alert_sends where status = 'pending' and next_try_at <= $now order by send_id",
                 now=now)
    counts = {"sent": 0, "retry": 0, "dead": 0}
    smtp = channels.smtp_settings_from_env()
    for row in due.iter_rows(named=True):
        spec = config.channel(row["channel"])
        receipt, error, retryable = None, None, False
        if spec is None or not spec.configured():
            error = "the channel is no longer configured"
        else:
            try:
                msg = message(db, alert(db, row["alert_id"]), spec, base)
                receipt = send(channel_of(spec), msg, now=now, smtp=smtp)
            except channels.SendError as exc:
                error, retryable = exc.reason, exc.retryable
            except channels.ChannelError as exc:
                error = str(exc)
            except Exception as exc:  # a sender's own failure: logged, retried like a network error
                _log.exception("sending an alert failed")
                error, retryable = type(exc).__name__, True
        attempts = row["attempts"] + 1
        if error is None:
            status, next_try = "sent", None
        elif retryable and attempts < config.retry_limit:
            status, next_try = "pending", now + dt.timedelta(seconds=config.retry_base_seconds * 2 ** (attempts - 1))
        else:
            status, next_try = "dead", None
        counts["sent" if status == "sent" else "retry" if status == "pending" else "dead"] += 1
        with db.transaction(bump=False) as cur:
            cur.execute("update alert_sends set status = $s, attempts = $n, next_try_at = $next, last_error = $e, "
                        "receipt = $r, sent_at = $sent where send_id = $id",
                        {"s": status, "n": attempts, "next": next_try, "e": error, "r": receipt,
                         "sent": now if status == "sent" else None, "id": row["send_id"]})
            _bump(cur)
            db.audit(cur, "alerts", "alert_sent" if status == "sent" else "alert_send_failed",
                     str(row["alert_id"]), detail={"channel": row["channel"], "attempt": attempts, "status": status,
                                                   **({"error": error} if error else {})})
    return counts


def test_channel(db: Database, config: AlertConfig, name: str, now: dt.datetime, actor: str,
                 send: Sender | None = None, base: str | None = None) -> str:
    """Send a test message to one channel now (no retry); recorded and audited. Returns the receipt; raises
    channels.ChannelError (not usable) or channels.SendError (refused)."""
    spec = config.channel(name)
    if spec is None:
        raise channels.ChannelError(f"There is no channel {name!r} in alerts.toml; channels: "
                                    f"{', '.join(c.name for c in config.channels) or 'none'}.")
    if not spec.configured():
        var = spec.to_env if spec.kind == "email" else spec.url_env
        raise channels.ChannelError(f"Channel {name!r} is not configured: set {var}.")
    msg = channels.Message(title=t("alerts.msg.test_title", spec.lang), lines=(t("alerts.msg.test_line", spec.lang),),
                           link=f"{base or base_url()}/inbox", link_text=t("alerts.msg.open", spec.lang))
    receipt, error = None, None
    try:
        receipt = (send or channels.send)(channel_of(spec), msg, now=now, smtp=channels.smtp_settings_from_env())
        return receipt
    except (channels.SendError, channels.ChannelError) as exc:
        error = getattr(exc, "reason", str(exc))
        raise
    finally:
        with db.transaction(bump=False) as cur:
            cur.execute("insert into alert_sends (send_id, alert_id, channel, event, status, attempts, last_error, "
                        "receipt, created_at, sent_at) values ($id, null, $c, 'test', $s, 1, $e, $r, $now, $sent)",
                        {"id": _next_id(cur, "alert_sends", "send_id"), "c": name,
                         "s": "sent" if error is None else "dead", "e": error, "r": receipt, "now": now,
                         "sent": now if error is None else None})
            db.audit(cur, actor, "alert_channel_test", name, detail={"ok": error is None})


def dead_letters(db: Database) -> pl.DataFrame:
    """Alert messages given up on (a failed channel test is in the audit log and the sends, not here)."""
    return db.sql("select * from alert_sends where status = 'dead' and event = 'raised' order by send_id")


def retry_dead(db: Database, send_id: int, now: dt.datetime, actor: str) -> None:
    """Put a dead letter back in the queue (after the channel is fixed): tried again at the next delivery."""
    with db.transaction(bump=False) as cur:
        found = cur.execute("select count(*) from alert_sends where send_id = $id and status = 'dead' "
                            "and alert_id is not null", {"id": send_id}).fetchone()[0]
        if not found:
            raise ValueError(f"Send {send_id} is not in the dead-letter list.")
        cur.execute("update alert_sends set status = 'pending', attempts = 0, next_try_at = $now where send_id = $id",
                    {"now": now, "id": send_id})
        _bump(cur)
        db.audit(cur, actor, "alert_requeued", str(send_id))
