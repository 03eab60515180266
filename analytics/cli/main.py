"""The command line: ``python -m analytics <command> --help``.

Every command takes ``--db PATH`` (else ``TANDEM_DB``, else ``data/tandem.duckdb``). Errors a
user can fix print one sentence on stderr and exit with status 2; nothing is half-written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from analytics.cli.common import cli_viewer, write_failure_log
from analytics.core.db import Database, DatabaseError, QueryError
from analytics.core.periods import PeriodError, parse_period
from analytics.core.registry import REGISTRY, UnknownMetricError
from analytics.core.settings import SettingsError, load_settings
from analytics.core.spreadsheet import csv_text
from analytics.metrics.engine import GroupingError, MetricNotComputable, computable, compute, groupings

USER_ERRORS = (DatabaseError, QueryError, PeriodError, UnknownMetricError, MetricNotComputable, GroupingError,
               SettingsError, ValueError)


def _progress_bar(fraction: float, message: str) -> None:
    width = 30
    done = int(width * fraction)
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {fraction * 100:5.1f}% {message[:50]:50}")
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _month_arg(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; write YYYY-MM, e.g. 2025-06.") from None


def cmd_demo(args: argparse.Namespace) -> int:
    from analytics.sources.setup import build_demo_database

    settings = load_settings(args.db)
    _may_replace(settings.db_path, args.replace)
    counts = build_demo_database(settings.db_path, size=args.size, seed=args.seed, end=args.end,
                                 progress=None if args.quiet else _progress_bar)
    from analytics.reviews.seed import prepare_demo

    db = Database(settings.db_path)
    try:  # the flight-risk model and the seeded meeting's numbers, so no first view waits for them
        prepare_demo(db, settings.fiscal_year_start, args.seed)
    finally:
        db.close()
    print(f"Demo company ({args.size}, seed {args.seed}) written to {settings.db_path}: "
          f"{counts['employees']:,} people, {counts['orders']:,} orders, {sum(counts.values()):,} rows in all.")
    return 0


def _may_replace(path: Path, replace: bool) -> None:
    """The demo only overwrites a demo company (or an empty database); another one needs --replace, and is
    backed up first (``backup.before_change``)."""
    if not path.exists() or path.is_dir():
        return
    db = Database(path, read_only=True)  # refuses a locked, foreign or newer file with a clear message
    try:
        demo = db.meta("demo") == "true"
        rows = sum(n for table, n in db.table_counts().items() if table != "meta")
    finally:
        db.close()
    if demo or rows == 0:
        return
    if not replace:
        raise DatabaseError(f"{path} holds a company that is not the demo ({rows:,} rows); the demo would replace "
                            "it. Give another --db, or add --replace to replace it (it is backed up first).")
    from analytics.core import backup

    result = backup.before_change(path, "replace")
    if result is not None:
        print(f"Backed up {path} to {result.written[0]} before replacing it.")


def _open(args: argparse.Namespace) -> Database:
    settings = load_settings(args.db)
    if not settings.db_path.exists():
        raise DatabaseError(f"There is no database at {settings.db_path}. Build one with "
                            f"`python -m analytics demo --db {settings.db_path}` or import your data.")
    return Database(settings.db_path, read_only=True)


def cmd_metrics(args: argparse.Namespace) -> int:
    if args.docs:
        from analytics.core.metric_docs import render

        text = render()
        if args.docs == "-":
            sys.stdout.write(text)
        else:
            Path(args.docs).write_text(text, encoding="utf-8")
            print(f"wrote {args.docs}: {len(REGISTRY)} metrics")
        return 0
    if args.list:
        from analytics.cli.tables import TABLE_GROUPINGS, TABLE_METRICS

        custom = _custom_catalogue(args)
        rows = [{"id": m.id, "domain": m.domain, "name_en": m.name_en, "name_zh": m.name_zh, "unit": m.unit,
                 "computed": m.id in computable() or m.id in TABLE_METRICS,
                 "output": "value" if m.id in computable() else "table" if m.id in TABLE_METRICS else "",
                 "by": ",".join(groupings(m.id)) if m.id in computable() else ",".join(TABLE_GROUPINGS.get(m.id, ())),
                 "origin": "built-in", "refused": ""}
                for m in REGISTRY.values()]
        rows += [{"id": cm.id, "domain": cm.metric.domain, "name_en": cm.metric.name_en, "name_zh": cm.metric.name_zh,
                  "unit": cm.metric.unit, "computed": True, "output": "value", "by": ",".join(["month", *cm.groupings]),
                  "origin": f"metrics/{cm.file}", "refused": ""} for cm in custom.metrics.values()]
        rows += [{"id": file.removesuffix(".toml"), "domain": "", "name_en": "", "name_zh": "", "unit": "",
                  "computed": False, "output": "", "by": "", "origin": f"metrics/{file}", "refused": str(exc)}
                 for file, exc in custom.refused.items()]
        _emit(pl.DataFrame(rows), args.format)
        return 0
    if not args.metric:
        raise GroupingError("Name a metric (e.g. `metrics headcount_end --period 2025-Q3`) or use --list.")
    if not args.period:
        raise PeriodError("Give --period, e.g. 2025-07, 2025-Q3, FY2025 or 2024-01..2025-06.")
    settings = load_settings(args.db)
    period = parse_period(args.period, settings.fiscal_year_start)
    db = _open(args)
    try:
        by = [b.strip() for part in args.by for b in part.split(",") if b.strip()]
        viewer = cli_viewer(db, args, settings.suppression_threshold)
        from analytics.cli.tables import TABLE_METRICS, run_table

        if args.metric in TABLE_METRICS:  # a table or a curve: print it as the page shows it
            from analytics.metrics.engine import as_of_date

            _emit(run_table(args.metric, db, viewer, period, as_of_date(db), args.lang, by), args.format)
            return 0
        if args.compare:
            frame = _compared(db, viewer, args.metric, period, by, args.lang, settings.fiscal_year_start)
        else:
            frame = compute(db, viewer, args.metric, period, by=by, lang=args.lang)
    finally:
        db.close()
    groups = [c for c in dict.fromkeys(["month", *by]) if c in frame.columns]
    compared = ["previous_period", "previous", "change"] if args.compare else []
    frame = frame.select(["period", *groups, "label", "value", *compared, "numerator", "denominator", "n_people",
                          "basis", "masked", "partial", "maturing", "small_base"])
    _emit(frame, args.format)
    return 0


def _custom_catalogue(args: argparse.Namespace):
    """The company's own metrics (metrics/*.toml), each tried on the database when it can be opened."""
    from analytics.core import custom_metrics

    try:
        db = _open(args)
    except DatabaseError:  # no database yet, or held by another process: the files' own checks only
        return custom_metrics.loaded(REGISTRY)
    try:
        return custom_metrics.check_on(db, REGISTRY)
    finally:
        db.close()


