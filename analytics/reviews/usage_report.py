"""The system's report on its own use (定期回访): page views, exports and sessions per month, by role and by page,
distinct users, the most and least used pages of a quarter, and the feedback notes.

Read from the audit log (analytics/core/usage_log.py writes the page views). Definitions:

* a **page view** is one visit to a page (switching to it; reruns of the same page do not count);
* a **session** is one signed-in browser session, counted once, in the month of its first page view;
* an **export** is an ``export`` entry; its page is the page the same user last opened within the previous
  ``EXPORT_PAGE_HOURS`` (none: an export from the command line or a session without a view), its roles those of
  that view (else the user's roles now);
* a user holding several roles counts under each in the tables by role (their sum can exceed the total);
* the pages ranked are the menu's (analytics/core/page_catalogue.py): a page nobody opened is least used.

User names reach admins only. Other viewers get roles and counts, and a role with fewer than ``min_users``
distinct users in the quarter is pooled with the other small roles under ``OTHER_ROLE`` rather than shown
on its own (one director's use is not one director's name, but it is one person's use).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from analytics.core import usage_log
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_month, t
from analytics.core.page_catalogue import REPORTED, nav_key
from analytics.core.periods import Period, add_months, parse_period, quarter_of

EXPORT_PAGE_HOURS = 8       # an export belongs to the page its user opened at most this long before
OTHER_ROLE = "other_roles"  # small roles pooled, for viewers who are not admins
NO_ROLE = "no_role"
NO_PAGE = "no_page"
TOP = 5                     # pages in the most and in the least used list


@dataclass(frozen=True)
class UsageReport:
    """One quarter of use. Frames have plain codes (month as a date, role and page codes); pages name them."""

    quarter: Period
    months: list[dt.date]
    totals: pl.DataFrame          # month, page_views, exports, sessions, active_users
    by_role: pl.DataFrame         # month, role, page_views, exports, sessions, active_users
    by_page: pl.DataFrame         # month, page, page_views, exports, active_users
    ranking: pl.DataFrame         # page, page_views, exports, active_users — every menu page, most used first
    by_user: pl.DataFrame | None  # username, roles, page_views, exports, sessions, pages_opened, last_seen (admins)
    pooled_roles: int             # roles pooled under OTHER_ROLE (0 for admins)
    notes: int                    # feedback notes written in the quarter

    @property
    def most_used(self) -> pl.DataFrame:
        return self.ranking.filter(pl.col("page_views") > 0).head(TOP)

    @property
    def least_used(self) -> pl.DataFrame:
        """The least opened pages, fewest first (pages never opened among them)."""
        return self.ranking.reverse().head(TOP)

    @property
    def never_opened(self) -> list[str]:
        return self.ranking.filter(pl.col("page_views") == 0)["page"].to_list()


def quarter_period(label: str | None, today: dt.date, fy_start: int = 1) -> Period:
    """The fiscal quarter named ``label`` (``2026-Q3``), or the one holding ``today``."""
    if not label:
        return quarter_of(today, fy_start)
    period = parse_period(label, fy_start)
    if period.grain != "quarter":
        raise ValueError(f"{label!r} is not a quarter; write it as 2025-Q4.")
    return period


def quarters_with_use(db: Database, today: dt.date, fy_start: int = 1) -> list[Period]:
    """The quarters from the first recorded page view to ``today``'s, newest first (at least today's)."""
    first = db.scalar("select min(occurred_at) from audit_log where action = 'page_view'")
    start = quarter_of(first.date() if first else today, fy_start)
    out, current = [], quarter_of(today, fy_start)
    while current.start >= start.start and len(out) < 40:
        out.append(current)
        current = quarter_of(add_months(current.start, -1), fy_start)
    return out


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(period.start, dt.time()), dt.datetime.combine(period.end + dt.timedelta(days=1),
                                                                             dt.time())


def build(db: Database, viewer: Viewer, quarter: Period, min_users: int = 10,
          today: dt.date | None = None) -> UsageReport:
    """The quarter's use as ``viewer`` may see it (names for admins only; small roles pooled for others); the
    months after ``today``'s (a running quarter's) are left out."""
    start, end = _bounds(quarter)
    entries = usage_log.usage_entries(db, start - dt.timedelta(hours=EXPORT_PAGE_HOURS), end)
    current = dict(db.sql("select username, string_agg(distinct role, ',' order by role) as roles from user_roles "
                          "group by username").rows())
    notes = usage_log.feedback_notes(db, start, end).height
    report = compute(entries, quarter, current, viewer.is_admin, min_users, notes)
    last = (today or dt.date.today()).replace(day=1)
    if report.months[-1] > last:
        report = replace(report, months=[m for m in report.months if m <= last],
                         totals=report.totals.filter(pl.col("month") <= last))
    return report


def compute(entries: pl.DataFrame, quarter: Period, current_roles: dict[str, str], names: bool, min_users: int,
            notes: int = 0) -> UsageReport:
    """The report from audit entries (``usage_log.usage_entries`` columns): the arithmetic, without a database."""
    start, _ = _bounds(quarter)
    month = pl.col("occurred_at").dt.truncate("1mo").cast(pl.Date).alias("month")
    views_all = entries.filter(pl.col("action") == "page_view").sort("occurred_at")
    views = views_all.filter(pl.col("occurred_at") >= start).with_columns(month)
    sessions = (views.filter(pl.col("session").is_not_null()).group_by("session")
                .agg(pl.col("occurred_at").min(), pl.col("actor").first(), pl.col("roles").first())
                .with_columns(month))
    exports = _exports(entries, views_all, start, current_roles).with_columns(month)

    def role_rows(frame: pl.DataFrame) -> pl.DataFrame:
        return (frame.with_columns(role=pl.when(pl.col("roles") == "").then(pl.lit(NO_ROLE))
                                   .otherwise(pl.col("roles")).str.split(",")).explode("role"))

    v, x, s = role_rows(views), role_rows(exports), role_rows(sessions)
    pooled = 0
    if not names:  # roles with fewer distinct users than min_users are pooled together
        users = pl.concat([f.select("role", "actor") for f in (v, x)]).unique()
        small = users.group_by("role").len().filter(pl.col("len") < min_users)["role"].to_list()
        pooled = len(small)
        swap = pl.when(pl.col("role").is_in(small)).then(pl.lit(OTHER_ROLE)).otherwise(pl.col("role")).alias("role")
        v, x, s = (f.with_columns(swap) for f in (v, x, s))
    totals = _counts(views, exports, sessions, ["month"])
    by_role = _counts(v, x, s, ["month", "role"])
    by_page = _counts(views.rename({"target": "page"}), exports, None, ["month", "page"])
    ranking = (pl.DataFrame({"page": list(REPORTED)})
               .join(_counts(views.rename({"target": "page"}), exports, None, ["page"]), on="page", how="left")
               .fill_null(0).with_row_index("order")
               .sort(["page_views", "exports", "order"], descending=[True, True, False]).drop("order"))
    months = quarter.months
    grid = pl.DataFrame({"month": months}, schema={"month": pl.Date})
    totals = grid.join(totals, on="month", how="left").fill_null(0)
    by_user = _by_user(views, exports, sessions) if names else None
    return UsageReport(quarter, months, totals, by_role.sort(["month", "role"]), by_page.sort(["month", "page"]),
                       ranking, by_user, pooled, notes)


def _exports(entries: pl.DataFrame, views: pl.DataFrame, start: dt.datetime,
             current_roles: dict[str, str]) -> pl.DataFrame:
    """The quarter's exports with the page and roles of the same user's last view before each (if recent)."""
    exports = entries.filter((pl.col("action") == "export") & (pl.col("occurred_at") >= start)).drop("roles")
    if exports.is_empty():
        return exports.with_columns(page=pl.lit(None, pl.Utf8), roles=pl.lit("", pl.Utf8))
    last = views.select("actor", "occurred_at", page=pl.col("target"), view_roles=pl.col("roles")).sort("occurred_at")
    joined = exports.sort("occurred_at").join_asof(last, on="occurred_at", by="actor", strategy="backward",
                                                   tolerance=dt.timedelta(hours=EXPORT_PAGE_HOURS),
                                                   check_sortedness=False)
    now_roles = pl.col("actor").replace_strict(current_roles, default="", return_dtype=pl.Utf8)
    return joined.with_columns(page=pl.col("page").fill_null(NO_PAGE),
                               roles=pl.coalesce(pl.col("view_roles"), now_roles)).drop("view_roles")


def _counts(views: pl.DataFrame, exports: pl.DataFrame, sessions: pl.DataFrame | None, by: list[str]) -> pl.DataFrame:
    """Page views, exports, sessions and distinct users (of views or exports) per ``by``."""
    v = views.group_by(by).agg(page_views=pl.len())
    x = exports.group_by(by).agg(exports=pl.len())
    u = (pl.concat([views.select(*by, "actor"), exports.select(*by, "actor")]).group_by(by)
         .agg(active_users=pl.col("actor").n_unique()))
    out = u.join(v, on=by, how="left").join(x, on=by, how="left")
    if sessions is not None:
        out = out.join(sessions.group_by(by).agg(sessions=pl.len()), on=by, how="full", coalesce=True)
    cols = ["page_views", "exports", *(["sessions"] if sessions is not None else []), "active_users"]
    return out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in cols).select(*by, *cols)


def _by_user(views: pl.DataFrame, exports: pl.DataFrame, sessions: pl.DataFrame) -> pl.DataFrame:
    """Per user (admins only): roles, views, exports, sessions, pages opened and the last view."""
    v = views.group_by("actor").agg(roles=pl.col("roles").last(), page_views=pl.len(),
                                    pages_opened=pl.col("target").n_unique(), last_seen=pl.col("occurred_at").max())
    x = exports.group_by("actor").agg(exports=pl.len(), export_roles=pl.col("roles").last())
    s = sessions.group_by("actor").agg(sessions=pl.len())
    out = v.join(x, on="actor", how="full", coalesce=True).join(s, on="actor", how="full", coalesce=True)
    counts = ("page_views", "exports", "sessions", "pages_opened")
    return (out.with_columns(pl.coalesce("roles", "export_roles").alias("roles"),
                             *(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts))
            .select(username=pl.col("actor"), roles="roles", page_views="page_views", exports="exports",
                    sessions="sessions", pages_opened="pages_opened", last_seen="last_seen")
            .sort(["page_views", "username"], descending=[True, False]))


def role_name(role: str, lang: str) -> str:
    """A role code of the report as a reader names it (the pooled small roles and "no role" included)."""
    if role == OTHER_ROLE:
        return t("usage.role_other", lang)
    if role == NO_ROLE:
        return t("usage.role_none", lang)
    return code_label("owner", role, lang)


def page_name(slug: str, lang: str) -> str:
    """A page's menu name (an export without a page, or an address that is no page: said so)."""
    key = nav_key(slug)
    return t(f"nav.{key.removeprefix('nav.')}", lang) if key else t("usage.page_none", lang)


def named(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """``frame`` with its codes as names in ``lang``: months as month names, roles (one or several, comma-separated)
    and pages by their names; counts left as numbers."""
    out = frame
    if "month" in out.columns:
        out = out.with_columns(pl.col("month").map_elements(lambda m: fmt_month(m, lang), return_dtype=pl.Utf8))
    sep = "、" if lang == "zh" else ", "
    for col in ("role", "roles"):
        if col in out.columns:
            out = out.with_columns(pl.col(col).map_elements(
                lambda r: sep.join(role_name(x, lang) for x in (r or NO_ROLE).split(",")), return_dtype=pl.Utf8))
    if "page" in out.columns:
        out = out.with_columns(pl.col("page").map_elements(lambda p: page_name(p, lang), return_dtype=pl.Utf8))
    return out
