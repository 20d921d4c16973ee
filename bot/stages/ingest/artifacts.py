"""Ingest from a CI run on GitHub: the JUnit reports in its artifacts, else the failing
tests its failed jobs' logs name."""

from __future__ import annotations

import logging

from bot.core.config import Settings
from bot.core.errors import ReportError
from bot.core.github import GitHubGateway
from bot.core.jobs import FixJob
from bot.core.results import TestReport
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.ingest.logs import failures_in_log

DEFAULT_REPORT_GLOBS = ("*.xml",)


def collect_reports(
    job: FixJob,
    gateway: GitHubGateway,
    settings: Settings,
    logger: logging.LoggerAdapter[logging.Logger],
) -> tuple[TestReport, ...]:
    """JUnit reports from the run's artifacts, else the failing tests its failed jobs' logs
    name; none means the pipeline runs the whole suite to find the failures itself."""
    if job.run_id is None:
        return ()
    globs = settings.reports or DEFAULT_REPORT_GLOBS
    reports = []
    for found in gateway.report_files(job.repository, job.run_id, tuple(globs)):
        try:
            reports.append(parse_report_bytes(found.data, source=found.name))
        except ReportError as exc:
            logger.info("artifact %s is not a JUnit report: %s", found.name, exc)
    if any(report.failures for report in reports):
        return tuple(reports)
    logs = gateway.failed_job_logs(job.repository, job.run_id)
    named = [failures_in_log(text, source=f"log of job {name}") for name, text in logs.items()]
    named = [report for report in named if report.failures]
    logger.info(
        "no failing JUnit report in the artifacts; the logs of %s name %d failing test(s)%s",
        ", ".join(logs) or "no failed job",
        sum(len(report.failures) for report in named),
        "" if named else ": running the suite",
    )
    return tuple(named)


