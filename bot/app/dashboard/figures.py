"""What the dashboard shows, computed from the runs and pull requests redfix recorded.

Fix rate: runs that found a validated fix (`fixed`, or `held-back` under the open-PR cap)
over finished runs; a run the failure's cap stopped (`capped`) tried nothing and is left
out. False-fix rate: redfix pull requests closed unmerged over those decided (merged or
closed). Time to PR: from a run's start to its end, for runs that opened or updated a pull
request. A run's period is that of its start; a pull request's that of its opening (as in
`redfix stats`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.records import FixRecord, FixState, JobRun
from bot.stages.learn.stats import acceptance, period_of

RUNNING = "running"
NOT_TRIED = frozenset({RUNNING, "capped"})
FIXED = frozenset({"fixed", "held-back"})
FATES = {FixState.ACCEPTED: "merged", FixState.REJECTED: "closed", FixState.OPEN: "open"}


@dataclass(frozen=True)
class Tally:
    """Runs and pull requests of one repository, one period, or all."""

    finished: int = 0
    fixed: int = 0
    accepted: int = 0
    rejected: int = 0
    open: int = 0
    seconds_to_pr: tuple[float, ...] = ()

    @property
    def fix_rate(self) -> float | None:
        return self.fixed / self.finished if self.finished else None

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def false_fix_rate(self) -> float | None:
        return self.rejected / self.decided if self.decided else None

    @property
    def median_minutes_to_pr(self) -> float | None:
        return statistics.median(self.seconds_to_pr) / 60 if self.seconds_to_pr else None


def tally(runs: Iterable[JobRun], fixes: Iterable[FixRecord]) -> Tally:
    finished = [run for run in runs if run.status not in NOT_TRIED]
    states = [fix.state for fix in fixes]
    return Tally(
        finished=len(finished),
        fixed=sum(run.status in FIXED for run in finished),
        accepted=states.count(FixState.ACCEPTED),
        rejected=states.count(FixState.REJECTED),
        open=states.count(FixState.OPEN),
        seconds_to_pr=tuple(
            run.finished_at - run.started_at for run in finished
            if run.pr_url and run.finished_at is not None
        ),
    )


@dataclass(frozen=True)
class PeriodTally:
    period: str
    tally: Tally


def over_time(runs: Sequence[JobRun], fixes: Sequence[FixRecord], *,
              period: str, last: int) -> list[PeriodTally]:
    """The last `last` periods that saw a run or a pull request, oldest first."""
    runs_in: dict[str, list[JobRun]] = {}
    for run in runs:
        runs_in.setdefault(period_of(run.started_at, period), []).append(run)
    decided_in: dict[str, tuple[int, int, int]] = {}
    for row in acceptance(fixes, by="repository", period=period):
        accepted, rejected, still_open = decided_in.get(row.period, (0, 0, 0))
        decided_in[row.period] = (accepted + row.accepted, rejected + row.rejected,
                                  still_open + row.open)
    periods = sorted(set(runs_in) | set(decided_in))[-last:]
    found = []
    for name in periods:
        runs_tally = tally(runs_in.get(name, []), [])
        accepted, rejected, still_open = decided_in.get(name, (0, 0, 0))
        found.append(PeriodTally(name, Tally(runs_tally.finished, runs_tally.fixed, accepted,
                                             rejected, still_open, runs_tally.seconds_to_pr)))
    return found


@dataclass(frozen=True)
class Cap:
    used: int
    limit: int | None  # None: unknown (no run yet); 0: no cap

    @property
    def reached(self) -> bool:
        return bool(self.limit) and self.used >= (self.limit or 0)


@dataclass(frozen=True)
class RepositoryCaps:
    repository: str
    jobs_today: Cap  # runs started in the last 24 hours against max_jobs_per_day
    open_pulls: Cap  # open redfix pull requests against max_open_pulls
    attempts_per_failure: int | None  # max_attempts_per_failure

    @property
    def at_cap(self) -> bool:
        return self.jobs_today.reached or self.open_pulls.reached


def caps_of(repository: str, runs: Sequence[JobRun], fixes: Sequence[FixRecord], *,
            day_start: float) -> RepositoryCaps:
    """The caps in force at the repository's latest run, and how close it is to them."""
    limits = max(runs, key=lambda run: run.started_at).limits if runs else None

    def limit(name: str) -> int | None:
        return None if limits is None else int(limits.get(name, 0))

    return RepositoryCaps(
        repository,
        Cap(sum(run.started_at >= day_start for run in runs), limit("max_jobs_per_day")),
        Cap(sum(fix.state is FixState.OPEN for fix in fixes), limit("max_open_pulls")),
        limit("max_attempts_per_failure"),
    )


@dataclass(frozen=True)
class Outcome:
    """A finished run, with the pull request it led to and what became of it."""

    repository: str
    head_sha: str
    status: str
    started_at: float
    finished_at: float | None
    pr_url: str
    fate: str  # merged | closed | open, or "" when there is no recorded pull request

    @property
    def link(self) -> str:
        """The pull request's address when it is a web address (never a script)."""
        return self.pr_url if self.pr_url.startswith(("https://", "http://")) else ""


def recent_outcomes(runs: Sequence[JobRun], fixes: Sequence[FixRecord], *,
                    limit: int) -> list[Outcome]:
    fate_of = {fix.pr_url: FATES[fix.state] for fix in fixes if fix.pr_url}
    finished = [run for run in runs if run.status != RUNNING]
    newest = sorted(finished, key=lambda run: run.finished_at or run.started_at, reverse=True)
    return [
        Outcome(run.repository, run.head_sha, run.status, run.started_at, run.finished_at,
                run.pr_url, fate_of.get(run.pr_url, "") if run.pr_url else "")
        for run in newest[:limit]
    ]
