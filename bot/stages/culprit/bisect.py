"""`git bisect run` over a list of commits: the first at which the tests fail, skipping
the commits that cannot be tested, within a number of steps and a deadline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.history import Commit, Step

Probe = Callable[[Commit], Step]


@dataclass(frozen=True)
class Bisection:
    suspects: tuple[Commit, ...]  # one: the first bad commit; more: it is one of them
    steps: tuple[tuple[str, Step], ...]
    bounded: bool  # stopped by the step limit or the deadline

    @property
    def first_bad(self) -> Commit | None:
        return self.suspects[0] if len(self.suspects) == 1 else None


def bisect(
    commits: Sequence[Commit],
    probe: Probe,
    *,
    max_steps: int,
    out_of_time: Callable[[], bool],
) -> Bisection:
    """`commits` follow a good revision, oldest first; the last is known to be bad."""
    good, bad = -1, len(commits) - 1  # indexes: -1 is the good revision itself
    skipped: set[int] = set()
    steps: list[tuple[str, Step]] = []
    bounded = False
    while bad - good > 1:
        index = next_probe(good, bad, skipped)
        if index is None:
            break  # every commit between them was skipped
        if len(steps) >= max_steps or out_of_time():
            bounded = True
            break
        step = probe(commits[index])
        steps.append((commits[index].sha, step))
        if step is Step.GOOD:
            good = index
        elif step is Step.BAD:
            bad = index
        else:
            skipped.add(index)
    return Bisection(tuple(commits[good + 1 : bad + 1]), tuple(steps), bounded)


def next_probe(good: int, bad: int, skipped: set[int]) -> int | None:
    """The untested commit strictly between `good` and `bad` nearest their middle."""
    middle = (good + bad) // 2
    for distance in range(bad - good):
        for index in (middle - distance, middle + distance):
            if good < index < bad and index not in skipped:
                return index
    return None