def _compared(db: Database, viewer, metric_id: str, period, by: list[str], lang: str, fy_start: int) -> pl.DataFrame:
    """The metric for the period and, by the one comparison rule, for the previous period of the same grain at
    the same stretch (``--compare``); the whole scope goes through the same figure path as the pages."""
    from analytics.metrics import figure
    from analytics.metrics.compare import comparable_periods
    from analytics.metrics.engine import as_of_date

    as_of = as_of_date(db)
    if not by:
        fig = figure.headline(db, viewer, metric_id, period, as_of, fy_start)
        frame = compute(db, viewer, metric_id, period.to_date(as_of), lang=lang, as_of=as_of)
        return frame.with_columns(period=pl.lit(period.label), previous_period=pl.lit(fig.previous_period),
                                  previous=pl.lit(fig.previous, pl.Float64), change=pl.lit(fig.delta, pl.Float64))
    if "month" in by:
        raise GroupingError("--compare compares whole periods: drop month from --by.")
    current, previous = comparable_periods(period, as_of, fy_start)
    now = compute(db, viewer, metric_id, current, by=by, lang=lang, as_of=as_of)
    before = compute(db, viewer, metric_id, previous, by=by, lang=lang, as_of=as_of).select(*by, previous="value")
    return now.join(before, on=by, how="left", nulls_equal=True).with_columns(
        period=pl.lit(period.label), previous_period=pl.lit(previous.label),
        change=pl.col("value") - pl.col("previous"))


