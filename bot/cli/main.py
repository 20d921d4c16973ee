"""The `redfix` command line: parse arguments, dispatch, map outcomes to exit codes.

Exit codes: 0 fixed and validated, 1 no validated fix, 2 bad input or usage,
3 infrastructure unreachable (model server, sandbox), 4 flaky or not reproducible.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.app.settings import add_serve_arguments
from bot.cli.config_command import add_config_parsers
from bot.cli.feedback_command import add_feedback_parsers
from bot.cli.verdict_command import add_verdict_parsers
from bot.core.errors import RedfixError, UsageError
from bot.core.models import FixStatus
from bot.evaluation.command import add_eval_parser
from bot.stages.ingest.junit import case_to_json, parse_report_files
from bot.wiring.options import SANDBOXES, add_model_options

EXIT_CODES = {
    FixStatus.FIXED: 0,
    FixStatus.NOT_FIXED: 1,
    FixStatus.LOW_CONFIDENCE: 1,
    FixStatus.UNCONFIRMED: 1,
    FixStatus.FLAKY: 4,
    FixStatus.NOT_REPRODUCIBLE: 4,
    FixStatus.NOTHING_FAILS: 4,
    FixStatus.CAPPED: 4,
}


def _fix_parser(commands: Any) -> None:
    fix = commands.add_parser("fix", help="reproduce, fix and validate failing tests")
    fix.add_argument("--repo", type=Path, default=Path("."), help="repository to fix")
    fix.add_argument("--report", type=Path, action="append", default=[], metavar="PATH",
                     help="JUnit XML report(s) of the failed run; without it redfix runs the tests")
    fix.add_argument("--test-cmd", dest="test_command", help="command that runs the tests")
    add_model_options(fix)
    fix.add_argument("--sandbox", choices=SANDBOXES)
    fix.add_argument("--localizer", choices=["auto", "hybrid", "traceback"],
                     help="hybrid: index, coverage, BM25, embeddings (auto when installed)")
    fix.add_argument("--max-attempts", dest="max_attempts", type=int)
    fix.add_argument("--candidates", type=int,
                     help="candidate fixes per attempt, chosen by the tests (default 3)")
    fix.add_argument("--reruns", type=int, help="runs to confirm a failure (default 3)")
    fix.add_argument("--allow-test-edits", dest="allow_test_edits", action="store_const",
                     const=True, help="let the fix change existing tests")
    fix.add_argument("--no-regression-test", dest="regression_test", action="store_const",
                     const=False, help="do not add a regression test to a validated fix")
    fix.add_argument("--hint", default="", help="a hint for the model from a human")
    fix.add_argument("--repository", default="",
                     help="owner/name fix memory knows it by (REDFIX_FIX_MEMORY; default: "
                          "GITHUB_REPOSITORY, else 'local')")
    fix.add_argument("--good", metavar="REV",
                     help="the last revision whose tests passed: the commit after it that broke "
                          "them is found by bisecting, and its change guides the fix")
    fix.add_argument("--bisect-steps", dest="bisect_steps", type=int, metavar="N",
                     help="commits the bisection may test, --good included (default 12)")
    fix.add_argument("--bisect-timeout", dest="bisect_timeout", type=float, metavar="SECONDS",
                     help="time the bisection may take (default 1800)")
    fix.add_argument("--revert", choices=["fallback", "first", "never"], default="fallback",
                     help="the culprit's revert: validated when no candidate fix does "
                          "(fallback), before asking the model (first), or never")
    _add_output_options(fix, apply_help="commit the fix on a new branch")


def _add_output_options(parser: argparse.ArgumentParser, *, apply_help: str) -> None:
    parser.add_argument("--json", dest="json_path", type=Path, metavar="FILE")
    parser.add_argument("--patch", dest="patch_path", type=Path, metavar="FILE")
    parser.add_argument("--apply", action="store_true", help=apply_help)
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redfix", description="Turn a red test run into a validated fix, with local models."
    )
    parser.add_argument("--version", action="version", version=f"redfix {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="list failing tests in JUnit XML reports")
    report.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    report.add_argument("--json", action="store_true", help="print JSON")
    _fix_parser(commands)
    tests = commands.add_parser("tests", help="write tests for an existing change")
    tests.add_argument("--repo", type=Path, default=Path("."))
    tests.add_argument("--base", required=True, help="the revision the change starts from")
    add_model_options(tests)
    tests.add_argument("--sandbox", choices=SANDBOXES)
    tests.add_argument("--test-cmd", dest="test_command")
    _add_output_options(tests, apply_help="commit the test on a new branch")
    index = commands.add_parser("index", help="index a repository's code for retrieval")
    index.add_argument("--repo", type=Path, default=Path("."))
    localize = commands.add_parser("localize", help="rank the code that failing tests point at")
    localize.add_argument("--repo", type=Path, default=Path("."))
    localize.add_argument("--report", type=Path, action="append", required=True, metavar="FILE")
    localize.add_argument("--json", action="store_true", help="print JSON")
    localize.add_argument("--test-cmd", dest="test_command", help="command that runs the tests")
    localize.add_argument("--sandbox", choices=["auto", "local", "docker", "none"],
                          help="where the coverage run (spectrum signal) runs; none skips it")
    add_serve_arguments(commands.add_parser("serve", help="run the GitHub App service"))
    commands.add_parser("worker", help="run queue workers only (sharing REDFIX_REDIS_URL)")
    doctor = commands.add_parser("doctor", help="check the model server, Docker, git, config")
    doctor.add_argument("--repo", type=Path, default=Path("."))
    add_model_options(doctor)
    doctor.add_argument("--sandbox", choices=SANDBOXES)
    add_eval_parser(commands)
    add_feedback_parsers(commands)
    add_verdict_parsers(commands)
    add_config_parsers(commands)
    return parser


def run_report(paths: Sequence[Path], *, as_json: bool) -> int:
    reports = parse_report_files(paths)
    failures = [case for report in reports for case in report.failures]
    if as_json:
        print(json.dumps([case_to_json(case) for case in failures], indent=2))
        return 0
    total = sum(len(report.cases) for report in reports)
    print(f"{len(failures)} failing of {total} test cases in {len(reports)} report(s)")
    for case in failures:
        where = f" ({case.file}:{case.line})" if case.file and case.line else ""
        first = case.message.strip().splitlines()[0] if case.message.strip() else ""
        print(f"{case.kind.upper():7} {case.key}{where}\n        {first[:200]}")
    return 0


def _knowledge(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """`index` and `localize` (its coverage run in the sandbox unless `--sandbox none`)."""
    from bot.cli.fix_command import checked_repo
    from bot.cli.knowledge_commands import index_command, localize_command, localize_suite
    from bot.wiring.settings import data_dir

    repo, chroma_url = checked_repo(args.repo), env.get("REDFIX_CHROMA_URL")
    if args.command == "index":
        index_command(repo, data_dir=data_dir(env), chroma_url=chroma_url)
        return 0
    runner, suite = None, None
    if args.sandbox != "none":
        from connectors.sandbox.factory import runner_for

        settings, suite = localize_suite(repo, args.sandbox, args.test_command, env)
        runner = runner_for(settings)
    localize_command(repo, args.report, as_json=args.json, data_dir=data_dir(env),
                     chroma_url=chroma_url, runner=runner, suite=suite)
    return 0


def dispatch(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.command == "report":
        return run_report(args.paths, as_json=args.json)
    if args.command == "doctor":
        from bot.cli.doctor import run_doctor

        return run_doctor(args, env)
    if args.command in ("index", "localize"):
        return _knowledge(args, env)
    if args.command == "serve":
        from bot.app.main import serve_command

        return serve_command(args, env)
    if args.command == "worker":
        from bot.app.main import worker_command

        return worker_command(env)
    if args.command == "tests":
        from bot.cli.tests_command import run_tests_command

        return run_tests_command(args, env)
    if args.command in ("stats", "export-feedback", "feedback", "learn"):
        from bot.cli.feedback_command import run_feedback_command

        return run_feedback_command(args, env)
    if args.command in ("config", "init"):
        from bot.cli.config_command import run_config_command

        return run_config_command(args)
    if args.command == "eval":
        from bot.evaluation.command import run_eval_command

        return run_eval_command(args, env)
    from bot.cli.fix_command import run_fix_command

    status = run_fix_command(args, env)
    return EXIT_CODES[status]


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    try:
        return dispatch(args, os.environ if env is None else env)
    except RedfixError as exc:
        kind = "error" if isinstance(exc, UsageError) else "unreachable"
        print(f"redfix: {kind}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("redfix: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
