"""The figures of one evaluation run: rates over the scored tasks, costs per task, causes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from bot.evaluation.results import Mode, TaskRun, Verdict


@dataclass(frozen=True)
class Summary:
    mode: Mode
    selected: int
    excluded: int
    counts: dict[str, int]  # verdict -> tasks, over the scored tasks
    fix_rate_by_attempt: tuple[float, ...]  # cumulative: fixed by attempt 1, 2, ...
    causes: dict[str, int]  # why scored tasks were not fixed (false fixes included)
    attempt_statuses: dict[str, int]  # every candidate's status
    excluded_reasons: dict[str, int]
    means: dict[str, float]  # per scored task
    totals: dict[str, float]
    kept_tests: int = 0  # claimed fixes that ship with a generated regression test
    tests_recorded: int = 0  # claimed fixes whose record says what became of their test
    held_back: int = 0  # lone later-round passes redfix did not publish (unconfirmed)
    held_back_right: int = 0  # of those, the ones the hidden tests pass

    @property
    def scored(self) -> int:
        return self.selected - self.excluded

    def rate(self, verdict: Verdict) -> float:
        return self.counts.get(str(verdict), 0) / self.scored if self.scored else 0.0

    @property
    def claimed(self) -> int:
        return self.counts.get("fixed", 0) + self.counts.get("false-fix", 0)

    @property
    def wrong_fix_share(self) -> float:
        """Of the fixes claimed, the share the hidden tests reject (wrong PRs per PR)."""
        return self.counts.get("false-fix", 0) / self.claimed if self.claimed else 0.0


COST_FIELDS = ("rounds", "candidates", "model_calls", "prompt_tokens", "completion_tokens",
               "model_seconds", "test_seconds", "overhead_seconds", "wall_seconds",
               "hidden_seconds")


def _cost(run: TaskRun, name: str) -> float:
    return float(getattr(run, name))


def fix_rate_by_attempt(scored: Sequence[TaskRun], *, attempts: int) -> tuple[float, ...]:
    """For k = 1..attempts, the share of scored tasks fixed (hidden tests pass) by attempt k."""
    if not scored:
        return tuple(0.0 for _ in range(attempts))
    rounds = [r.fixed_at_attempt or 1 for r in scored if r.verdict is Verdict.FIXED]
    return tuple(sum(1 for n in rounds if n <= k) / len(scored) for k in range(1, attempts + 1))


def summarize(runs: Sequence[TaskRun], *, mode: Mode, attempts: int) -> Summary:
    """The summary of `mode`'s runs; `attempts` is the most rounds a run could use."""
    mine = [run for run in runs if run.mode is mode]
    scored = [run for run in mine if run.scored]
    not_fixed = [run for run in scored if run.verdict is not Verdict.FIXED]
    return Summary(
        mode=mode,
        selected=len(mine),
        excluded=len(mine) - len(scored),
        counts=dict(Counter(str(run.verdict) for run in scored)),
        fix_rate_by_attempt=fix_rate_by_attempt(scored, attempts=attempts),
        causes=dict(Counter(run.cause or str(run.verdict) for run in not_fixed).most_common()),
        attempt_statuses=dict(
            Counter(s for run in scored for s in run.attempt_statuses).most_common()
        ),
        excluded_reasons=dict(
            Counter(run.cause for run in mine if not run.scored).most_common()
        ),
        means={n: fmean([_cost(r, n) for r in scored]) if scored else 0.0 for n in COST_FIELDS},
        totals={n: sum(_cost(r, n) for r in scored) for n in COST_FIELDS},
        kept_tests=sum(1 for run in scored if run.accepted and run.regression_test == "kept"),
        tests_recorded=sum(1 for run in scored if run.accepted and run.regression_test),
        held_back=sum(1 for run in scored if run.held_back),
        held_back_right=sum(1 for run in scored if run.held_back == "right"),
    )


def summary_to_json(summary: Summary) -> dict[str, Any]:
    return {
        "mode": str(summary.mode),
        "selected": summary.selected,
        "excluded": summary.excluded,
        "scored": summary.scored,
        "counts": summary.counts,
        "rates": {str(v): round(summary.rate(v), 4) for v in Verdict if v is not Verdict.EXCLUDED},
        "wrong_fix_share": round(summary.wrong_fix_share, 4),
        "claimed_fixes_with_kept_regression_test": summary.kept_tests,
        "claimed_fixes_with_recorded_regression_test": summary.tests_recorded,
        "held_back_unconfirmed": summary.held_back,
        "held_back_unconfirmed_right": summary.held_back_right,
        "fix_rate_by_attempt": [round(rate, 4) for rate in summary.fix_rate_by_attempt],
        "causes": summary.causes,
        "attempt_statuses": summary.attempt_statuses,
        "excluded_reasons": summary.excluded_reasons,
        "means_per_task": {name: round(value, 3) for name, value in summary.means.items()},
        "totals": {name: round(value, 3) for name, value in summary.totals.items()},
    }
