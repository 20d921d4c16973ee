"""Which candidates the loop asks for, and which validated candidate may be published."""

from pathlib import Path

from bot.core.config import Settings
from bot.core.diffs import unified_diff
from bot.core.models import Attempt, AttemptStatus, FixStatus
from bot.core.results import CodeSpan, Outcome, TestCase, TestReport
from bot.stages.generate.ask import MAX_WHOLE_FILE_CHARS, AttemptContext, whole_file_suspect
from bot.stages.generate.prompting import whole_file_messages
from bot.stages.localize.traceback_localizer import Localization
from bot.stages.repair.loop import asks, conclude, confirmed

VALIDATED, STILL_FAILS = AttemptStatus.VALIDATED, AttemptStatus.TESTS_STILL_FAIL
FAILURE = TestCase("tests.test_cart", "test_total", Outcome.FAILED, message="assert 9 == 10",
                   traceback="tests/test_cart.py:4: in test_total")


def attempt(number: int, status: AttemptStatus, *, round: int = 1, diff: str = "") -> Attempt:
    return Attempt(number, status, "", diff=diff or f"diff {number}\n", round=round)


def test_a_first_round_pass_stands_alone():
    passes = [attempt(2, VALIDATED)]
    assert confirmed([attempt(1, STILL_FAILS), *passes, attempt(3, STILL_FAILS)]) == passes


def test_a_lone_later_round_pass_is_not_confirmed():
    attempts = [attempt(1, STILL_FAILS), attempt(2, STILL_FAILS, round=2),
                attempt(3, VALIDATED, round=2)]
    assert confirmed(attempts) == []


def test_two_passes_of_one_later_round_confirm_each_other():
    attempts = [attempt(4, VALIDATED, round=2), attempt(5, STILL_FAILS, round=2),
                attempt(6, VALIDATED, round=2)]
    assert [a.number for a in confirmed(attempts)] == [4, 6]


def test_passes_of_different_rounds_do_not_confirm_each_other():
    attempts = [attempt(2, VALIDATED, round=2), attempt(4, VALIDATED, round=3)]
    assert confirmed(attempts) == []


def test_an_unconfirmed_pass_is_reported_with_its_diff_but_not_as_a_patch():
    lone = attempt(2, VALIDATED, round=2,
                   diff=unified_diff({"c.py": "return 1\n"}, {"c.py": "return 2\n"}))
    outcome = conclude([attempt(1, STILL_FAILS), lone])
    assert outcome.status is FixStatus.UNCONFIRMED
    assert outcome.patch == "", "nothing to publish: every entry point publishes the patch"
    assert "Attempt 2 passes the tests, but it was written in round 2" in outcome.explanation
    assert "+return 2" in outcome.explanation


def test_the_smallest_confirmed_pass_is_published():
    big = unified_diff({"c.py": "a\n"}, {"c.py": "b\nc\nd\n"})
    small = unified_diff({"c.py": "a\n"}, {"c.py": "b\n"})
    outcome = conclude([attempt(1, VALIDATED, round=2, diff=big),
                        attempt(2, VALIDATED, round=2, diff=small)])
    assert outcome.status is FixStatus.FIXED
    assert outcome.patch == small


def test_no_pass_is_not_fixed():
    assert conclude([attempt(1, STILL_FAILS)]).status is FixStatus.NOT_FIXED


def test_only_the_first_candidate_of_round_one_sees_the_whole_file():
    settings = Settings(candidates=3, max_attempts=2)
    first = list(asks(1, settings, whole_file=True))
    assert [a.whole_file for a in first] == [True, False, False]
    assert [a.options.temperature for a in first] == [0.0, 0.8, 0.8]
    assert not any(a.whole_file for a in asks(2, settings, whole_file=True))
    assert not any(a.whole_file for a in asks(1, settings, whole_file=False))


def span(path: str, score: float) -> CodeSpan:
    return CodeSpan(path, 1, 2, "def f():\n    pass", score)


def context(repo: Path, *spans: CodeSpan) -> AttemptContext:
    return AttemptContext(repo=repo, failures=(FAILURE,), target_ids=(),
                          baseline=TestReport("none", ()), localization=Localization(spans, 0.7),
                          model="m", allow_test_edits=False)


def test_the_whole_file_shown_is_the_top_ranked_source_file(tmp_path):
    (tmp_path / "cart.py").write_text("def total(prices):\n    return sum(prices) - 1\n")
    (tmp_path / "tax.py").write_text("def rate():\n    return 2\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_cart.py").write_text("def test_total():\n    assert 0\n")
    found = whole_file_suspect(context(tmp_path, span("tests/test_cart.py", 0.9),
                                       span("tax.py", 0.3), span("cart.py", 0.8)))
    assert found == ("cart.py", "def total(prices):\n    return sum(prices) - 1\n")


def test_big_files_or_files_of_unknown_languages_are_not_shown_whole(tmp_path):
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_WHOLE_FILE_CHARS // 6 + 1))
    (tmp_path / "cart.rb").write_text("def total = 1\n")
    assert whole_file_suspect(context(tmp_path, span("big.py", 0.9))) is None
    assert whole_file_suspect(context(tmp_path, span("cart.rb", 0.9))) is None
    assert whole_file_suspect(context(tmp_path, span("tests/test_cart.py", 0.9))) is None


def test_a_small_javascript_file_is_shown_whole(tmp_path):
    (tmp_path / "cart.js").write_text("function total() { return 1 }\n")
    found = whole_file_suspect(context(tmp_path, span("cart.js", 0.9)))
    assert found == ("cart.js", "function total() { return 1 }\n")


def test_the_whole_file_prompt_redacts_and_fences_the_source():
    source = 'TOKEN = "abcdef123456"\n"""```"""\ndef total(prices):\n    return sum(prices) - 1\n'
    messages = whole_file_messages([FAILURE], path="cart.py", source=source,
                                   secrets=["abcdef123456"])
    user = messages[-1].content
    assert "abcdef123456" not in user
    assert "````python\n" in user, "the fence outlasts the backticks inside the file"
    assert "    return sum(prices) - 1\n````" in user
    assert "<data>\nassert 9 == 10" in user
    assert "Reply with the whole corrected file cart.py" in user
