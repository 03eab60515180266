"""``python -m analytics export`` — placeholder until the review packs land (replaced by the export work)."""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[common], help="export a review pack (PPTX, PDF, HTML)",
                       description="Export a monthly or quarterly review pack.")
    p.add_argument("--review", choices=["monthly", "quarterly"], required=True)
    p.add_argument("--period", required=True)
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--format", choices=["pptx", "pdf", "html"], default="pptx")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise ValueError("Review packs are not built yet.")
