"""The fix pipeline: every entry point builds a FixRequest and calls `run_fix`.

ingest -> reproduce -> culprit -> baseline -> localize -> (generate -> apply -> policy ->
validate) x attempts -> regression test -> coverage -> rationale -> outcome; when no
candidate validates (or first, by request), the culprit's revert is. Each stage is a function
of values; the ports (model connector, sandbox runner, localizer, history, progress) are
injected.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.config import Settings, Task
from bot.core.diffs import unified_diff
from bot.core.errors import RedfixError
from bot.core.history import CulpritSearch
from bot.core.models import FixOutcome, FixStatus, Lessons
from bot.core.ports import (
    AIServiceConnector,
    FailureGate,
    History,
    LessonRecall,
    Progress,
    SandboxRunner,
    SilentProgress,
)
from bot.core.results import TestCase, TestReport
from bot.core.sourcefiles import read_source
from bot.stages.baseline.cache import BaselineCache
from bot.stages.baseline.run import run_baseline
from bot.stages.culprit.revert import RevertMode, repair_or_revert
from bot.stages.culprit.search import Limits
from bot.stages.culprit.stage import search_culprit
from bot.stages.generate.ask import AttemptContext
from bot.stages.generate.write_rationale import write_rationale
from bot.stages.localize.traceback_localizer import (
    Localization,
    Localizer,
    TracebackLocalizer,
    describe,
)
from bot.stages.policy.rules import path_violations
from bot.stages.regression_test.write import RegressionRequest, write_regression_test
from bot.stages.repair.loop import Rounds, conclude
from bot.stages.reproduce.rerun import reproduce_failures, reproduction_text, unreproduced_status
from bot.stages.reproduce.suite import Suite
from bot.stages.reproduce.testrun import node_id, source_of_test
from bot.stages.reproduce.verdicts import confirmed
from bot.stages.validate.change_coverage import measure_change_coverage

MIN_CONFIDENCE = 0.1
MAX_SUSPECTS = 5


@dataclass(frozen=True)
class FixRequest:
    repo: Path
    settings: Settings
    reports: tuple[TestReport, ...] = ()  # parsed by the entry point: bad input fails first
    hint: str = ""
    secrets: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    dependency_files: tuple[str, ...] = ()
    lessons: Lessons = field(default_factory=Lessons)  # from fix memory: examples, objections
    good: str = ""  # the last green commit (resolved): the culprit is searched after it
    revert: RevertMode = "fallback"  # when the culprit's revert is offered
    bisect: Limits = field(default_factory=Limits)


@dataclass
class Services:
    connector: AIServiceConnector
    runner: SandboxRunner
    localizer: Localizer = field(default_factory=TracebackLocalizer)
    progress: Progress = field(default_factory=SilentProgress)
    baselines: BaselineCache = field(default_factory=lambda: BaselineCache(None))
    recall: LessonRecall | None = None  # fix memory, asked once the failures are known
    history: History | None = None  # the repository's commits, for the culprit stage
    gate: FailureGate | None = None  # the App's caps, asked before the failures are tried
    task_connectors: Mapping[Task, AIServiceConnector] = field(default_factory=dict)

    def connector_for(self, task: Task) -> AIServiceConnector:
        """The task's own model server, else the one of fixes."""
        return self.task_connectors.get(task, self.connector)


@dataclass
class Clock:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - started


def unique_failures(reports: Sequence[TestReport]) -> tuple[TestCase, ...]:
    seen: dict[str, TestCase] = {}
    for report in reports:
        for case in report.failures:
            seen.setdefault(case.key, case)
    return tuple(seen.values())


def run_fix(request: FixRequest, services: Services) -> FixOutcome:
    settings, clock = request.settings, Clock()
    suite = Suite(
        services.runner,
        request.repo,
        settings.test_command,
        settings.test_timeout_s,
        request.setup,
        request.dependency_files,
    )
    with clock.measure("total"):
        outcome = _run_stages(request, services, suite, clock)
    return replace(outcome, timings=clock.timings, sandbox=services.runner.kind,
                   model=settings.for_task("fix").model)


def _run_stages(request: FixRequest, services: Services, suite: Suite, clock: Clock) -> FixOutcome:
    """Each stage may end the run with an honest outcome instead of a guess."""
    settings, progress = request.settings, services.progress
    with clock.measure("ingest"):
        baseline, failures = _discover(request, suite, services)
    if not failures:
        return FixOutcome(
            FixStatus.NOTHING_FAILS, (), explanation="no test fails: there is nothing to fix"
        )
    capped = services.gate(failures) if services.gate is not None else ""
    if capped:
        return FixOutcome(FixStatus.CAPPED, failures, explanation=capped)
    if services.recall is not None and not request.lessons:
        request = replace(request, lessons=services.recall(failures))
    with clock.measure("reproduce"):
        verdicts = reproduce_failures(suite, failures, reruns=settings.reruns, progress=progress)
    targets = tuple(case for case in failures if case.key in confirmed(verdicts))
    if not targets:
        return FixOutcome(
            unreproduced_status(verdicts),
            failures,
            reproduction=verdicts,
            explanation=reproduction_text(verdicts),
        )
    with clock.measure("culprit") if request.good else nullcontext():  # timed when searched
        blamed = _culprit(request, services, suite, targets)
    culprit = blamed.culprit if blamed else None
    with clock.measure("baseline"):
        baseline = baseline or run_baseline(suite, services.baselines, progress)
    with clock.measure("localize"):
        progress.stage("localize: ranking the code the failures point at")
        localization = services.localizer.localize(
            targets, repo=request.repo, suite=suite, culprit=culprit
        )
        progress.stage(f"localize: {describe(localization.method)}")
    context = _context(request, targets, baseline, localization, blamed)
    outcome = repair_or_revert(lambda: _repair_loop(request, services, suite, context, clock),
                               culprit, context, mode=request.revert, history=services.history,
                               suite=suite)
    if outcome.status is FixStatus.FIXED and not outcome.revert:
        outcome = _finish_fix(outcome, request, services, suite, targets[0], clock)
        outcome = _explained(outcome, request, services, targets, clock)
    suspects = tuple(dict.fromkeys(span.path for span in localization.spans))[:MAX_SUSPECTS]
    return replace(outcome, failures=failures, reproduction=verdicts, suspects=suspects,
                   localizer=localization.method, culprit=blamed)


