"""`redfix tests --repo DIR --base REV`: tests for an existing change, under the same gates
as regression tests (deterministic, pass every rerun), minus fail-before: no bug was fixed."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping

from connectors.git import commit_on_branch, diff_since

from bot.change_tests import changed_definitions, target_test_file
from bot.config import resolve_settings
from bot.diffs import unified_diff
from bot.errors import UsageError
from bot.fix_command import build_services, checked_repo, known_secrets
from bot.models import RegressionTest
from bot.project_detect import detect_project
from bot.regression import RegressionRequest, write_regression_test
from bot.sourcefiles import read_source
from bot.suite import Suite

OPTIONS = ("test_command", "connector", "model", "base_url", "sandbox")


def _report(tried: tuple[RegressionTest, ...]) -> None:
    for test in tried:
        verdict = "KEPT" if test.kept else "rejected"
        print(f"{verdict:8} {test.path}::{test.name or '(unreadable)'}: {test.reason}")


def run_tests_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    repo = checked_repo(args.repo)
    settings = resolve_settings(repo, options={n: getattr(args, n) for n in OPTIONS}, env=env)
    diff = diff_since(repo, args.base)
    changed = changed_definitions(diff, read=lambda path: read_source(repo, path))
    if not changed:
        raise UsageError(f"the change since {args.base} touches no Python function outside tests")
    services = build_services(settings, env, quiet=args.quiet)
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
    test_path = target_test_file(changed[0].path, repo)
    request = RegressionRequest(
        failure=None,
        test_path=test_path,
        test_source=read_source(repo, test_path) or "",
        fix_files={},
        diff=diff,
        model=settings.model,
        secrets=known_secrets(env),
        suggested_name=f"test_{changed[0].symbol}_behaviour",
    )
    tried = write_regression_test(
        request, connector=services.connector, suite=suite, progress=services.progress
    )
    _report(tried)
    kept = next((test for test in tried if test.kept), None)
    patch = (
        unified_diff({test_path: read_source(repo, test_path)}, {test_path: kept.source})
        if kept
        else ""
    )
    if args.json_path:
        args.json_path.write_text(
            json.dumps(
                {
                    "tests": [
                        {"path": t.path, "name": t.name, "kept": t.kept, "reason": t.reason}
                        for t in tried
                    ],
                    "patch": patch,
                },
                indent=2,
            )
            + "\n"
        )
    if args.patch_path and patch:
        args.patch_path.write_text(patch)
    if args.apply and kept:
        commit = commit_on_branch(
            repo,
            patch,
            branch=f"redfix/tests-{changed[0].symbol}",
            message=f"redfix: test for {changed[0].symbol}",
        )
        print(f"committed {commit[:12]}")
    return 0 if kept else 1
