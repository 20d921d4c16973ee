"""The baseline stage: which tests pass on the original tree, run once per tree state."""

from __future__ import annotations

from bot.core.ports import Progress
from bot.core.results import TestReport
from bot.stages.baseline.cache import BaselineCache, tree_fingerprint
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.reproduce.suite import Suite


def run_baseline(suite: Suite, baselines: BaselineCache, progress: Progress) -> TestReport:
    fingerprint = tree_fingerprint(suite.repo)
    argv = suite.argv()
    cached = baselines.load(fingerprint, argv, suite.runner.kind)
    if cached is not None:
        progress.stage("baseline: reusing the cached results for this tree")
        return parse_report_bytes(cached, source="cached baseline")
    progress.stage("baseline: running the whole test suite on the original code")
    run = suite.run()
    report = suite.complete_report(run)
    if run.outcome.report_xml is not None:
        baselines.store(fingerprint, argv, suite.runner.kind, run.outcome.report_xml)
    return report