def cmd_users(args: argparse.Namespace) -> int:
    """Manage users: add, list, grant, disable, enable, password, roles-file."""
    import getpass

    from analytics.core import auth
    settings = load_settings(args.db)
    if not settings.db_path.exists():
        raise DatabaseError(f"There is no database at {settings.db_path}.")
    db = Database(settings.db_path)
    actor = args.user or "cli"  # no --user: the operator at the server, who holds the database file
    try:
        if args.user:  # acting as a user: an existing, enabled admin, never changing their own account
            auth.check_actor(db, auth.require_account(db, args.user))
        grants = [auth.Grant(*(g.split("@", 1) if "@" in g else (g, auth.WHOLE_COMPANY))) for g in args.role]
        if args.action == "list":
            _emit(auth.list_users(db), args.format)
            return 0
        if not args.name:
            raise auth.AuthError("Name the user, e.g. `users add alice --role hr_head@company`.")
        if args.action == "add":
            password = args.password or (sys.stdin.readline().strip() if args.password_stdin
                                         else getpass.getpass(f"Password for {args.name}: "))
            auth.add_user(db, args.name, password, grants, actor, display_name=args.display_name,
                          email=args.email, employee_id=args.employee_id)
        elif args.action == "grant":
            auth.set_grants(db, args.name, grants, actor)
        elif args.action in {"disable", "enable"}:
            auth.set_disabled(db, args.name, args.action == "disable", actor)
        elif args.action == "password":
            password = sys.stdin.readline().strip() if args.password_stdin else getpass.getpass("New password: ")
            auth.set_password(db, args.name, password, actor)
        elif args.action == "roles-file":
            from pathlib import Path

            print(f"Roles applied to {auth.load_roles_file(db, Path(args.name), actor)} users.")
            return 0
        print(f"{args.action}: {args.name} done.")
        return 0
    except auth.AuthError as exc:
        raise GroupingError(str(exc)) from None
    finally:
        db.close()


