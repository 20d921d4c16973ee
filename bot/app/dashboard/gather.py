"""The dashboard's figures, gathered from the job queue's store and redfix's records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.app.dashboard.figures import (
    Outcome,
    PeriodTally,
    RepositoryCaps,
    Tally,
    caps_of,
    over_time,
    recent_outcomes,
    tally,
)
from bot.app.store import JobRecord, JobState, Store
from bot.core.errors import UsageError
from bot.core.records import FixRecord, JobRun
from bot.core.records_ports import Records

DAY_S = 24 * 3600.0
PERIODS = ("day", "week", "month")
LAST_PERIODS = 12  # bars per chart
RECENT_OUTCOMES = 20
Row = TypeVar("Row", JobRun, FixRecord)


@dataclass(frozen=True)
class RepositoryRow:
    repository: str
    tally: Tally


@dataclass(frozen=True)
class Dashboard:
    repository: str  # the one shown, or "" for all
    period: str  # day | week | month: the charts' buckets
    now: float
    repositories: tuple[str, ...]  # every repository with a run or a pull request
    queued: tuple[JobRecord, ...]
    running: tuple[JobRecord, ...]
    overall: Tally
    by_repository: tuple[RepositoryRow, ...]
    periods: tuple[PeriodTally, ...]
    outcomes: tuple[Outcome, ...]
    caps: tuple[RepositoryCaps, ...]


def checked_period(period: str) -> str:
    if period not in PERIODS:
        raise UsageError(f"period {period!r}: choose one of {', '.join(PERIODS)}")
    return period


def gather(store: Store, records: Records, *, repository: str = "", period: str = "week",
           now: float) -> Dashboard:
    """Everything the page shows, for one repository or (with "") all of them."""
    period = checked_period(period)
    all_runs, all_fixes = records.runs(), records.fixes()
    repositories = tuple(sorted({r.repository for r in all_runs} |
                                {f.repository for f in all_fixes}))
    shown = (repository,) if repository else repositories
    runs = [run for run in all_runs if run.repository in shown]
    fixes = [fix for fix in all_fixes if fix.repository in shown]
    jobs = [job for job in store.active_jobs()
            if not repository or job.job.repository == repository]
    return Dashboard(
        repository=repository,
        period=period,
        now=now,
        repositories=repositories,
        queued=tuple(job for job in jobs if job.state is JobState.QUEUED),
        running=tuple(job for job in jobs if job.state is JobState.RUNNING),
        overall=tally(runs, fixes),
        by_repository=tuple(
            RepositoryRow(name, tally(_of(name, runs), _of(name, fixes))) for name in shown
        ),
        periods=tuple(over_time(runs, fixes, period=period, last=LAST_PERIODS)),
        outcomes=tuple(recent_outcomes(runs, fixes, limit=RECENT_OUTCOMES)),
        caps=tuple(
            caps_of(name, _of(name, runs), _of(name, fixes), day_start=now - DAY_S)
            for name in shown
        ),
    )


def _of(repository: str, rows: Sequence[Row]) -> list[Row]:
    return [row for row in rows if row.repository == repository]
