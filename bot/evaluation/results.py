"""What one task run came to, and its JSON form (one file per task and mode)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from bot.core.errors import UsageError
from bot.core.models import AttemptStatus


class Mode(StrEnum):
    REDFIX = "redfix"
    BASELINE = "baseline"  # the naive one-prompt baseline with the same model


class Verdict(StrEnum):
    FIXED = "fixed"  # accepted by the visible tests and passes the hidden ones
    FALSE_FIX = "false-fix"  # claimed fixed, but the hidden tests fail: a wrong PR
    NO_FIX = "no-fix"
    FLAKY = "flaky/not-reproducible"
    ERROR = "error"  # the run broke (infrastructure, a crash): still counted
    EXCLUDED = "excluded"  # the task cannot be scored; not in any denominator


# Why a candidate failed, in the words of the report; the order is how far it got.
ATTEMPT_CAUSES: dict[AttemptStatus, str] = {
    AttemptStatus.PROMPT_TOO_LONG: "prompt too long",
    AttemptStatus.NO_EDITS: "no edits",
    AttemptStatus.EDIT_DID_NOT_APPLY: "edit did not apply",
    AttemptStatus.POLICY_REJECTED: "policy",
    AttemptStatus.GUTTED: "gutted a long function",
    AttemptStatus.UNREACHED: "changed code the failing tests never run",
    AttemptStatus.TIMEOUT: "timeout",
    AttemptStatus.TESTS_STILL_FAIL: "tests still fail",
    AttemptStatus.REGRESSION: "regression",
}
HIDDEN_FAIL = "hidden tests fail"
PATCH_DID_NOT_APPLY = "patch does not apply (git apply)"
LOW_CONFIDENCE = "low confidence (localization)"
UNCONFIRMED = "unconfirmed (a lone later-round pass, held back)"
VISIBLE_PASSES = "visible test passes on buggy code"


def furthest_cause(statuses: list[str]) -> str:
    """The cause of the candidate that got furthest (a regression beats an edit that missed)."""
    order = list(ATTEMPT_CAUSES)
    known = [AttemptStatus(s) for s in statuses if s in set(AttemptStatus)]
    failed = [s for s in known if s in ATTEMPT_CAUSES]
    if not failed:
        return "no candidate"
    return ATTEMPT_CAUSES[max(failed, key=order.index)]


@dataclass(frozen=True)
class TaskRun:
    task_id: str
    suite: str
    mode: Mode
    verdict: Verdict
    cause: str = ""  # why it is not fixed, or why it was excluded or broke
    status: str = ""  # redfix's FixStatus, or the baseline's acceptance
    fixed_at_attempt: int | None = None  # the round whose candidate was accepted
    rounds: int = 0
    candidates: int = 0
    model_calls: int = 0
    attempt_statuses: tuple[str, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    test_seconds: float = 0.0
    wall_seconds: float = 0.0
    hidden_seconds: float = 0.0
    patch: str = ""
    hidden_output: str = ""
    explanation: str = ""
    # Per candidate, in order: why it failed (the start of it) and its diff, to read the misses.
    attempt_details: tuple[str, ...] = ()
    attempt_diffs: tuple[str, ...] = ()
    # "kept", "rejected: <why>" or "none" (not tried); "" in records older than this field
    regression_test: str = ""
    # A pass held back as unconfirmed, judged by the hidden tests anyway: "right" or
    # "wrong: <why>" ("" when nothing was held back, or in older records)
    held_back: str = ""

    @property
    def accepted(self) -> bool:
        """redfix (or the baseline) said "fixed"."""
        return self.verdict in (Verdict.FIXED, Verdict.FALSE_FIX)

    @property
    def scored(self) -> bool:
        return self.verdict is not Verdict.EXCLUDED

    @property
    def overhead_seconds(self) -> float:
        """Wall time not spent waiting for the model or the tests."""
        return max(0.0, self.wall_seconds - self.model_seconds - self.test_seconds)


TUPLE_FIELDS = ("attempt_statuses", "attempt_details", "attempt_diffs")


def run_to_json(run: TaskRun) -> dict[str, Any]:
    data = asdict(run)
    data["mode"] = str(run.mode)
    data["verdict"] = str(run.verdict)
    for name in TUPLE_FIELDS:
        data[name] = list(getattr(run, name))
    data["overhead_seconds"] = round(run.overhead_seconds, 3)
    for name in ("model_seconds", "test_seconds", "wall_seconds", "hidden_seconds"):
        data[name] = round(data[name], 3)
    return data


def run_from_json(data: dict[str, Any], *, source: str) -> TaskRun:
    names = {f.name for f in fields(TaskRun)}
    try:
        values = {k: v for k, v in data.items() if k in names}
        values["mode"] = Mode(values["mode"])
        values["verdict"] = Verdict(values["verdict"])
        for name in TUPLE_FIELDS:  # records from before a field existed load without it
            values[name] = tuple(values.get(name, ()))
        return TaskRun(**values)
    except (KeyError, ValueError, TypeError) as exc:
        raise UsageError(f"{source}: not a task run record ({exc}); delete it and rerun") from exc