def cmd_checks(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        results = db.run_checks()
    finally:
        db.close()
    broken = 0
    for name, rows in results.items():
        print(f"{'FAIL' if rows.height else 'ok  '} {name}: {rows.height} row(s)")
        broken += rows.height > 0
    return 1 if broken else 0


def cmd_info(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        info = {"path": str(db.path), "data_version": db.data_version, "as_of": db.meta("as_of"),
                "schema_version": db.meta("schema_version"), "demo": db.meta("demo") == "true",
                "mode": "demo company" if db.meta("demo") == "true" else "real data",
                "tables": db.table_counts()}
    finally:
        db.close()
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def cmd_risk(args: argparse.Namespace) -> int:
    from analytics.people import risk_report
    if args.action == "evaluate":
        if not args.file or not args.target:
            raise GroupingError("risk evaluate needs --file F and --target COLUMN (the left/stayed column).")
        from pathlib import Path

        path = Path(args.file)
        if not path.exists():
            raise DatabaseError(f"There is no file at {path}.")
        try:
            result = risk_report.evaluate_snapshot_bytes(path.read_bytes(), args.target, path.name)
        except ValueError as exc:
            raise GroupingError(str(exc)) from None
        report = {"file": str(path), "rows": result.n_rows, "left_share": round(result.positive_rate, 4),
                  "dropped_columns": result.dropped, "folds": 5,
                  **{k: round(v, 4) for k, v in result.scores.items()},
                  "top_drivers": [{"feature": f, "weight": round(w, 3)}
                                  for f, w in result.drivers.head(args.top).iter_rows()]}
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    settings = load_settings(args.db)
    db = _open_for_model(args, settings.db_path)
    try:
        from analytics.metrics.engine import as_of_date

        as_of = as_of_date(db)
        viewer = cli_viewer(db, args, settings.suppression_threshold)
        if args.action == "list" and viewer.sees_nothing:
            raise GroupingError(f"`risk list` shows individual people and user {viewer.user!r} has no role or is "
                                "disabled, so sees nothing.")
        if args.action == "list" and not viewer.person_level:
            raise GroupingError(f"`risk list` shows individual people and user {viewer.user!r} may see aggregates "
                                "only; `metrics flight_risk --period P` shows flight risk by team.")
        if args.action == "backtest":
            bt = risk_report.evaluation(db, viewer, as_of, args.horizon)
            if bt is None:
                raise GroupingError("Not enough history to backtest the model (needs about two years).")
            report = {"horizon_months": args.horizon, "train_dates": [str(d) for d in bt.train_dates],
                      "test_dates": [str(d) for d in bt.test_dates], "n_train": bt.n_train, "n_test": bt.n_test,
                      "base_rate": round(bt.base_rate, 4), "scores": bt.scores,
                      "drivers": bt.drivers.head(args.top).to_dicts()}
            if bt.scope is not None:  # the same model's numbers on the people of this user's scope
                report["on_your_scope"] = bt.scope
            print(json.dumps(report, indent=2, default=str))
        else:
            ranked = risk_report.ranked(db, viewer, as_of, args.horizon).drop("driver_effects", strict=False)
            _emit(_flat(ranked.head(args.top)), args.format)
            import duckdb

            from analytics.reviews.export import record_export
            try:  # a person-level list (with pay drivers where the user may see pay) is an export: audited
                record_export(db, viewer.user, f"risk list {args.horizon} months top {args.top}", viewer.scope_key,
                              min(args.top, ranked.height))
            except duckdb.Error:  # opened read-only: another process holds the database
                print("Note: not recorded in the audit log, the database is open in another process (read-only).",
                      file=sys.stderr)
    finally:
        db.close()
    return 0


def _open_for_model(args: argparse.Namespace, path: Path) -> Database:
    """Read-write when the file is free, so a model fitted here is stored with the data (not bumping its
    version) for the next run and the app; read-only when another process holds it."""
    if path.exists():
        try:
            return Database(path)
        except DatabaseError:
            pass
    return _open(args)


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns as text ("a; b"), so every output format, CSV included, can print the frame."""
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns([pl.col(c).list.eval(pl.element().cast(pl.Utf8).fill_null("")).list.join("; ")
                               for c in lists])


def cmd_bench(args: argparse.Namespace) -> int:
    from benchmarks.run import main as bench_main

    return bench_main(["--sizes", args.sizes, "--out", args.out])


def _emit(frame: pl.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(csv_text(frame))
    elif fmt == "json":
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1))
    else:
        with pl.Config(tbl_rows=200, tbl_cols=20, fmt_str_lengths=40):
            print(frame)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Tandem: HR and Sales analytics.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $TANDEM_DB or data/tandem.duckdb)")
    common.add_argument("--user", help="act as this Tandem user, with their scope and fields (default: the "
                                       "operator, who sees everything)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", parents=[common], help="build the synthetic demo company",
                       description="Build the demo company into the database (replacing a Tandem database there).")
    p.add_argument("--size", choices=["small", "medium", "large"], default="small",
                   help="small ≈ 300 people / 3 years; medium ≈ 5,000 / 5 years; large ≈ 50,000 / 5 years")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, size and end → same data)")
    p.add_argument("--end", type=_month_arg, help="last month of history, YYYY-MM (default: last complete month)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--replace", action="store_true",
                   help="replace a database that is not a demo company (it is backed up first)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("metrics", parents=[common], help="print a metric for a period and grouping",
                       description="Print a metric from the registry, the same numbers the pages show.")
    p.add_argument("metric", nargs="?", help="metric id, e.g. headcount_end (see --list)")
    p.add_argument("--period", help="2025-07, 2025-Q3, FY2025 or a range 2024-01..2025-06")
    p.add_argument("--by", action="append", default=[],
                   help="grouping(s), comma-separated or repeated: month, region, team, role, ... (see --list)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of group labels")
    p.add_argument("--list", action="store_true", help="list every metric of the registry, then the company's own "
                   "(metrics/*.toml; a refused file with the reason)")
    p.add_argument("--compare", action="store_true",
                   help="add the previous period of the same grain (a partial period: the same elapsed stretch)")
    p.add_argument("--docs", metavar="PATH", help="write the metric definitions (docs/metrics.md) from the registry; "
                   "- prints them")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("checks", parents=[common], help="run the data contracts (sql/checks)",
                       description="Run every data contract; exit 1 when any rule is broken.")
    p.set_defaults(func=cmd_checks)

    p = sub.add_parser("info", parents=[common], help="show the database: tables, versions, as-of date",
                       description="Show the database file, schema and data versions, as-of date and row counts.")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("users", parents=[common], help="manage users, roles and scopes",
                       description="Manage local accounts: add (password hashed with argon2), list, grant "
                                   "(replaces roles), disable, enable, password, roles-file (apply a TOML role file).")
    p.add_argument("action", choices=["add", "list", "grant", "disable", "enable", "password", "roles-file"])
    p.add_argument("name", nargs="?", help="user name (or the role file for roles-file)")
    p.add_argument("--role", action="append", default=[],
                   help="ROLE@UNIT, repeatable: admin, hr_head, sales_director, manager, analyst @ company/region/team")
    p.add_argument("--password", help="the password (prefer --password-stdin or the prompt)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--display-name")
    p.add_argument("--email", help="e-mail for single sign-on")
    p.add_argument("--employee-id", type=int, help="the employee this user is (pay of their own reports)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("risk", parents=[common], help="flight-risk model: evaluate a snapshot, backtest, list",
                       description="Flight risk. `evaluate` cross-validates the model on a one-row-per-person file "
                                   "with a left/stayed column (e.g. IBM's attrition data); `backtest` validates the "
                                   "model out of time on the database; `list` ranks the people most likely to leave.")
    p.add_argument("action", choices=["evaluate", "backtest", "list"])
    p.add_argument("--file", help="snapshot CSV for evaluate")
    p.add_argument("--target", help="the left/stayed column of the snapshot (e.g. Attrition)")
    p.add_argument("--horizon", type=int, default=6, help="months ahead (default 6)")
    p.add_argument("--top", type=int, default=20, help="how many drivers / people to print")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.set_defaults(func=cmd_risk)

    from analytics.cli import export_cmd as cli_export
    from analytics.cli import import_cmd as cli_import  # these commands live beside their modules
    cli_import.add_parser(sub, common)
    from analytics.cli import sync_cmd as cli_sync
    cli_sync.add_parser(sub, common)
    from analytics.cli import backup_cmd as cli_backup
    cli_backup.add_parser(sub, common)
    from analytics.cli import panels_cmd as cli_panels
    cli_panels.add_parser(sub, common)
    cli_export.add_parser(sub, common)
    from analytics.cli import person_cmd as cli_person
    cli_person.add_parser(sub, common)
    from analytics.cli import alerts_cmd as cli_alerts
    cli_alerts.add_parser(sub, common)
    from analytics.cli import usage_cmd as cli_usage
    cli_usage.add_parser(sub, common)
    from analytics.cli import facts_cmd as cli_facts
    cli_facts.add_parser(sub, common)

    p = sub.add_parser("bench", help="run the benchmarks and write the report",
                       description="Run the benchmark harness (benchmarks/run.py) and write its report.")
    p.add_argument("--sizes", default="small,medium,large", help="demo sizes to measure, comma-separated")
    p.add_argument("--out", default="benchmarks/REPORT.md", help="report file")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except BaseException as exc:  # polars panics are BaseExceptions: never a bare traceback
        log = write_failure_log(exc)
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        print(f"error: unexpected failure ({type(exc).__name__}: {first}); the details are in {log}", file=sys.stderr)
        return 3
