"""One benchmark bug as the evaluation harness sees it, whatever suite it came from."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import UsageError


@dataclass(frozen=True)
class EvalTask:
    """A buggy repository, the correct version of its files, and tests redfix never sees.

    `files` is the repository as redfix gets it (buggy code and the visible tests),
    written over a copy of `base_tree` when there is one. `reference` holds the
    correct content of the files the bug lives in.
    `hidden_files` are overlaid on the patched tree only to score it; `hidden_tests`
    are the paths (or pytest node ids) to run then. `visible_tests` selects the
    visible tests, which must fail on the buggy code and pass on the reference.
    """

    task_id: str
    suite: str
    files: Mapping[str, str]
    reference: Mapping[str, str]
    visible_tests: tuple[str, ...]
    hidden_files: Mapping[str, str]
    hidden_tests: tuple[str, ...]
    buggy_module: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    test_args: tuple[str, ...] = ()  # appended to the test command (e.g. -o pythonpath=src)
    # The task's own test command (its project's interpreter) instead of the harness's.
    test_command: tuple[str, ...] = ()
    base_tree: Path | None = None  # a directory copied first; `files` are written over it
    excluded: str = ""  # why the task cannot be scored, when that is known before running

    @property
    def slug(self) -> str:
        """The task id as a directory or file name."""
        return "".join(c if c.isalnum() or c in "-_." else "-" for c in self.task_id)


def select_tasks(
    tasks: Sequence[EvalTask], *, limit: int | None, seed: int | None
) -> list[EvalTask]:
    """The first `limit` tasks, or with a seed `limit` tasks drawn reproducibly; file order kept."""
    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: give a positive number of tasks")
    if limit is None or limit >= len(tasks):
        return list(tasks)
    if seed is None:
        return list(tasks[:limit])
    sampler = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    chosen = set(sampler.sample(range(len(tasks)), limit))
    return [task for index, task in enumerate(tasks) if index in chosen]


def scoreable(tasks: Sequence[EvalTask]) -> list[EvalTask]:
    """The tasks not already known to be unscoreable (a draw from them is all scored)."""
    return [task for task in tasks if not task.excluded]
