"""`/redfix explain` and `/redfix tests` on a checkout of the pull request's build."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.git import commit_on_branch, diff_since
from connectors.github.remote import clone_at, push_branch

from bot.app.context import WorkerContext
from bot.app.conversation.explain import explain_messages, explanation_markdown, read_explanation
from bot.app.fix_job import repository_settings
from bot.app.status_board import StatusProgress
from bot.core.config import Settings
from bot.core.diffs import unified_diff
from bot.core.github import BRANCH_PREFIX, PullInfo
from bot.core.jobs import FixJob
from bot.core.models import GenerationOptions
from bot.core.sourcefiles import read_source
from bot.pipeline import Services, unique_failures
from bot.stages.ingest.artifacts import collect_reports
from bot.stages.learn.classify import classify
from bot.stages.regression_test.change_tests import changed_definitions, target_test_file
from bot.stages.regression_test.write import RegressionRequest, write_regression_test
from bot.stages.reproduce.rerun import reproduce_failures
from bot.stages.reproduce.suite import Suite
from bot.wiring.requests import fix_request

Logger = logging.LoggerAdapter[logging.Logger]


@contextmanager
def _checkout(job: FixJob, token: str, *, sha: str, base: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="redfix-command-") as scratch:
        checkout = Path(scratch) / "repo"
        clone_at(job.clone_url, checkout, token=token, sha=sha, default_branch=base)
        yield checkout


def _suite(checkout: Path, settings: Settings, services: Services) -> Suite:
    request = fix_request(checkout, settings)  # the set-up a fix of this checkout would use
    return Suite(services.runner, checkout, settings.test_command, settings.test_timeout_s,
                 request.setup, request.dependency_files)


def explain_build(job: FixJob, context: WorkerContext, progress: StatusProgress,
                  logger: Logger) -> str:
    gateway = context.gateways(job.installation_id)
    secrets = (*context.secrets, gateway.token())
    with _checkout(job, gateway.token(), sha=job.head_sha, base=job.default_branch) as checkout:
        settings = repository_settings(checkout, job, context.env)
        services = context.services(settings, progress, None)
        suite = _suite(checkout, settings, services)
        failures = unique_failures(collect_reports(job, gateway, settings, logger))
        if not failures:
            progress.stage("ingest: running the test suite to find the failures")
            failures = suite.complete_report(suite.run()).failures
        if not failures:
            return f"No test fails at `{job.head_sha[:12]}`: there is nothing to explain."
        verdicts = reproduce_failures(suite, failures, reruns=settings.reruns, progress=progress)
        progress.stage("localize: reading tracebacks and the failing tests")
        spans = services.localizer.localize(failures, repo=checkout).spans
        messages = explain_messages(failures, spans, evidence=classify(failures, verdicts),
                                    secrets=secrets)
        model = settings.for_task("explain")
        progress.stage(f"explain: asking {model.model}")
        answer = services.connector_for("explain").complete(
            messages, model=model.model,
            options=GenerationOptions(temperature=0.0, timeout_s=model.model_timeout_s),
        )
    explanation = read_explanation(answer.text, failures, spans, reproduction=verdicts)
    return explanation_markdown(explanation, failures, secrets=secrets)


def tests_for_pull(job: FixJob, pull: PullInfo, context: WorkerContext,
                   progress: StatusProgress, logger: Logger) -> str:
    """A regression test for the pull request's change; pushed to redfix's own branches,
    offered as a patch on anyone else's."""
    gateway = context.gateways(job.installation_id)
    token = gateway.token()
    with _checkout(job, token, sha=pull.head_sha, base=pull.base_ref) as checkout:
        diff = diff_since(checkout, f"origin/{pull.base_ref}")
        changed = changed_definitions(diff, read=lambda path: read_source(checkout, path))
        if not changed:
            return "This pull request changes no Python function outside the tests."
        settings = repository_settings(checkout, job, context.env)
        services = context.services(settings, progress, None)
        test_path = target_test_file(changed[0].path, checkout)
        tried = write_regression_test(
            RegressionRequest(None, test_path, read_source(checkout, test_path) or "", {}, diff,
                              settings.for_task("regression_test").model,
                              (*context.secrets, token),
                              suggested_name=f"test_{changed[0].symbol}_behaviour"),
            connector=services.connector_for("regression_test"),
            suite=_suite(checkout, settings, services),
            progress=progress,
        )
        kept = next((test for test in tried if test.kept), None)
        if kept is None:
            reasons = "; ".join(test.reason for test in tried) or "the model wrote none"
            return f"No test passed the gates (deterministic, passing every run): {reasons}"
        patch = unified_diff({kept.path: read_source(checkout, kept.path)},
                             {kept.path: kept.source})
        if pull.head_ref.startswith(BRANCH_PREFIX) and not pull.from_fork:
            commit_on_branch(checkout, patch, branch="redfix-local-tests",
                             message=f"redfix: regression test {kept.name}")
            push_branch(checkout, pull.head_ref, token=token)
            return f"Added the regression test `{kept.path}::{kept.name}` to this pull request."
    return (f"A regression test for this change, `{kept.path}::{kept.name}` (redfix pushes only "
            f"to its own branches, so apply it yourself):\n\n```diff\n{patch.rstrip()}\n```")
