"""Writing a regression test for a validated fix and proving it: fails before, passes after."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.models import GenerationOptions, RegressionTest
from bot.core.ports import AIServiceConnector, Progress
from bot.core.results import TestCase
from bot.stages.generate.prompting import testgen_messages
from bot.stages.regression_test.testgen import (
    GeneratedTest,
    add_to_file,
    duplicated_test,
    extract_test,
    fails_for_the_right_reason,
    nondeterminism,
    passes_every_run,
    unique_name,
)
from bot.stages.reproduce.suite import Suite


@dataclass(frozen=True)
class RegressionRequest:
    """A test to write for `fix_files` over the repository. Without a failure (a change
    that fixed no reported bug) there is no original behaviour to fail on."""

    failure: TestCase | None
    test_path: str
    test_source: str  # the test file as it is before the fix
    fix_files: Mapping[str, str]
    diff: str
    model: str
    secrets: tuple[str, ...] = ()
    tries: int = 2
    reruns: int = 5
    suggested_name: str = ""

    @property
    def name_hint(self) -> str:
        if self.suggested_name:
            return self.suggested_name
        return f"{self.failure.name.split('[')[0]}_regression" if self.failure else "test_change"


def _judge(test: GeneratedTest, request: RegressionRequest, suite: Suite) -> RegressionTest:
    name = unique_name(test.name, request.test_source)
    content = add_to_file(request.test_source, test, name=name)
    rejected = RegressionTest(request.test_path, name, content, kept=False)
    problems = nondeterminism(test)
    same = duplicated_test(test, request.test_source)
    if same:
        problems.append(f"it repeats the existing test {same}: it would guard nothing new")
    if problems:
        return _with_reason(rejected, "; ".join(problems))
    node = f"{request.test_path}::{name}"
    if request.failure is not None:
        before = suite.run([node], overlay={request.test_path: content}).report
        reason = fails_for_the_right_reason(before, name)
        if reason:
            return _with_reason(rejected, reason)
    overlay = {**request.fix_files, request.test_path: content}
    after = [suite.run([node], overlay=overlay).report for _ in range(request.reruns)]
    reason = passes_every_run(after, name)
    if reason:
        return _with_reason(rejected, reason)
    return RegressionTest(
        request.test_path,
        name,
        content,
        kept=True,
        reason=f"{'fails on the original code, ' if request.failure else ''}"
        f"passes {request.reruns} runs in a row",
    )


def _with_reason(test: RegressionTest, reason: str) -> RegressionTest:
    return RegressionTest(test.path, test.name, test.source, kept=False, reason=reason)


def write_regression_test(
    request: RegressionRequest,
    *,
    connector: AIServiceConnector,
    suite: Suite,
    progress: Progress,
) -> tuple[RegressionTest, ...]:
    """Every try, in order; the last one is kept when it passed every gate."""
    tried: list[RegressionTest] = []
    for number in range(request.tries):
        progress.stage(f"testgen: writing a regression test (try {number + 1}/{request.tries})")
        previous = f"{tried[-1].reason}\n{tried[-1].source[-1500:]}" if tried else ""
        messages = testgen_messages(
            request.failure,
            diff=request.diff,
            test_path=request.test_path,
            test_file=request.test_source,
            suggested_name=request.name_hint,
            previous=previous,
            secrets=request.secrets,
        )
        options = GenerationOptions(
            temperature=0.0 if number == 0 else 0.7, seed=number, max_tokens=700
        )
        completion = connector.complete(
            messages, model=request.model, options=options, on_token=progress.token
        )
        generated = extract_test(completion.text)
        if isinstance(generated, str):
            tried.append(
                RegressionTest(request.test_path, "", completion.text[:2000], False, generated)
            )
            continue
        result = _judge(generated, request, suite)
        progress.stage(
            f"testgen: {'kept' if result.kept else 'rejected'}: "
            f"{result.reason.splitlines()[0] if result.reason else ''}"
        )
        tried.append(result)
        if result.kept:
            break
    return tuple(tried)
