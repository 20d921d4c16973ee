"""Each way `run_fix` ends before a fix, run in process with the scripted fakes:
no Docker, no model server, a real tiny repository so that paths resolve."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.core.models import AttemptStatus, FixOutcome, FixStatus, LocalizerMethod
from bot.core.results import CodeSpan, Reproduction, TestCase, TestReport
from bot.pipeline import FixRequest, Services, run_fix
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.localize.traceback_localizer import Localization
from bot.stages.reproduce.suite import Suite
from bot.testing import (
    ScriptedConnector,
    ScriptedSandbox,
    case_key,
    junit_outcome,
    junit_xml,
)

CART = "def total(prices):\n    return sum(prices) - 1\n"
TESTS = (
    "from cart import total\n\n\n"
    "def test_total():\n    assert total([2, 3]) == 5\n\n\n"
    "def test_empty():\n    assert total([]) == -1\n"
)
TOTAL, EMPTY = "tests/test_cart.py::test_total", "tests/test_cart.py::test_empty"
SETTINGS = Settings(reruns=3, candidates=2, max_attempts=1, regression_test=False)
CI_REPORT = junit_xml({TOTAL: "failed", EMPTY: "passed"})
FAILS, PASSES = junit_outcome({TOTAL: "failed"}), junit_outcome({TOTAL: "passed"})
BASELINE = junit_outcome({TOTAL: "failed", EMPTY: "passed"})
SCRIPTED = LocalizerMethod("scripted")
CART_SPAN = CodeSpan("cart.py", 1, 2, CART.rstrip(), 0.9, ("traceback frame",), "total")

PROSE = "The total is off by one: `total` subtracts 1 from the sum, which it should not."
UNMATCHED = """cart.py
```python
<<<<<<< SEARCH
    return functools.reduce(operator.add, prices)
=======
    return sum(prices)
>>>>>>> REPLACE
```"""
WEAKENS_TEST = """tests/test_cart.py
```python
<<<<<<< SEARCH
    assert total([2, 3]) == 5
=======
    assert total([2, 3]) == 4
>>>>>>> REPLACE
```"""


@dataclass
class FixedLocalizer:
    """Answers every failure with the same localization, and records who asked."""

    localization: Localization
    asked: list[tuple[tuple[TestCase, ...], Path]] = field(default_factory=list)

    def localize(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        suite: Suite | None = None,
        culprit: object = None,
    ) -> Localization:
        self.asked.append((tuple(failures), repo))
        return self.localization


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "cart.py").write_text(CART)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_cart.py").write_text(TESTS)
    return tmp_path


def fix(
    repo: Path,
    sandbox: ScriptedSandbox,
    *,
    connector: ScriptedConnector | None = None,
    localizer: FixedLocalizer | None = None,
    reports: tuple[TestReport, ...] = (),
    settings: Settings = SETTINGS,
) -> FixOutcome:
    services = Services(
        connector=connector or ScriptedConnector(),
        runner=sandbox,
        localizer=localizer or FixedLocalizer(Localization((CART_SPAN,), 0.9, SCRIPTED)),
    )
    return run_fix(FixRequest(repo, settings, reports=reports), services)


def ci_reports() -> tuple[TestReport, ...]:
    return (parse_report_bytes(CI_REPORT, source="ci.xml"),)


def selections(sandbox: ScriptedSandbox) -> list[str | None]:
    """The test each run selected, None for a run of the whole suite."""
    return [spec.argv[-1] if "::" in spec.argv[-1] else None for spec in sandbox.runs]


def test_a_suite_that_passes_has_nothing_to_fix(repo):
    sandbox = ScriptedSandbox([junit_outcome({TOTAL: "passed", EMPTY: "passed"})])
    connector, localizer = ScriptedConnector(), FixedLocalizer(Localization((CART_SPAN,), 0.9))
    outcome = fix(repo, sandbox, connector=connector, localizer=localizer)
    assert outcome.status is FixStatus.NOTHING_FAILS
    assert (outcome.failures, outcome.attempts, outcome.patch) == ((), (), "")
    assert outcome.reproduction == {} and outcome.localizer is None
    assert connector.calls == [] and localizer.asked == []
    [run] = sandbox.runs
    assert run.source == repo and run.overlay == {}
    assert run.argv[:3] == SETTINGS.test_command and "--junitxml={report}" in run.argv
    assert selections(sandbox) == [None], "one run of the whole suite: the baseline"
    assert (outcome.sandbox, outcome.model) == ("scripted", SETTINGS.model)


def test_a_failure_that_passes_on_every_rerun_is_not_reproducible(repo):
    sandbox = ScriptedSandbox([PASSES] * 3)
    connector, localizer = ScriptedConnector(), FixedLocalizer(Localization((CART_SPAN,), 0.9))
    outcome = fix(repo, sandbox, connector=connector, localizer=localizer, reports=ci_reports())
    assert outcome.status is FixStatus.NOT_REPRODUCIBLE
    assert [case.key for case in outcome.failures] == [case_key(TOTAL)]
    assert outcome.reproduction == {case_key(TOTAL): Reproduction.NOT_REPRODUCIBLE}
    assert "tests.test_cart::test_total: not-reproducible" in outcome.explanation
    assert selections(sandbox) == [TOTAL] * 3, "only the failing test, no baseline run"
    assert connector.calls == [] and localizer.asked == [] and outcome.localizer is None


@pytest.mark.parametrize("reruns", [(PASSES, FAILS, PASSES), (FAILS, FAILS, PASSES)],
                         ids=["passes-twice", "passes-once"])
def test_a_failure_that_passes_on_some_reruns_is_flaky(repo, reruns):
    sandbox = ScriptedSandbox(reruns)
    connector = ScriptedConnector()
    outcome = fix(repo, sandbox, connector=connector, reports=ci_reports())
    assert outcome.status is FixStatus.FLAKY
    assert outcome.reproduction == {case_key(TOTAL): Reproduction.FLAKY}
    assert "tests.test_cart::test_total: flaky" in outcome.explanation
    assert selections(sandbox) == [TOTAL] * 3
    assert connector.calls == [] and outcome.attempts == () and outcome.patch == ""


@pytest.mark.parametrize("localization", [
    Localization((), 0.9, SCRIPTED), Localization((CART_SPAN,), 0.05, SCRIPTED)],
    ids=["no-spans", "low-confidence"])
def test_a_failure_the_localizer_cannot_place_is_left_to_a_human(repo, localization):
    sandbox = ScriptedSandbox([FAILS] * 3 + [BASELINE])
    connector, localizer = ScriptedConnector(), FixedLocalizer(localization)
    outcome = fix(repo, sandbox, connector=connector, localizer=localizer, reports=ci_reports())
    assert outcome.status is FixStatus.LOW_CONFIDENCE
    assert outcome.reproduction == {case_key(TOTAL): Reproduction.CONFIRMED}
    assert [case.key for case in outcome.failures] == [case_key(TOTAL)]
    assert [([c.key for c in failures], where) for failures, where in localizer.asked] == [
        ([case_key(TOTAL)], repo)]
    assert outcome.localizer == SCRIPTED
    assert "A hint would help" in outcome.explanation
    assert connector.calls == [], "the model is never asked"
    assert selections(sandbox) == [TOTAL, TOTAL, TOTAL, None], "3 reruns, then the baseline"
    assert (outcome.attempts, outcome.patch, outcome.chosen) == ((), "", None)


def test_unusable_answers_are_recorded_and_give_no_patch(repo):
    sandbox = ScriptedSandbox([FAILS] * 3 + [BASELINE])
    connector = ScriptedConnector([PROSE, UNMATCHED, WEAKENS_TEST])
    outcome = fix(repo, sandbox, connector=connector, reports=ci_reports())
    assert outcome.status is FixStatus.NOT_FIXED
    assert [(a.number, a.status) for a in outcome.attempts] == [
        (1, AttemptStatus.NO_EDITS), (2, AttemptStatus.EDIT_DID_NOT_APPLY),
        (3, AttemptStatus.POLICY_REJECTED)]
    assert [a.candidate.completion.text for a in outcome.attempts if a.candidate] == [
        PROSE, UNMATCHED, WEAKENS_TEST]
    assert all(a.validation is None for a in outcome.attempts), "no candidate reached the tests"
    assert (outcome.patch, outcome.chosen) == ("", None)
    assert outcome.explanation == ("no candidate passed validation (attempt 1: no-edits; "
                                   "attempt 2: edit-did-not-apply; attempt 3: policy-rejected)")
    assert len(connector.calls) == 3 and connector.remaining == 0
    assert "the whole corrected file cart.py" in connector.calls[0].prompt
    assert "Your answer could not be used" in connector.calls[1].prompt
    assert selections(sandbox) == [TOTAL, TOTAL, TOTAL, None], "no run after the baseline"
    assert (repo / "tests" / "test_cart.py").read_text() == TESTS


def test_the_same_unusable_answer_is_recorded_once(repo):
    sandbox = ScriptedSandbox([FAILS] * 3 + [BASELINE])
    connector = ScriptedConnector([PROSE] * 3)
    settings = Settings(reruns=3, candidates=1, max_attempts=2, regression_test=False)
    outcome = fix(repo, sandbox, connector=connector, reports=ci_reports(), settings=settings)
    assert outcome.status is FixStatus.NOT_FIXED
    assert [(a.number, a.status, a.round) for a in outcome.attempts] == [
        (1, AttemptStatus.NO_EDITS, 1)]
    assert len(connector.calls) == 3, "whole file, ranked spans, then round 2"
    assert "Attempt 1: no-edits." in connector.calls[2].prompt
    assert outcome.patch == "" and len(sandbox.runs) == 4
