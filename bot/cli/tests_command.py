"""`redfix tests --repo DIR --base REV`: tests for an existing change, under the same gates
as regression tests (deterministic, pass every rerun), minus fail-before: no bug was fixed."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

from connectors.git import commit_on_branch, diff_since

from bot.cli.fix_command import checked_repo, cli_services
from bot.core.config import Settings
from bot.core.diffs import unified_diff
from bot.core.errors import UsageError
from bot.core.languages.registry import detect_project
from bot.core.models import RegressionTest
from bot.core.sourcefiles import read_source
from bot.stages.regression_test.change_tests import (
    ChangedDefinition,
    changed_definitions,
    target_test_file,
)
from bot.stages.regression_test.write import RegressionRequest, write_regression_test
from bot.stages.reproduce.suite import Suite
from bot.wiring.services import known_secrets
from bot.wiring.settings import resolve_settings

OPTIONS = ("test_command", "connector", "model", "base_url", "sandbox")


def _report(tried: tuple[RegressionTest, ...]) -> None:
    for test in tried:
        verdict = "KEPT" if test.kept else "rejected"
        print(f"{verdict:8} {test.path}::{test.name or '(unreadable)'}: {test.reason}")


def _request(
    repo: Path, diff: str, settings: Settings, env: Mapping[str, str], changed: ChangedDefinition
) -> RegressionRequest:
    test_path = target_test_file(changed.path, repo)
    return RegressionRequest(
        failure=None,
        test_path=test_path,
        test_source=read_source(repo, test_path) or "",
        fix_files={},
        diff=diff,
        model=settings.for_task("regression_test").model,
        secrets=known_secrets(env),
        suggested_name=f"test_{changed.symbol}_behaviour",
    )


def _write_outputs(
    args: argparse.Namespace, repo: Path, tried: tuple[RegressionTest, ...], symbol: str
) -> bool:
    kept = next((test for test in tried if test.kept), None)
    patch = ""
    if kept:
        patch = unified_diff({kept.path: read_source(repo, kept.path)}, {kept.path: kept.source})
    if args.json_path:
        record = [
            {"path": t.path, "name": t.name, "kept": t.kept, "reason": t.reason} for t in tried
        ]
        args.json_path.write_text(json.dumps({"tests": record, "patch": patch}, indent=2) + "\n")
    if args.patch_path and patch:
        args.patch_path.write_text(patch)
    if args.apply and patch:
        commit = commit_on_branch(
            repo, patch, branch=f"redfix/tests-{symbol}", message=f"redfix: test for {symbol}"
        )
        print(f"committed {commit[:12]}")
    return kept is not None


def run_tests_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    repo = checked_repo(args.repo)
    settings = resolve_settings(repo, options={n: getattr(args, n) for n in OPTIONS}, env=env)
    diff = diff_since(repo, args.base)
    changed = changed_definitions(diff, read=lambda path: read_source(repo, path))
    if not changed:
        raise UsageError(f"the change since {args.base} touches no Python function outside tests")
    services = cli_services(settings, env, quiet=args.quiet)
    detected = detect_project(repo)
    setup = settings.setup if settings.setup is not None else detected.setup
    suite = Suite(
        services.runner,
        repo,
        settings.test_command,
        settings.test_timeout_s,
        tuple(setup),
        tuple(detected.dependency_files),
    )
    tried = write_regression_test(
        _request(repo, diff, settings, env, changed[0]),
        connector=services.connector_for("regression_test"),
        suite=suite,
        progress=services.progress,
    )
    _report(tried)
    return 0 if _write_outputs(args, repo, tried, changed[0].symbol) else 1
