"""Regression tests for a validated fix, through `redfix fix`, with a scripted model:
kept only when they fail on the original code for the right reason and pass reliably."""

from __future__ import annotations

import subprocess
from contextlib import closing

from bot.core.errors import SandboxUnavailable
from bot.core.models import FixStatus
from bot.core.results import RunOutcome, RunSpec
from bot.pipeline import FixRequest, Services, run_fix
from bot.wiring.settings import resolve_settings
from connectors.ai.openai_compat import OpenAICompatibleConnector
from connectors.sandbox.local import LocalRunner
from tests.e2e.conftest import MODEL
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, fix
from tests.host_pytest import HOST_PYTEST, HOST_PYTEST_CMD

GOOD_TEST = '''```python
from bookshop.catalog import paginate


def test_second_page_follows_the_first():
    assert paginate(list(range(10)), page=2, per_page=3) == [3, 4, 5]
```'''

PASSES_ON_ORIGINAL = '''```python
def test_empty_catalogue_has_empty_pages():
    assert paginate([], page=1, per_page=3) == []
```'''

RANDOM_TEST = '''```python
import random


def test_random_page():
    page = random.randint(1, 3)
    assert len(paginate(list(range(9)), page=page, per_page=3)) == 3
```'''

FIX_WITH_HELPER = '''Compute the first index in a helper.

bookshop/catalog.py
```python
<<<<<<< SEARCH
def paginate(items, page, per_page):
=======
def page_start(page, per_page):
    return (page - 1) * per_page


def paginate(items, page, per_page):
>>>>>>> REPLACE
```

bookshop/catalog.py
```python
<<<<<<< SEARCH
    start = page * per_page
=======
    start = page_start(page, per_page)
>>>>>>> REPLACE
```
'''

COPY_OF_FAILING_TEST = '''```python
def test_first_page_regression():
    assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2], "first page"
```'''

IMPORT_ONLY_TEST = '''```python
from bookshop.catalog import page_start


def test_page_start_of_first_page():
    assert page_start(1, 10) == 0
```'''


def test_a_good_regression_test_is_kept_and_shipped(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE, GOOD_TEST)
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test", "--apply")
    assert code == 0
    (test,) = result["regression_tests"]
    assert test["kept"] and test["name"] == "test_second_page_follows_the_first"
    assert "+def test_second_page_follows_the_first():" in result["patch"]
    assert "tests/test_catalog.py" in result["patch"]
    chosen = result["attempts"][result["chosen_attempt"] - 1]
    assert chosen["status"] == "validated" and chosen["diff"] != result["patch"]
    assert all(line in result["patch"].splitlines() for line in chosen["diff"].splitlines()
               if line.startswith(("+", "-"))), "the chosen attempt's change is what ships"
    assert result["change_coverage"] == {
        "executable_lines": 1, "covered_before": 1, "covered_after": 1,
        "files": ["bookshop/catalog.py"]}, "the fixed line runs under the failing tests already"
    run = subprocess.run([*HOST_PYTEST, "-q", "-p", "no:cacheprovider"],
                         cwd=bookshop, capture_output=True, text=True)
    assert "9 passed" in run.stdout, "the committed branch carries the fix and the new test"
    prompt = scripted_model.prompts()[1]
    assert "+    start = (page - 1) * per_page" in prompt, "the test prompt shows the fix"


def test_a_test_that_passes_on_the_original_code_is_rejected(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE, PASSES_ON_ORIGINAL, PASSES_ON_ORIGINAL)
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test")
    assert code == 0, "the fix stands; only the test is refused"
    assert [t["kept"] for t in result["regression_tests"]] == [False, False]
    assert "also passes on the original code" in result["regression_tests"][0]["reason"]
    assert "test_empty_catalogue" not in result["patch"]
    assert "also passes on the original code" in scripted_model.prompts()[2]


def test_a_random_dependent_test_is_rejected_before_it_runs(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE, RANDOM_TEST, GOOD_TEST)
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test")
    assert code == 0
    first, second = result["regression_tests"]
    assert not first["kept"] and first["reason"] == "uses randomness without a seed"
    assert second["kept"]


def test_a_test_failing_only_by_import_error_is_rejected(bookshop, scripted_model, tmp_path):
    scripted_model.script(FIX_WITH_HELPER, IMPORT_ONLY_TEST, IMPORT_ONLY_TEST)
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test")
    assert code == 0
    reasons = [t["reason"] for t in result["regression_tests"]]
    assert all("wrong reason (ImportError)" in reason for reason in reasons), reasons


def test_a_copy_of_the_failing_test_is_rejected(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE, COPY_OF_FAILING_TEST, GOOD_TEST)
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test")
    assert code == 0
    first, second = result["regression_tests"]
    assert not first["kept"] and "repeats the existing test test_first_page_starts_with_first_" \
        "item" in first["reason"]
    assert second["kept"] and "test_first_page_regression" not in result["patch"]



class SandboxLostDuringCoverage(LocalRunner):
    """The local sandbox, which goes away when the coverage of the change is measured."""

    def run(self, spec: RunSpec) -> RunOutcome:
        if "coverage run" in " ".join(spec.argv):  # the only coverage run with this localizer
            raise SandboxUnavailable("the sandbox went away")
        return super().run(spec)


def test_a_validated_fix_survives_a_failed_coverage_measurement(bookshop, scripted_model):
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    settings = resolve_settings(bookshop, env={}, options={
        "model": MODEL, "sandbox": "local", "test_command": HOST_PYTEST_CMD,
        "max_attempts": 1, "candidates": 1, "reruns": 1, "regression_test": False,
        "localizer": "traceback"})
    with closing(OpenAICompatibleConnector(scripted_model.base_url)) as connector:
        outcome = run_fix(FixRequest(repo=bookshop, settings=settings),
                          Services(connector=connector, runner=SandboxLostDuringCoverage()))
    assert outcome.status is FixStatus.FIXED and "(page - 1) * per_page" in outcome.patch
    assert outcome.change_coverage is None and "coverage" in outcome.timings
