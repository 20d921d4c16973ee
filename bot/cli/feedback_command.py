"""`redfix stats` and `redfix export-feedback`: what reviewers made of redfix's fixes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError
from bot.stages.learn.stats import PERIODS, GroupBy


def add_feedback_parsers(commands: Any) -> None:
    """Register `stats` and `export-feedback` on the CLI's subcommands."""
    stats = commands.add_parser("stats", help="acceptance rate of redfix's pull requests")
    stats.add_argument("--by", default="repository", choices=[g.value for g in GroupBy])
    stats.add_argument("--period", default="month", choices=PERIODS)
    stats.add_argument("--png", type=Path, metavar="FILE", help="also write a chart")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    export = commands.add_parser("export-feedback",
                                 help="accepted fixes as chat JSONL for fine-tuning")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument("--repository", default="", help="only this owner/name")
    export.add_argument("--min-score", dest="min_score", type=float, default=0.0)


def _records(env: Mapping[str, str]) -> Any:
    from bot.wiring.learning import open_records

    return open_records(env)


def run_feedback_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """`stats` and `export-feedback` here; `feedback` and `learn` in verdict_command."""
    from bot.wiring.services import known_secrets

    if args.command in ("feedback", "learn"):
        from bot.cli.verdict_command import run_verdict_command

        return run_verdict_command(args, env)

    records = _records(env)
    try:
        if args.command == "stats":
            return _stats(args, records.fixes())
        from bot.stages.learn.export import export_lines

        if args.out.parent and not args.out.parent.is_dir():
            raise UsageError(f"--out {args.out}: the folder {args.out.parent} does not exist")
        lines = export_lines(records.fixes(), min_score=args.min_score,
                             repository=args.repository, secrets=known_secrets(env))
        args.out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        print(f"wrote {len(lines)} accepted fix(es) to {args.out}")
        return 0
    finally:
        records.close()


def _stats(args: argparse.Namespace, fixes: list[Any]) -> int:
    from bot.stages.learn.stats import acceptance, rows_to_json, table

    rows = acceptance(fixes, by=args.by, period=args.period)
    if args.json:
        print(json.dumps(rows_to_json(rows), indent=2))
    else:
        print(table(rows, by=args.by))
    if args.png:
        from bot.stages.learn.chart import acceptance_png

        args.png.write_bytes(acceptance_png(rows, by=args.by))
        print(f"chart: {args.png}")
    return 0
