"""How much of the code a fix changes the tests execute (coverage.py), before and after the
regression test: one run of the whole suite under coverage with a context per test."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.core.models import ChangeCoverage, RegressionTest
from bot.core.sourcefiles import is_test_path
from bot.stages.localize.knowledge.spectrum import TestSuite, coverage_spec, repo_relative
from bot.stages.reproduce.suite import Suite


def changed_lines(patch: str) -> dict[str, set[int]]:
    """Added or rewritten lines of the patch's Python source files, in the new files."""
    try:
        files = PatchSet(patch)
    except UnidiffParseError:
        return {}
    changed: dict[str, set[int]] = {}
    for patched in files:
        path = patched.path
        if not path.endswith(".py") or is_test_path(path) or patched.is_removed_file:
            continue
        lines = {
            line.target_line_no
            for hunk in patched
            for line in hunk
            if line.is_added and line.target_line_no is not None
        }
        if lines:
            changed[path] = lines
    return changed


def measure_change_coverage(
    suite: Suite,
    *,
    files: Mapping[str, str],
    patch: str,
    regression_test: RegressionTest | None,
) -> ChangeCoverage | None:
    """None when nothing Python changed or the coverage run gave no data (no coverage.py)."""
    changed = changed_lines(patch)
    if not changed:
        return None
    test_suite = TestSuite(suite.command, suite.timeout_s, {}, suite.setup, suite.dependency_files)
    spec = coverage_spec(suite.repo, suite=test_suite, test_files=(), whole_suite=True)
    if spec is None:
        return None
    outcome = suite.runner.run(replace(spec, overlay={**spec.overlay, **files}))
    if outcome.report_xml is None:
        return None
    new_context = (
        f"{regression_test.path}::{regression_test.name}" if regression_test is not None else None
    )
    return _count(outcome.report_xml, changed, new_context)


def _count(data: bytes, changed: Mapping[str, set[int]], new_context: str | None) -> ChangeCoverage:
    try:
        measured = json.loads(data)["files"]
    except (ValueError, KeyError, TypeError):
        return ChangeCoverage(0, 0, 0)
    by_path = {repo_relative(path, set(changed)): info for path, info in measured.items()}
    executable = before = after = 0
    for path, lines in changed.items():
        info: Mapping[str, object] = by_path.get(path) or {}
        executed = set(_numbers(info.get("executed_lines")))
        missing = set(_numbers(info.get("missing_lines")))
        contexts = info.get("contexts")
        contexts = contexts if isinstance(contexts, dict) else {}
        for line in lines & (executed | missing):
            executable += 1
            if line not in executed:
                continue
            after += 1
            runs = set(contexts.get(str(line), []))  # "": run while the tests were collected
            before += bool(runs - {new_context})
    return ChangeCoverage(executable, before, after, tuple(sorted(changed)))


def _numbers(value: object) -> list[int]:
    return [n for n in value if isinstance(n, int)] if isinstance(value, list) else []
