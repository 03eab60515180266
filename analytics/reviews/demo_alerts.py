"""The demo company's green channel, played forward: the alert rules evaluated at the last few month ends as the
data arrived (the first one is each list's starting point), the demo's people answering them — mostly within the
day, some late, some never — and one urgent request from the East director that HR answered; then the rules
evaluated once more now, so the current alerts are fresh. Deterministic but for the wall clock of the last step.

The rules and the store are the product's own (``analytics/alerts``); only who answers when is drawn at random
(``numpy.random.default_rng([seed, 47])``). No message is sent (the replay runs without channels).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl

from analytics.alerts import evaluate_report, rules, store
from analytics.core import auth
from analytics.core.db import Database
from analytics.core.periods import add_months, month_end
from analytics.metrics.engine import as_of_date

HISTORY_MONTHS = 3
MEDIAN_HOURS = 8.0        # a typical time to acknowledge
RESOLVED_SHARE = 0.75
ANSWERED_SHARE = 0.9      # the rest are never answered
RESOLUTIONS = {
    "key_person_flight_risk": "直属经理已面谈，调整了客户组合并提交调薪申请",
    "ka_owner_leaving": "已指定同区域资深销售接手，并安排交接拜访",
    "region_attrition_high": "启动区域留才计划：新人导师全覆盖、月度离职面谈复盘",
    "key_vacancy_late": "已启用内推加急通道，两名候选人进入终面",
    "rep_under_target": "已制定改进计划，经理每周辅导一次",
    "probation_exits_high": "复盘招聘渠道，试用期增加第 30 天回访",
    "care_signal": "已与本人沟通，调整了出差安排",
}
REQUEST = ("people_short", 2, "华东承接地铁项目投标，两周内需增派两名有大客户经验的销售")
REQUEST_ANSWER = "已从华东其他小组临时调配两名销售支援投标，招聘同步启动"


def _responders(db: Database) -> dict[str, object]:
    """Demo user → Viewer, for the users who answer alerts (HR head, directors)."""
    users = db.sql("select username from users where is_demo and not disabled order by username")["username"]
    viewers = {u: auth.viewer_for(db, u) for u in users.to_list()}
    return {u: v for u, v in viewers.items() if v.roles & {"hr_head", "sales_director"}}


def _answer(db: Database, row: dict, responders: dict, rng: np.random.Generator, tree: dict) -> None:
    eligible = [v for v in responders.values() if store.may_answer(v, row, tree)]
    if not eligible or rng.random() > ANSWERED_SHARE:
        return
    directors = [v for v in eligible if "sales_director" in v.roles]
    who = (directors or eligible)[0]
    hours = float(rng.lognormal(np.log(MEDIAN_HOURS / (2 if row["severity"] == "urgent" else 1)), 1.0))
    acked = row["raised_at"] + dt.timedelta(hours=hours)
    store.acknowledge(db, who, row["alert_id"], acked)
    if rng.random() < RESOLVED_SHARE:
        done = acked + dt.timedelta(days=float(rng.uniform(1, 10)))
        store.resolve(db, who, row["alert_id"], RESOLUTIONS.get(row["rule_id"], "已处理"), done)


def replay(db: Database, seed: int = 7, fy_start: int = 1, now: dt.datetime | None = None) -> int:
    """Play the demo's alerts forward (only into an empty alerts table); returns the alerts raised."""
    if db.scalar("select count(*) from alerts"):
        return 0
    config = replace(rules.load(), channels=())
    as_of = as_of_date(db)
    rng = np.random.default_rng([seed, 47])
    responders = _responders(db)
    tree = store.org_tree(db)
    ends = [month_end(add_months(as_of.replace(day=1), -i)) for i in range(HISTORY_MONTHS, 0, -1)]
    for end in ends:
        result = evaluate_report.evaluate(db, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(8)), end,
                                          config, fy_start)
        raised = db.sql("select * from alerts where list_contains($ids, alert_id) order by alert_id",
                        ids=result.new_alerts)
        for row in raised.iter_rows(named=True):
            _answer(db, row, responders, rng, tree)
    _request(db, responders, as_of)
    evaluate_report.evaluate(db, now or dt.datetime.now().replace(microsecond=0), as_of, config, fy_start)
    return int(db.scalar("select count(*) from alerts where not quiet"))


def _request(db: Database, responders: dict, as_of: dt.date) -> None:
    """The East director's urgent request ten days before the data's as-of date, answered by HR within hours."""
    director = next((v for v in responders.values() if "sales_director" in v.roles and v.org_units), None)
    hr = next((v for v in responders.values() if "hr_head" in v.roles), None)
    if director is None or hr is None:
        return
    teams = db.sql("select org_unit_id from org_units where level = 'team' and list_contains($u, parent_id) "
                   "order by org_unit_id limit 1", u=sorted(director.org_units))
    if teams.is_empty():
        return
    filed = dt.datetime.combine(as_of - dt.timedelta(days=10), dt.time(9, 30))
    kind, people, text = REQUEST
    alert_id = store.file_request(db, director, kind, teams["org_unit_id"][0], text, filed + dt.timedelta(hours=24),
                                  filed, people=people, as_of=as_of)
    store.acknowledge(db, hr, alert_id, filed + dt.timedelta(hours=3, minutes=20))
    store.add_action(db, hr, alert_id, "已联系华东其他小组经理确认可调配人员", filed + dt.timedelta(hours=5))
    store.resolve(db, hr, alert_id, REQUEST_ANSWER, filed + dt.timedelta(hours=20))


def summary(db: Database) -> pl.DataFrame:
    """Alerts per rule and state (a quick look for the demo command)."""
    return db.sql("select rule_id, count(*) as raised, count(acknowledged_at) as acknowledged, "
                  "count(resolved_at) as resolved from alerts where not quiet group by 1 order by 1")
