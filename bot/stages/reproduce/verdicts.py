"""Deciding from repeated runs whether a failure is real."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.results import Outcome, Reproduction, TestReport


def classify_runs(
    keys: Sequence[str], runs: Sequence[TestReport | None]
) -> dict[str, Reproduction]:
    """Fails every time: confirmed; sometimes: flaky; never: not reproducible.

    A run that wrote no report, or a test missing from a report, counts as failing:
    the test did not pass.
    """
    verdicts: dict[str, Reproduction] = {}
    for key in keys:
        passes = sum(1 for run in runs if run is not None and run.outcome_of(key) is Outcome.PASSED)
        if passes == 0:
            verdicts[key] = Reproduction.CONFIRMED
        elif passes == len(runs):
            verdicts[key] = Reproduction.NOT_REPRODUCIBLE
        else:
            verdicts[key] = Reproduction.FLAKY
    return verdicts


def confirmed(verdicts: Mapping[str, Reproduction]) -> list[str]:
    return [key for key, verdict in verdicts.items() if verdict is Reproduction.CONFIRMED]
