"""The App's caps on its own work in a repository, counted in the run ledger of redfix's
database: fix runs started in 24 hours (`max_jobs_per_day`), and runs on one failure
that found no fix (`max_attempts_per_failure`), until a file the failure pointed at
changes. A capped run says why, in its check run or its status comment."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.app.controls import Declined
from bot.core.config import Settings
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome, FixStatus
from bot.core.records import JobRun
from bot.core.records_ports import RunLedger
from bot.core.results import TestCase
from bot.core.sourcefiles import read_source
from bot.stages.ingest.tracebacks import frames_in_repo, parse_frames
from bot.stages.publish.plans import failure_digest
from bot.stages.reproduce.testrun import source_of_test

DAY_S = 86_400.0
# Outcomes of a run that tried the failure and found nothing: the same run on the same
# code would end the same way. Flaky, unreproduced and capped runs are not tries.
NO_FIX = frozenset({FixStatus.NOT_FIXED, FixStatus.LOW_CONFIDENCE, FixStatus.UNCONFIRMED})


class Capped(Declined):
    """The repository's daily cap is reached: this run does not start."""


def limits(settings: Settings) -> dict[str, int]:
    return {"max_jobs_per_day": settings.max_jobs_per_day,
            "max_open_pulls": settings.max_open_pulls,
            "max_attempts_per_failure": settings.max_attempts_per_failure}


def digest(repo: Path, path: str) -> str:
    """A digest of the file's text; "" when it is missing (its creation is a change too)."""
    text = read_source(repo, path)
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text is not None else ""


def suspects(outcome: FixOutcome, repo: Path) -> dict[str, str]:
    """The files a run pointed at: those localization ranked first, the failing tests'
    files, their tracebacks' frames in the repository and the files its attempts changed,
    with their digests."""
    paths: set[str] = set(outcome.suspects)
    for case in outcome.failures:
        paths.update(path for path in (source_of_test(case, repo), case.file) if path)
        paths.update(frame.path for frame in frames_in_repo(parse_frames(case.traceback), repo))
    for attempt in outcome.attempts:
        paths.update(attempt.files)
    return {path: digest(repo, path) for path in sorted(paths)}


def unchanged(run: JobRun, repo: Path) -> bool:
    return all(digest(repo, path) == known for path, known in run.suspects.items())


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC")


class RunAccount:
    """One fix run of the App in the ledger: checked against the daily cap as it starts,
    against the failure's cap once its failures are known, and recorded as it ends."""

    def __init__(self, ledger: RunLedger, job: FixJob, settings: Settings, checkout: Path,
                 *, per_failure: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.ledger, self.job, self.settings, self.checkout = ledger, job, settings, checkout
        self.per_failure = per_failure  # False: a person asked for this run
        self.clock = clock
        self.run = JobRun(job.repository, job.head_sha, clock(), limits=limits(settings))

    def start(self) -> None:
        """Record the run, or raise `Capped` when the repository is at its daily cap."""
        cap = self.settings.max_jobs_per_day
        if cap > 0:
            started = self.ledger.runs(repository=self.job.repository,
                                       since=self.run.started_at - DAY_S)
            if len(started) >= cap:
                raise Capped(
                    f"redfix started {len(started)} fix runs in {self.job.repository} in the "
                    f"last 24 hours, the most `max_jobs_per_day` allows ({cap}); it can start "
                    f"another after {_when(started[-cap].started_at + DAY_S)}. Raise the cap "
                    "in .github/redfix.yml on the default branch to allow more.")
        self.run = replace(self.run, run_id=self.ledger.start_run(self.run))

    def gate(self, failures: Sequence[TestCase]) -> str:
        """The pipeline's `FailureGate`: why these failures are not tried again, or ""."""
        signature = failure_digest(case.signature or case.key for case in failures)
        self.run = replace(self.run, signature=signature)
        self.ledger.update_run(self.run)
        cap = self.settings.max_attempts_per_failure
        if cap <= 0 or not self.per_failure:
            return ""
        tried = [run for run in self.ledger.runs_of(self.job.repository, signature)
                 if run.run_id != self.run.run_id and run.status in NO_FIX
                 and unchanged(run, self.checkout)]
        if len(tried) < cap:
            return ""
        files = sorted({path for run in tried for path in run.suspects})
        return (
            f"redfix tried this failure {len(tried)} times without finding a fix (on "
            f"{', '.join(run.head_sha[:7] for run in tried)}), the most "
            f"`max_attempts_per_failure` allows ({cap}), and none of the files it pointed at "
            f"changed since ({', '.join(files) or 'none known'}). It tries again when one of "
            "them changes, or when someone with write access comments `/redfix fix [hint]`.")

    def finish(self, outcome: FixOutcome, status: str, pr_url: str) -> None:
        self.run = replace(self.run, status=status, suspects=suspects(outcome, self.checkout),
                           finished_at=self.clock(), pr_url=pr_url)
        self.ledger.update_run(self.run)

    def fail(self) -> None:
        """The run broke (an error the worker reports): it counts for the day, not as a try."""
        if self.run.run_id:
            self.ledger.update_run(replace(self.run, status="failed", finished_at=self.clock()))
