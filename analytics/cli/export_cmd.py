"""``python -m analytics export`` — a review pack (PPTX, PDF, HTML) or one of its charts (PNG, SVG, PDF).

For scheduled runs::

    python -m analytics export --review quarterly --period 2025-Q3 --lang zh --format pptx --out q3.pptx
    python -m analytics export --review monthly --period 2025-11 --chart sales --format png --out sales.png
    python -m analytics export --saved 12 --format pdf --out review-12.pdf      # a frozen review, as saved

The output path is checked before any work; the file is written to a temporary file in the same folder
and moved into place, so a failed run leaves nothing half-written. Every export is audited. Errors a user
can fix (unknown period, unwritable path, unknown chart) are one sentence and exit status 2.
"""
from __future__ import annotations

import argparse
import sys

PACK_FORMATS = ("pptx", "pdf", "html")
CHART_FORMATS = ("png", "svg", "pdf")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[common], help="export a review pack (PPTX, PDF, HTML) or a chart",
                       description="Export a monthly or quarterly review pack, or one chart of it, to a file.")
    p.add_argument("--review", choices=["monthly", "quarterly"], help="which meeting's review to build")
    p.add_argument("--period", help="the month (monthly, e.g. 2025-11) or fiscal quarter (quarterly, e.g. 2025-Q3)")
    p.add_argument("--saved", type=int, metavar="ID", help="export a saved (frozen) review instead of building one")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--format", choices=sorted({*PACK_FORMATS, *CHART_FORMATS}), default="pptx",
                   help="pptx, pdf or html for a pack; png, svg or pdf with --chart")
    p.add_argument("--chart", metavar="ID", help="export only this item's chart (e.g. sales, attainment, regions)")
    p.add_argument("--width", type=int, help="chart width in pixels (with --chart)")
    p.add_argument("--height", type=int, help="chart height in pixels (with --chart)")
    p.add_argument("--scale", type=float, default=1.0, help="chart pixel scale (with --chart; default 1)")
    p.add_argument("--save", action="store_true", help="also save (freeze) the built review and carry action items")
    p.add_argument("--out", required=True, help="output file (written atomically)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=_run)


class _Bar:
    """A progress bar on stderr that always ends its line (also when the run stops with an error)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.open = quiet, False

    def __call__(self, fraction: float, message: str) -> None:
        if self.quiet:
            return
        width = 30
        done = int(width * fraction)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {fraction * 100:5.1f}% {message[:40]:40}")
        self.open = fraction < 1
        if not self.open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.open = False


def _run(args: argparse.Namespace) -> int:
    from analytics.cli.common import cli_viewer
    from analytics.core.db import Database, DatabaseError
    from analytics.core.periods import parse_period
    from analytics.core.settings import load_settings
    from analytics.reviews.content import build_review
    from analytics.reviews.export import ExportError, chart_bytes, check_writable, record_export, write_atomic
    from analytics.reviews.packs import pack_bytes, record_pack_export
    from analytics.reviews.store import load_review, save_review

    if args.chart:
        if args.format not in CHART_FORMATS:
            raise ExportError(f"A chart exports as {', '.join(CHART_FORMATS)}, not {args.format}.")
    elif args.format not in PACK_FORMATS:
        raise ExportError(f"A review pack exports as {', '.join(PACK_FORMATS)}; for {args.format} name a --chart.")
    if args.saved is None and (not args.review or not args.period):
        raise ExportError("Give --review monthly|quarterly and --period (e.g. 2025-Q3), or --saved ID.")
    if args.saved is not None and args.save:
        raise ExportError("--save freezes a newly built review; a --saved review is frozen already.")
    out = check_writable(args.out)  # before any work: a wrong path fails in a second, not after the build
    settings = load_settings(args.db)
    period = parse_period(args.period, settings.fiscal_year_start) if args.saved is None else None
    if not settings.db_path.exists():
        raise DatabaseError(f"There is no database at {settings.db_path}. Build one with "
                            f"`python -m analytics demo --db {settings.db_path}` or import your data.")
    report = _Bar(args.quiet)
    db = Database(settings.db_path)  # read-write: the export is audited
    try:
        viewer = cli_viewer(db, args, settings.suppression_threshold)  # --user: that user's scope and fields
        actor = args.user or "cli"
        if args.saved is not None:
            review = load_review(db, args.saved, viewer)
        else:
            report(0.0, "building the review")
            review = build_review(db, viewer, args.review, period, lang=args.lang, fy_start=settings.fiscal_year_start)
            if args.save:
                review.review_id = save_review(db, review, actor)
        if args.chart:
            figure = review.item(args.chart).figure
            if figure is None:
                with_charts = ", ".join(it.id for it in review.items if it.figure is not None)
                raise ExportError(f"Item {args.chart!r} has no chart; items with charts: {with_charts}.")
            from analytics.reviews.packs import chart_stamp

            data = chart_bytes(figure, args.format, args.width, args.height, args.scale, stamp=chart_stamp(review))
            write_atomic(out, data)
            record_export(db, actor, f"chart {args.chart} {review.kind} {review.period} {args.format}",
                          review.scope, None, {"format": args.format, "item": args.chart, "bytes": len(data)})
        else:
            data = pack_bytes(review, args.format, report)
            write_atomic(out, data)
            record_pack_export(db, review, args.format, actor, len(data))
    finally:
        report.close()
        db.close()
    saved = f" (saved as review {review.review_id})" if args.save else ""
    print(f"Wrote {out} ({len(data):,} bytes): {review.title}{saved}.")
    return 0
