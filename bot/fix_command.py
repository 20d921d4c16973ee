"""`redfix fix`: wire settings to connectors, run the pipeline, write the outputs."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from connectors.ai.factory import build_connector
from connectors.git import commit_on_branch
from connectors.sandbox.factory import runner_for

from bot.baseline import BaselineCache
from bot.config import Settings, data_dir, resolve_settings
from bot.errors import UsageError
from bot.ingest import parse_report_files
from bot.localizers import build_localizer
from bot.models import FixOutcome, FixStatus
from bot.outcome_json import outcome_to_json
from bot.pipeline import FixRequest, Services, run_fix
from bot.project_detect import detect_project
from bot.terminal import TerminalProgress, summary

SECRET_VARIABLES = (
    "REDFIX_API_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "REDFIX_WEBHOOK_SECRET",
    "REDFIX_PRIVATE_KEY",
    "OPENAI_API_KEY",
    "INPUT_GITHUB-TOKEN",
)
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


def known_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(env[name] for name in SECRET_VARIABLES if env.get(name))


def checked_repo(path: Path) -> Path:
    repo = path.resolve()
    if not repo.is_dir():
        raise UsageError(f"--repo {path}: not a directory; point it at a repository checkout")
    return repo


def build_services(settings: Settings, env: Mapping[str, str], *, quiet: bool) -> Services:
    progress = TerminalProgress(quiet=quiet)
    connector = build_connector(
        settings.connector,
        base_url=settings.base_url,
        api_key=env.get("REDFIX_API_KEY"),
        timeout_s=settings.model_timeout_s,
    )
    progress.stage(f"model: checking {settings.model} on the {connector.name} server")
    connector.ensure_model(settings.model)
    runner = runner_for(settings)
    progress.stage(f"sandbox: {runner.kind}")
    return Services(
        connector=connector,
        runner=runner,
        localizer=build_localizer(
            settings.localizer, data_dir=data_dir(env), chroma_url=env.get("REDFIX_CHROMA_URL")
        ),
        progress=progress,
        baselines=BaselineCache(data_dir(env) / "baselines"),
    )


def build_request(args: argparse.Namespace, env: Mapping[str, str]) -> FixRequest:
    repo = checked_repo(args.repo)
    options = {name: getattr(args, name) for name in SETTING_OPTIONS}
    settings = resolve_settings(repo, options=options, env=env)
    for report in args.report:
        if not report.is_file():
            raise UsageError(f"--report {report}: no such file")
    reports = parse_report_files(args.report)
    detected = detect_project(repo)
    setup = settings.setup if settings.setup is not None else detected.setup
    return FixRequest(
        repo=repo,
        settings=settings,
        reports=reports,
        hint=args.hint,
        secrets=known_secrets(env),
        setup=tuple(setup),
        dependency_files=tuple(detected.dependency_files),
    )


def write_outputs(
    outcome: FixOutcome, args: argparse.Namespace, repo: Path, *, secrets: Sequence[str] = ()
) -> None:
    if args.json_path:
        record = outcome_to_json(outcome, secrets=secrets)
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
    services = build_services(request.settings, env, quiet=args.quiet)
    outcome = run_fix(request, services)
    print(summary(outcome))
    write_outputs(outcome, args, request.repo, secrets=request.secrets)
    return outcome.status
