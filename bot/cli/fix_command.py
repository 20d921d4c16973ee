"""`redfix fix`: wire settings to connectors, run the pipeline, write the outputs."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from connectors.git import commit_on_branch
from connectors.git_history import GitHistory

from bot.core.config import Settings
from bot.core.errors import UsageError
from bot.core.models import FixOutcome, FixStatus
from bot.pipeline import FixRequest, Services, run_fix
from bot.stages.culprit.search import LIMITS, Limits
from bot.stages.ingest.junit import parse_report_files
from bot.stages.publish.outcome_json import outcome_to_json
from bot.stages.publish.terminal import TerminalProgress, summary
from bot.wiring.learning import cli_repository
from bot.wiring.memory import fix_memory_factory, memory_asked, recall_from
from bot.wiring.requests import fix_request
from bot.wiring.services import build_services, known_secrets
from bot.wiring.settings import data_dir, resolve_settings

SETTING_OPTIONS = (
    "test_command",
    "connector",
    "model",
    "base_url",
    "sandbox",
    "localizer",
    "max_attempts",
    "candidates",
    "reruns",
    "regression_test",
    "allow_test_edits",
)


def checked_repo(path: Path) -> Path:
    repo = path.resolve()
    if not repo.is_dir():
        raise UsageError(f"--repo {path}: not a directory; point it at a repository checkout")
    return repo


def cli_services(
    settings: Settings, env: Mapping[str, str], *, quiet: bool, repository: str = ""
) -> Services:
    """The pipeline's services; with REDFIX_FIX_MEMORY set, lessons from fix memory (the
    fixes accepted and rejected with `redfix feedback`, the Action or the App)."""
    recall = None
    if memory_asked(env):
        recall = recall_from(fix_memory_factory(env, data_dir(env)),
                             repository=cli_repository(env, repository))
    return build_services(settings, env, progress=TerminalProgress(quiet=quiet),
                          data_dir=data_dir(env), announce=True, recall=recall)


def build_request(args: argparse.Namespace, env: Mapping[str, str]) -> FixRequest:
    repo = checked_repo(args.repo)
    options = {name: getattr(args, name) for name in SETTING_OPTIONS}
    settings = resolve_settings(repo, options=options, env=env)
    for report in args.report:
        if not report.is_file():
            raise UsageError(f"--report {report}: no such file")
    reports = parse_report_files(args.report)
    good = GitHistory().resolve(repo, args.good) if args.good is not None else ""
    request = fix_request(repo, settings, reports=reports, secrets=known_secrets(env),
                          hint=args.hint, good=good)
    if args.bisect_steps is not None and args.bisect_steps < 2:
        raise UsageError(f"--bisect-steps {args.bisect_steps}: at least 2 (--good and a commit)")
    limits = Limits(args.bisect_steps or LIMITS.max_steps,
                    args.bisect_timeout or LIMITS.max_seconds)
    return replace(request, bisect=limits, revert=args.revert)


def write_outputs(
    outcome: FixOutcome, args: argparse.Namespace, repo: Path, *, secrets: Sequence[str] = ()
) -> None:
    if args.json_path:
        record = outcome_to_json(outcome, secrets=secrets, hint=getattr(args, "hint", ""))
        args.json_path.write_text(json.dumps(record, indent=2) + "\n")
    if args.patch_path and outcome.patch:
        args.patch_path.write_text(outcome.patch)
    if args.apply and outcome.status is FixStatus.FIXED:
        signature = outcome.failures[0].signature[:8] if outcome.failures else "fix"
        branch = f"redfix/fix-{signature}-{os.getpid()}"
        commit = commit_on_branch(
            repo, outcome.patch, branch=branch, message=f"redfix: {_title(outcome)}"
        )
        print(f"committed {commit[:12]} on branch {branch}")


def _title(outcome: FixOutcome) -> str:
    keys = ", ".join(case.key for case in outcome.failures[:3])
    return f"fix failing test(s) {keys}"


def run_fix_command(args: argparse.Namespace, env: Mapping[str, str]) -> FixStatus:
    request = build_request(args, env)
    services = cli_services(request.settings, env, quiet=args.quiet,
                            repository=getattr(args, "repository", ""))
    outcome = run_fix(request, services)
    print(summary(outcome))
    write_outputs(outcome, args, request.repo, secrets=request.secrets)
    return outcome.status
