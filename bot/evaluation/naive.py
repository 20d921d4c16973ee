"""The naive baseline: one prompt with the failing output and the whole buggy file.

No retrieval, no repair loop, no policy. The answer's code block replaces the
file; it is accepted when the visible tests pass. The hidden tests then decide.
A file too long for the model's window (with room for the answer) is a no-fix, "prompt
too long", never sent: llama.cpp's Python server drops the connection on such a prompt.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from bot.core.diffs import unified_diff
from bot.core.models import AttemptStatus, ChatMessage, GenerationOptions
from bot.core.ports import AIServiceConnector
from bot.core.results import Termination
from bot.evaluation.metering import MeteredConnector, TimedRunner, with_costs
from bot.evaluation.results import ATTEMPT_CAUSES, Mode, TaskRun, Verdict
from bot.evaluation.taskrepo import HiddenResult, TaskRepo, TestsRun, hidden_check
from bot.stages.generate.ask import context_window
from bot.stages.generate.prompting import render, tail

MAX_OUTPUT_CHARS = 4000
OPTIONS = GenerationOptions(temperature=0.0, seed=0)  # redfix's first candidate samples alike
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def naive_messages(path: str, source: str, output: str) -> list[ChatMessage]:
    text = render("naive_fix.j2", path=path, source=source.rstrip("\n"),
                  output=tail(output.strip(), MAX_OUTPUT_CHARS))
    return [ChatMessage("user", text)]


def whole_file(answer: str) -> str | None:
    """The longest fenced code block of the answer, as a file; None when there is none."""
    blocks = [str(block) for block in _FENCE.findall(answer) if block.strip()]
    if not blocks:
        return None
    return max(blocks, key=len).rstrip("\n") + "\n"


@dataclass(frozen=True)
class NaiveAnswer:
    status: AttemptStatus
    patch: str
    detail: str


def judge_answer(bench: TaskRepo, answer: str, before: TestsRun) -> NaiveAnswer:
    path = bench.task.buggy_module
    original = bench.task.files[path]
    new = whole_file(answer)
    if new is None:
        return NaiveAnswer(AttemptStatus.NO_EDITS, "", "the answer held no code block")
    patch = unified_diff({path: original}, {path: new})
    run = bench.run_tests(bench.task.visible_tests, overlay={path: new})
    if run.passed:
        return NaiveAnswer(AttemptStatus.VALIDATED, patch, "the visible tests pass")
    if run.outcome.termination is not Termination.EXITED:
        return NaiveAnswer(AttemptStatus.TIMEOUT, patch, str(run.outcome.termination))
    failing_before = {c.key for c in before.report.failures} if before.report else set()
    failing_now = {c.key for c in run.report.failures} if run.report else set()
    if failing_now and not failing_now & failing_before:
        return NaiveAnswer(AttemptStatus.REGRESSION, patch, ", ".join(sorted(failing_now)))
    return NaiveAnswer(AttemptStatus.TESTS_STILL_FAIL, patch, run.outcome.output[-1500:])


def run_naive(
    bench: TaskRepo,
    before: TestsRun,
    *,
    connector: AIServiceConnector,
    model: str,
    scratch: Path,
    timeout_s: float,
) -> TaskRun:
    """One naive attempt on a qualified task, scored by the hidden tests when accepted."""
    metered, timed = MeteredConnector(connector), TimedRunner(bench.runner)
    timed_bench = TaskRepo(bench.task, bench.repo, timed, bench.command, bench.timeout_s)
    path = bench.task.buggy_module
    started = time.monotonic()
    messages = naive_messages(path, bench.task.files[path], before.outcome.output)
    window = context_window(connector, model, 0)
    if window.overshoot(messages, answer_tokens=OPTIONS.max_tokens) > 0:
        answer = NaiveAnswer(AttemptStatus.PROMPT_TOO_LONG, "",
                             f"{path} does not fit the model's {window.tokens}-token window")
    else:
        completion = metered.complete(
            messages, model=model,
            options=GenerationOptions(temperature=OPTIONS.temperature, seed=OPTIONS.seed,
                                      timeout_s=timeout_s),
        )
        answer = judge_answer(timed_bench, completion.text, before)
    wall = time.monotonic() - started
    accepted = answer.status is AttemptStatus.VALIDATED
    hidden = hidden_check(bench, answer.patch, scratch=scratch) if accepted else None
    verdict, cause = _verdict(answer, hidden)
    run = TaskRun(
        task_id=bench.task.task_id,
        suite=bench.task.suite,
        mode=Mode.BASELINE,
        verdict=verdict,
        cause=cause,
        status=str(answer.status),
        fixed_at_attempt=1 if accepted else None,
        rounds=1,
        candidates=1,
        attempt_statuses=(str(answer.status),),
        hidden_seconds=hidden.seconds if hidden else 0.0,
        patch=answer.patch,
        hidden_output=hidden.output if hidden else "",
        explanation=answer.detail[-2000:],
    )
    return with_costs(run, metered, timed, wall_seconds=wall)


def _verdict(answer: NaiveAnswer, hidden: HiddenResult | None) -> tuple[Verdict, str]:
    if hidden is None:
        return Verdict.NO_FIX, ATTEMPT_CAUSES.get(answer.status, "")
    if hidden.passed:
        return Verdict.FIXED, ""
    return Verdict.FALSE_FIX, hidden.problem