def _culprit(
    request: FixRequest, services: Services, suite: Suite, targets: tuple[TestCase, ...]
) -> CulpritSearch | None:
    if services.history is None:
        return None
    return search_culprit(request.good, targets, suite=suite, history=services.history,
                          reruns=request.settings.reruns, progress=services.progress,
                          limits=request.bisect)


def _finish_fix(
    outcome: FixOutcome,
    request: FixRequest,
    services: Services,
    suite: Suite,
    target: TestCase,
    clock: Clock,
) -> FixOutcome:
    """A validated fix gets its regression test, then the coverage of what it changed."""
    assert outcome.chosen is not None, "a fixed outcome carries the attempt it chose"
    fix_files = outcome.chosen.files
    if request.settings.regression_test:
        with clock.measure("testgen"):
            outcome = _with_regression_test(outcome, request, services, suite, target)
    kept = next((test for test in outcome.regression_tests if test.kept), None)
    files = {**fix_files, kept.path: kept.source} if kept else dict(fix_files)
    with clock.measure("coverage"):
        services.progress.stage("coverage: the changed lines, with and without the new test")
        try:
            measured = measure_change_coverage(
                suite, files=files, patch=outcome.patch, regression_test=kept
            )
        except RedfixError as exc:  # a figure for the PR: never worth losing a validated fix
            services.progress.stage(f"coverage: not measured ({exc})")
            measured = None
    return replace(outcome, change_coverage=measured)


def _explained(
    outcome: FixOutcome,
    request: FixRequest,
    services: Services,
    failures: tuple[TestCase, ...],
    clock: Clock,
) -> FixOutcome:
    """The rationale is written now, from the chosen diff and its test results, so that
    what the PR says is about the change that passed."""
    assert outcome.chosen is not None, "a fixed outcome carries the attempt it chose"
    with clock.measure("rationale"):
        text = write_rationale(outcome.chosen, failures,
                               connector=services.connector_for("explain"),
                               model=request.settings.for_task("explain").model,
                               progress=services.progress, secrets=request.secrets)
    return replace(outcome, explanation=text)


def _with_regression_test(
    outcome: FixOutcome, request: FixRequest, services: Services, suite: Suite, target: TestCase
) -> FixOutcome:
    """Add a regression test that fails before and passes after; the patch carries it."""
    best = outcome.chosen
    if best is None or not best.files:
        return outcome
    test_path = source_of_test(target, request.repo)
    test_source = best.files.get(test_path or "") or read_source(request.repo, test_path or "")
    if test_path is None or not test_path.endswith(".py") or test_source is None:
        return outcome
    if path_violations([test_path], request.settings.never_touch):  # e.g. `never_touch`
        return outcome
    tried = write_regression_test(
        RegressionRequest(target, test_path, test_source, best.files, best.diff,
                          request.settings.for_task("regression_test").model, request.secrets),
        connector=services.connector_for("regression_test"),
        suite=suite,
        progress=services.progress,
    )
    kept = next((test for test in tried if test.kept), None)
    if kept is None:
        return replace(outcome, regression_tests=tried)
    files = {**best.files, test_path: kept.source}
    original = {path: read_source(request.repo, path) for path in files}
    return replace(outcome, regression_tests=tried, patch=unified_diff(original, files))


def _discover(
    request: FixRequest, suite: Suite, services: Services
) -> tuple[TestReport | None, tuple[TestCase, ...]]:
    """Failures from the given reports, or from a run of the whole suite (also the baseline)."""
    if request.reports:
        services.progress.stage(f"ingest: {len(request.reports)} report(s)")
        return None, unique_failures(request.reports)
    baseline = run_baseline(suite, services.baselines, services.progress)
    return baseline, baseline.failures


def _context(
    request: FixRequest,
    targets: tuple[TestCase, ...],
    baseline: TestReport,
    localization: Localization,
    blamed: CulpritSearch | None,
) -> AttemptContext:
    ids = tuple(i for i in (node_id(case, request.repo) for case in targets) if i)
    return AttemptContext(
        repo=request.repo,
        failures=targets,
        target_ids=ids,
        baseline=baseline,
        localization=localization,
        model=request.settings.for_task("fix").model,
        allow_test_edits=request.settings.allow_test_edits,
        never_touch=request.settings.never_touch,
        hint=request.hint,
        secrets=request.secrets,
        lessons=request.lessons,
        culprit=blamed.culprit if blamed else None,
    )


def _repair_loop(
    request: FixRequest, services: Services, suite: Suite, context: AttemptContext, clock: Clock
) -> FixOutcome:
    localization = context.localization
    if localization.confidence < MIN_CONFIDENCE or not localization.spans:
        return FixOutcome(
            FixStatus.LOW_CONFIDENCE,
            context.failures,
            explanation=(
                "I could not find the code these failures come from (no traceback frame or "
                "called function in the repository). A hint would help: /redfix fix <hint>."
            ),
        )
    rounds = Rounds(context, request.settings.for_task("fix"), services.connector_for("fix"),
                    services.progress, suite, clock.measure)
    return conclude(rounds.run())
