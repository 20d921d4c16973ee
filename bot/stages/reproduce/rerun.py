"""The reproduce stage: run the failing tests again, several times, before anything is fixed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.models import FixStatus
from bot.core.ports import Progress
from bot.core.results import Reproduction, TestCase
from bot.stages.reproduce.suite import Suite
from bot.stages.reproduce.testrun import node_id
from bot.stages.reproduce.verdicts import classify_runs


def reproduce_failures(
    suite: Suite, failures: Sequence[TestCase], *, reruns: int, progress: Progress
) -> dict[str, Reproduction]:
    """Each failure's verdict over `reruns` runs of just the failing tests (all of the
    suite when a failure names no test the runner can select)."""
    ids = [node_id(case, suite.repo) for case in failures]
    selection = [i for i in ids if i is not None] if all(ids) else []
    runs = []
    for number in range(1, reruns + 1):
        progress.stage(f"reproduce: run {number}/{reruns} of {len(failures)} failing test(s)")
        runs.append(suite.run(selection).report)
    return classify_runs([case.key for case in failures], runs)


def unreproduced_status(verdicts: Mapping[str, Reproduction]) -> FixStatus:
    if any(v is Reproduction.FLAKY for v in verdicts.values()):
        return FixStatus.FLAKY
    return FixStatus.NOT_REPRODUCIBLE


def reproduction_text(verdicts: Mapping[str, Reproduction]) -> str:
    lines = [f"{key}: {verdict}" for key, verdict in verdicts.items()]
    return "no failure reproduced on every run, so no fix was attempted:\n" + "\n".join(lines)
