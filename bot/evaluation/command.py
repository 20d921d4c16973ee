"""`redfix eval SUITE`: the command-line entry point of the evaluation harness."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.errors import UsageError
from bot.wiring.options import SANDBOXES, add_model_options

if TYPE_CHECKING:  # the parser is built on every CLI start: the harness loads on use
    from bot.core.ports import SandboxRunner
    from bot.evaluation.results import TaskRun
    from bot.evaluation.runner import EvalReport
    from bot.evaluation.tasks import EvalTask

SUITES = ("humanevalfix", "mutation", "realbugs")
DATA_VARIABLES = {"humanevalfix": "REDFIX_HUMANEVALFIX", "mutation": "REDFIX_MUTATION_SUITE",
                  "realbugs": "REDFIX_REALBUGS"}
SETTING_OPTIONS = ("connector", "model", "base_url", "max_attempts", "candidates", "reruns",
                   "sandbox")


def add_eval_parser(commands: Any) -> None:
    """Register `eval` on the CLI's subcommands (argparse's _SubParsersAction)."""
    parser = commands.add_parser(
        "eval", help="measure fix rate and false-fix rate on a benchmark suite"
    )
    parser.add_argument(
        "suite", help="humanevalfix, mutation, realbugs, or a HumanEvalFix .jsonl file"
    )
    parser.add_argument("--data", type=Path, help="the suite's data (REDFIX_HUMANEVALFIX, ...)")
    add_model_options(parser)
    parser.add_argument("--max-attempts", dest="max_attempts", type=int)
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--reruns", type=int)
    parser.add_argument("--sandbox", choices=SANDBOXES, default="local",
                        help="where the tasks' tests run (default local, as recorded runs did)")
    parser.add_argument("--limit", type=int, help="run N tasks (the first N, or drawn with --seed)")
    parser.add_argument("--seed", type=int, help="draw the --limit tasks with this seed")
    parser.add_argument("--scoreable-only", dest="scoreable_only", action="store_true",
                        help="leave out the tasks the suite excludes before drawing --limit")
    parser.add_argument("--jobs", type=int, default=1, help="tasks run at the same time")
    parser.add_argument("--out", type=Path, default=Path("redfix-eval"), help="output directory")
    parser.add_argument("--baseline", action="store_true", help="also run the naive baseline")
    parser.add_argument("--baseline-only", dest="baseline_only", action="store_true")
    parser.add_argument("--resume", action="store_true", help="reuse runs already in --out")
    parser.add_argument("--report-only", dest="report_only", action="store_true",
                        help="only rebuild the reports from the runs recorded in --out")
    parser.add_argument("--quiet", action="store_true")


def load_suite(suite: str, *, data: Path | None, env: Mapping[str, str]) -> list[EvalTask]:
    from bot.evaluation.humanevalfix import load_humanevalfix

    if suite.endswith(".jsonl"):
        return load_humanevalfix(Path(suite))
    if suite not in SUITES:
        raise UsageError(f"unknown suite {suite!r}: use {' or '.join(SUITES)}, or a .jsonl file")
    variable = DATA_VARIABLES[suite]
    path = data or (Path(env[variable]) if env.get(variable) else None)
    if path is None:
        raise UsageError(f"{suite}: say where its data is with --data PATH or {variable}")
    if suite == "humanevalfix":
        return load_humanevalfix(path)
    if suite == "realbugs":
        from bot.evaluation.realbugs import load_realbugs

        return load_realbugs(path)
    from bot.evaluation.mutation import load_mutation_suite

    return load_mutation_suite(path)


class RunPrinter:
    def __init__(self, total: int, *, quiet: bool) -> None:
        self.total, self.quiet, self.done = total, quiet, 0
        self.lock = threading.Lock()

    def __call__(self, run: TaskRun) -> None:
        with self.lock:
            self.done += 1
            if self.quiet:
                return
            cause = f" ({run.cause})" if run.cause else ""
            print(f"[{self.done}/{self.total}] {run.task_id} {run.mode}: {run.verdict}{cause}, "
                  f"{run.wall_seconds:.0f}s", file=sys.stderr, flush=True)


def print_report(report: EvalReport) -> None:
    from bot.evaluation.report import headline_rows

    for row in headline_rows(report.summaries)[:8]:
        print("  ".join(f"{cell:<45}" if i == 0 else f"{cell:>18}" for i, cell in enumerate(row)))
    print(f"report: {report.markdown_path}\nsummary: {report.summary_path}\n"
          f"chart: {report.chart_path}")


def close_runner(runner: SandboxRunner) -> None:
    close = getattr(runner, "close", None)  # a DockerRunner holds a connection to the daemon
    if close is not None:
        close()


def run_eval_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from connectors.ai.factory import build_connector
    from connectors.sandbox.factory import runner_for

    from bot.evaluation.runner import eval_settings, rebuild_reports, run_suite
    from bot.evaluation.tasks import scoreable

    if args.report_only:
        print_report(rebuild_reports(args.out))
        return 0
    tasks = load_suite(args.suite, data=args.data, env=env)
    options = {name: getattr(args, name) for name in SETTING_OPTIONS}
    args.out.mkdir(parents=True, exist_ok=True)
    settings = eval_settings(args.out, options, env)
    connector = build_connector(settings.connector, base_url=settings.base_url,
                                api_key=env.get("REDFIX_API_KEY"),
                                timeout_s=settings.model_timeout_s)
    modes = 2 if args.baseline and not args.baseline_only else 1
    pool = len(scoreable(tasks)) if args.scoreable_only else len(tasks)
    count = min(pool, args.limit or pool) * modes
    runner = runner_for(settings)  # "docker" with the daemon down: SandboxUnavailable, exit 3
    try:
        report = run_suite(
            tasks,
            connector=connector,
            settings_options=options,
            jobs=args.jobs,
            seed=args.seed,
            limit=args.limit,
            scoreable_only=args.scoreable_only,
            out_dir=args.out,
            baseline=args.baseline or args.baseline_only,
            redfix=not args.baseline_only,
            env=env,
            runner=runner,
            resume=args.resume,
            on_run=RunPrinter(count, quiet=args.quiet),
        )
    finally:
        close_runner(runner)
    print_report(report)
    return 0
