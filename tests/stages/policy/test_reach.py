from __future__ import annotations

from pathlib import Path

from bot.core.models import AttemptStatus, Completion, EditKind, FileEdit, FixCandidate
from bot.core.results import RunOutcome, RunSpec, TestReport
from bot.stages.generate.ask import AttemptContext
from bot.stages.localize.traceback_localizer import Localization
from bot.stages.policy.reach import unreached_edits
from bot.stages.repair.attempt import try_candidate
from bot.stages.reproduce.suite import Suite
from tests.host_pytest import HOST_PYTEST

MODULE = """\
import re

PATTERN = re.compile("a+")


def parse(text):
    return PATTERN.findall(text)


class Reader:
    def read(self, path):
        with open(path) as source:
            return parse(source.read())

    def close(self):
        self.closed = True
"""
REACHED = {"pkg/reader.py": frozenset({"parse", "Reader.read"})}


def _patched(old: str, new: str) -> dict[str, str]:
    assert old in MODULE
    return {"pkg/reader.py": MODULE.replace(old, new)}


def test_a_change_only_to_functions_the_failing_tests_never_run_is_sent_back():
    patched = _patched("self.closed = True", "self.closed = False")
    (reason,) = unreached_edits({"pkg/reader.py": MODULE}, patched, REACHED)
    assert "never run pkg/reader.py: Reader.close" in reason


def test_a_change_that_touches_a_function_they_run_is_not_judged():
    both = _patched("return PATTERN.findall(text)", "return PATTERN.findall(text.strip())")
    both["pkg/reader.py"] = both["pkg/reader.py"].replace("self.closed = True", "self.closed = 1")
    assert unreached_edits({"pkg/reader.py": MODULE}, both, REACHED) == []


def test_lines_added_inside_an_unreached_body_count_as_that_function():
    last = "        self.closed = True\n"
    added = _patched(last, last + "        return 1\n")
    assert unreached_edits({"pkg/reader.py": MODULE}, added, REACHED) != []
    method = _patched(last, last + "\n    def reopen(self):\n        self.closed = False\n")
    assert unreached_edits({"pkg/reader.py": MODULE}, method, REACHED) == [], "a new method"


def test_changes_coverage_cannot_speak_for_are_never_refused():
    original = {"pkg/reader.py": MODULE}
    module_level = _patched('re.compile("a+")', 're.compile("a*")')
    signature = _patched("def close(self):", "def close(self, force=False):")
    new_function = _patched("class Reader:", "def helper():\n    return 1\n\n\nclass Reader:")
    for patched in (module_level, signature, new_function):
        assert unreached_edits(original, patched, REACHED) == []
    closing = _patched("self.closed = True", "self.closed = False")
    assert unreached_edits(original, closing, None) == [], "no coverage: nothing known"
    assert unreached_edits(original, closing, {}) == []
    assert unreached_edits({"pkg/reader.py": "def broken(:\n"}, closing, REACHED) == []
    assert unreached_edits({}, {"pkg/new.py": "def f():\n    pass\n"}, REACHED) == []


def test_a_file_no_failing_test_runs_at_all_is_sent_back():
    other = "def unrelated():\n    return 1\n"
    reason = unreached_edits({"pkg/other.py": other},
                             {"pkg/other.py": other.replace("1", "2")}, REACHED)
    assert reason and "pkg/other.py: unrelated" in reason[0]


def test_the_repair_step_sends_such_a_candidate_back_before_any_test_runs(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "reader.py").write_text(MODULE)
    edit = FileEdit("pkg/reader.py", EditKind.SEARCH_REPLACE, search="self.closed = True",
                    replace="self.closed = False")
    candidate = FixCandidate((edit,), "", Completion("", "m"))
    localization = Localization((), 0.5, reached=REACHED)
    context = AttemptContext(repo=tmp_path, failures=(), target_ids=(),
                             baseline=TestReport("none", ()), localization=localization,
                             model="m", allow_test_edits=False)
    runs: list[RunSpec] = []
    suite = Suite(_Recording(runs), tmp_path, HOST_PYTEST, 60.0)
    attempt = try_candidate(1, candidate, context, suite=suite)
    assert attempt.status is AttemptStatus.UNREACHED
    assert "Reader.close" in attempt.detail and attempt.diff
    assert runs == []


class _Recording:
    """A sandbox that only notes what it was asked to run."""

    kind = "recording"

    def __init__(self, runs: list[RunSpec]) -> None:
        self.runs = runs

    def run(self, spec: RunSpec) -> RunOutcome:
        self.runs.append(spec)
        return RunOutcome(1, "", None, 0.0, self.kind)
