"""The whole pipeline through `redfix fix`, on a real repository with real failing tests,
against a scripted model server. Each scenario asserts the outcome and the exit code."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.e2e.conftest import MODEL, Cut, ScriptedModel, commit_all
from tests.host_pytest import HOST_PYTEST, HOST_PYTEST_CMD

CORRECT_DIFF = '''The page offset forgets that pages start at 1.

```diff
--- a/bookshop/catalog.py
+++ b/bookshop/catalog.py
@@ -29,3 +29,3 @@ def paginate(items, page, per_page):
         raise ValueError("pages are numbered from 1")
-    start = page * per_page
+    start = (page - 1) * per_page
     return items[start : start + per_page]
```
'''

CORRECT_SEARCH_REPLACE = '''Pages are numbered from 1, so the offset must use page - 1.

bookshop/catalog.py
```python
<<<<<<< SEARCH
    start = page * per_page
=======
    start = (page - 1) * per_page
>>>>>>> REPLACE
```
'''

MALFORMED_DIFF = '''Off by one page.

```diff
--- bookshop/catalog.py
+++ bookshop/catalog.py
@@ -3,7 +3,9 @@
-    start = page * per_page
+    start = (page - 1) * per_page
```
'''

UNAPPLICABLE = '''The variable names are wrong.

bookshop/catalog.py
```python
<<<<<<< SEARCH
    begin = page * size
=======
    begin = (page - 1) * size
>>>>>>> REPLACE
```
'''

BREAKS_ANOTHER_TEST = '''The check is unnecessary and the offset is wrong.

```python
# file: bookshop/catalog.py
def paginate(items, page, per_page):
    start = (page - 1) * per_page
    return items[start : start + per_page]
```
'''

DELETES_ASSERTS = '''The tests are wrong.

tests/test_catalog.py
```python
<<<<<<< SEARCH
def test_first_page_starts_with_first_item():
    assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2]


def test_last_page_is_partial():
    assert paginate(list(range(10)), page=4, per_page=3) == [9]
=======
def test_first_page_starts_with_first_item():
    pass


def test_last_page_is_partial():
    pass
>>>>>>> REPLACE
```
'''

FIXED_CATALOG_LINE = "    start = (page - 1) * per_page"


def fix(repo: Path, model: ScriptedModel, tmp_path: Path, *extra: str,
        env: dict[str, str] | None = None) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    argv = [
        "fix", "--repo", str(repo), "--connector", "openai", "--base-url", model.base_url,
        "--model", MODEL, "--sandbox", "local", "--test-cmd", HOST_PYTEST_CMD,
        "--max-attempts", "1", "--candidates", "1", "--reruns", "1",
        "--json", str(out), "--patch", str(tmp_path / "fix.patch"), "--quiet", *extra,
    ]
    if "--regression-test" in argv:
        argv.remove("--regression-test")
    else:
        argv.append("--no-regression-test")
    code = main(argv, env={"REDFIX_DATA_DIR": str(tmp_path / "data"), **(env or {})})
    return code, json.loads(out.read_text()) if out.exists() else {}


def catalog(repo: Path) -> str:
    return (repo / "bookshop" / "catalog.py").read_text()


@pytest.mark.parametrize("answer", [CORRECT_DIFF, CORRECT_SEARCH_REPLACE, MALFORMED_DIFF],
                         ids=["diff", "search-replace", "malformed-diff"])
def test_correct_fix_is_validated(bookshop, scripted_model, tmp_path, answer):
    scripted_model.script(answer)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0
    assert result["status"] == "fixed"
    assert "+    start = (page - 1) * per_page" in result["patch"]
    validation = result["attempts"][0]["validation"]
    assert validation["passed"] and validation["sandbox"] == "local"
    after = {t["test"]: t["after"] for t in validation["tests"]}
    assert after["tests.test_catalog::test_first_page_starts_with_first_item"] == "passed"
    assert FIXED_CATALOG_LINE not in catalog(bookshop), "without --apply the repo is untouched"
    assert (tmp_path / "fix.patch").read_text() == result["patch"]


def test_apply_commits_on_a_new_branch(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    code, _ = fix(bookshop, scripted_model, tmp_path, "--apply")
    assert code == 0
    assert FIXED_CATALOG_LINE in catalog(bookshop)
    branch = subprocess.run(["git", "-C", str(bookshop), "branch", "--show-current"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert branch.startswith("redfix/fix-")
    tests = subprocess.run([*HOST_PYTEST, "-q", "-p", "no:cacheprovider"],
                           cwd=bookshop, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout


def test_unapplicable_edit_is_reported_and_fed_back(bookshop, scripted_model, tmp_path):
    scripted_model.script(UNAPPLICABLE, UNAPPLICABLE, UNAPPLICABLE)
    code, result = fix(bookshop, scripted_model, tmp_path, "--max-attempts", "2")
    assert code == 1
    assert result["status"] == "not-fixed"
    assert [a["status"] for a in result["attempts"]] == ["edit-did-not-apply"], (
        "the same answer from the spans prompt and in round 2 is skipped")
    assert "begin = page * size" in scripted_model.prompts()[2], "round 2 names the lines"
    assert FIXED_CATALOG_LINE not in catalog(bookshop)


def test_fix_that_breaks_another_test_is_a_regression(bookshop, scripted_model, tmp_path):
    scripted_model.script(BREAKS_ANOTHER_TEST)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 1
    attempt = result["attempts"][0]
    assert attempt["status"] == "regression"
    assert attempt["validation"]["regressions"] == [
        "tests.test_catalog::test_page_zero_is_refused"
    ]


def test_deleting_the_failing_asserts_is_refused_by_policy(bookshop, scripted_model, tmp_path):
    scripted_model.script(DELETES_ASSERTS)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 1
    attempt = result["attempts"][0]
    assert attempt["status"] == "policy-rejected"
    assert "test_first_page_starts_with_first_item" in attempt["detail"]
    assert attempt["validation"] is None, "a rejected candidate never runs"


def test_a_change_to_the_tests_is_named_in_the_next_question_of_the_round(
    bookshop, scripted_model, tmp_path
):
    scripted_model.script(DELETES_ASSERTS, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path, "--candidates", "2")
    assert code == 0
    assert [a["status"] for a in result["attempts"]] == ["policy-rejected", "validated"]
    retry = scripted_model.prompts()[1]
    assert "Your answer could not be used (" in retry
    assert "test_first_page_starts_with_first_item" in retry and "SEARCH/REPLACE" in retry


def test_repair_loop_recovers_after_a_wrong_candidate(bookshop, scripted_model, tmp_path):
    scripted_model.script(BREAKS_ANOTHER_TEST, UNAPPLICABLE, CORRECT_DIFF, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path, "--max-attempts", "2",
                       "--candidates", "2")
    assert code == 0
    assert [a["status"] for a in result["attempts"]] == [
        "regression", "edit-did-not-apply", "validated", "validated"]
    assert "test_page_zero_is_refused" in scripted_model.prompts()[2]
    assert f"+{FIXED_CATALOG_LINE}" in result["patch"]


def test_a_lone_later_round_pass_is_held_back_not_published(bookshop, scripted_model, tmp_path):
    scripted_model.script(BREAKS_ANOTHER_TEST, CORRECT_DIFF)
    code, result = fix(bookshop, scripted_model, tmp_path, "--max-attempts", "2")
    assert code == 1
    assert result["status"] == "unconfirmed"
    assert [a["status"] for a in result["attempts"]] == ["regression", "validated"]
    assert result["patch"] == ""
    assert not (tmp_path / "fix.patch").exists(), "nothing to apply or publish"
    assert "+    start = (page - 1) * per_page" in result["explanation"]


def test_a_whole_file_answer_without_a_change_is_followed_by_the_spans_first_choice(
    bookshop, scripted_model, tmp_path
):
    unchanged = "The code is right.\n```python\n" + catalog(bookshop) + "```\n"
    scripted_model.script(unchanged, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0 and result["status"] == "fixed", "a first choice, not a lone sample"
    assert [a["status"] for a in result["attempts"]] == ["edit-did-not-apply", "validated"]
    first, second, explaining = scripted_model.requests
    assert "Explain the fix" in str(explaining["messages"]), "then its rationale, once"
    assert "whole corrected file" not in scripted_model.prompts()[1]
    assert first["temperature"] == second["temperature"] == 0.0


def test_the_first_candidate_sees_the_whole_small_file(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    code, _ = fix(bookshop, scripted_model, tmp_path)
    assert code == 0
    first = scripted_model.prompts()[0]
    assert "Reply with the whole corrected file bookshop/catalog.py" in first
    assert (bookshop / "bookshop" / "catalog.py").read_text().rstrip("\n") in first


def test_best_of_several_passing_candidates_is_the_smallest(bookshop, scripted_model, tmp_path):
    bigger = CORRECT_DIFF.replace(
        "+    start = (page - 1) * per_page\n",
        "+    start = (page - 1) * per_page\n+    start = max(start, 0)\n",
    )
    scripted_model.script(bigger, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path, "--candidates", "2")
    assert code == 0
    assert [a["status"] for a in result["attempts"]] == ["validated", "validated"]
    assert "max(start, 0)" not in result["patch"]


def test_passing_suite_means_nothing_to_fix(bookshop, scripted_model, tmp_path):
    path = bookshop / "bookshop" / "catalog.py"
    path.write_text(path.read_text().replace("start = page *", "start = (page - 1) *"))
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 4
    assert result["status"] == "nothing-fails"
    assert scripted_model.requests == []


def test_reported_failure_that_passes_now_is_not_reproducible(bookshop, scripted_model, tmp_path):
    report = tmp_path / "old.xml"
    report.write_text(
        '<testsuite name="pytest" tests="1" failures="1">'
        '<testcase classname="tests.test_pricing" name="test_basket_total" '
        'file="tests/test_pricing.py">'
        '<failure message="assert 0 == 355">assert 0 == 355</failure></testcase></testsuite>'
    )
    code, result = fix(bookshop, scripted_model, tmp_path, "--report", str(report))
    assert code == 4
    assert result["status"] == "not-reproducible"
    assert result["reproduction"] == {"tests.test_pricing::test_basket_total": "not-reproducible"}
    assert scripted_model.requests == [], "the model is never asked"


def test_flaky_failure_is_not_sent_to_the_model(bookshop, scripted_model, tmp_path):
    (bookshop / "tests" / "test_flaky.py").write_text(
        "from pathlib import Path\n\n"
        f"MARK = Path({str(tmp_path / 'flaky-mark')!r})\n\n"
        "def test_sometimes():\n"
        "    first = not MARK.exists()\n"
        "    MARK.touch()\n"
        "    assert not first\n"
    )
    report = tmp_path / "flaky.xml"
    report.write_text(
        '<testsuite tests="1" failures="1"><testcase classname="tests.test_flaky" '
        'name="test_sometimes"><failure message="assert not True"/></testcase></testsuite>'
    )
    code, result = fix(bookshop, scripted_model, tmp_path, "--report", str(report), "--reruns", "2")
    assert code == 4
    assert result["status"] == "flaky"
    assert scripted_model.requests == []


def test_unreachable_model_server_exits_3(bookshop, tmp_path, capsys):
    argv = ["fix", "--repo", str(bookshop), "--connector", "openai",
            "--base-url", "http://127.0.0.1:9/v1", "--model", MODEL, "--sandbox", "local"]
    assert main(argv, env={}) == 3
    assert "127.0.0.1:9" in capsys.readouterr().err


def test_malformed_report_exits_2_and_names_the_file(bookshop, tmp_path, capsys):
    report = tmp_path / "broken.xml"
    report.write_bytes(b"<testsuite><testcase name='x'>")
    argv = ["fix", "--repo", str(bookshop), "--report", str(report), "--sandbox", "local",
            "--connector", "openai", "--base-url", "http://127.0.0.1:9/v1"]
    assert main(argv, env={}) == 2, "bad input is found before any server is asked"
    code = main(["report", str(report)], env={})
    assert code == 2
    assert "broken.xml" in capsys.readouterr().err


@pytest.mark.docker
def test_fix_validated_in_docker_end_to_end(bookshop, scripted_model, tmp_path):
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    out = tmp_path / "result.json"
    argv = ["fix", "--repo", str(bookshop), "--connector", "openai",
            "--base-url", scripted_model.base_url, "--model", MODEL, "--sandbox", "docker",
            "--max-attempts", "1", "--candidates", "1", "--reruns", "1",
            "--no-regression-test", "--json", str(out), "--quiet"]
    code = main(argv, env={"REDFIX_DATA_DIR": str(tmp_path / "data")})
    result = json.loads(out.read_text())
    assert code == 0, result
    assert result["sandbox"] == "docker"
    assert result["attempts"][0]["validation"]["sandbox"] == "docker"
    assert result["attempts"][0]["validation"]["passed"]


def test_docker_required_but_down_exits_3_with_how_to_start(bookshop, scripted_model, capsys,
                                                             monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    argv = ["fix", "--repo", str(bookshop), "--connector", "openai",
            "--base-url", scripted_model.base_url, "--model", MODEL, "--sandbox", "docker"]
    assert main(argv, env={}) == 3
    err = capsys.readouterr().err
    assert "Docker" in err and "setup-docker" in err


def test_a_suite_stuck_outside_any_test_names_the_timeout(bookshop, scripted_model, tmp_path,
                                                          capsys):
    (bookshop / "tests" / "test_hang.py").write_text("while True:\n    pass\n")
    out = tmp_path / "r.json"
    argv = ["fix", "--repo", str(bookshop), "--connector", "openai", "--base-url",
            scripted_model.base_url, "--model", MODEL, "--sandbox", "local",
            "--test-cmd", HOST_PYTEST_CMD, "--json", str(out), "--quiet"]
    assert main(argv, env={"REDFIX_TEST_TIMEOUT": "3"}) == 2
    assert "within 3s" in capsys.readouterr().err


COUNTDOWN = """\
def steps_to_zero(n):
    \"\"\"How many steps of one take n down to zero.\"\"\"
    steps = 0
    while n != 0:
        n += 1
        steps += 1
    return steps
"""
COUNTDOWN_FIX = """The loop counts up, away from zero.

countdown.py
```python
<<<<<<< SEARCH
        n += 1
=======
        n -= 1
>>>>>>> REPLACE
```
"""


def test_a_test_that_never_ends_is_reproduced_and_fixed(tmp_path, scripted_model):
    repo = tmp_path / "countdown"
    (repo / "tests").mkdir(parents=True)
    (repo / "countdown.py").write_text(COUNTDOWN)
    (repo / "tests" / "test_countdown.py").write_text(
        "from countdown import steps_to_zero\n\n\n"
        "def test_zero():\n    assert steps_to_zero(0) == 0\n\n\n"
        "def test_three():\n    assert steps_to_zero(3) == 3\n")
    commit_all(repo)
    scripted_model.script(COUNTDOWN_FIX)
    code, result = fix(repo, scripted_model, tmp_path, env={"REDFIX_TEST_TIMEOUT": "4"})
    assert code == 0 and result["status"] == "fixed"
    assert "+        n -= 1" in result["patch"]
    prompt = scripted_model.prompts()[0]
    assert "test_three" in prompt and "did not finish" in prompt
    stuck = re.search(r"countdown\.py:(\d) in steps_to_zero", prompt)
    assert stuck and stuck[1] in "456", "the model is told where the loop was stuck"


def test_a_whole_file_answer_is_for_the_file_shown_even_if_others_define_its_names(
    bookshop, scripted_model, tmp_path
):
    # Another module defines `paginate` too (every rule module of some projects defines
    # `match`): the rewrite of the one file the model was shown is still that file's.
    legacy = catalog(bookshop).replace('"""Searching', '"""Kept for old imports. Searching')
    (bookshop / "bookshop" / "legacy.py").write_text(legacy)
    commit_all(bookshop)
    fixed = catalog(bookshop).replace("    start = page * per_page", FIXED_CATALOG_LINE)
    scripted_model.script("Pages start at 1.\n```python\n" + fixed + "```\n")
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert "Reply with the whole corrected file bookshop/catalog.py" in scripted_model.prompts()[0]
    assert code == 0 and result["status"] == "fixed", result["attempts"]
    assert "+++ b/bookshop/catalog.py" in result["patch"] and "legacy.py" not in result["patch"]


def test_an_answer_cut_at_the_token_limit_changes_the_next_question(
    bookshop, scripted_model, tmp_path
):
    # The whole file, rewritten, cut before its end in the faulty function.
    source = catalog(bookshop)
    cut = Cut("Pages start at 1.\n```python\n" + source[: source.index("    start = page")])
    scripted_model.script(cut, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0 and result["status"] == "fixed", "a first choice, not a lone sample"
    first, _ = result["attempts"]
    assert first["status"] in ("no-edits", "edit-did-not-apply"), first
    assert "-token limit before its end" in first["detail"]
    asked = scripted_model.repair_requests()
    assert [r["max_tokens"] for r in asked] == [1024, 2048], "twice the room for the answer"
    retry = scripted_model.prompts()[1]
    assert "stopped at the" in retry and "only the lines that change" in retry
    assert "whole corrected file" not in retry


def test_an_answer_that_gives_the_code_back_unchanged_is_told_so_in_the_next_question(
    bookshop, scripted_model, tmp_path
):
    # Seen on httpie: 4 of 7 answers restated the shown code as it was.
    unchanged = "The code looks right.\n```python\n" + catalog(bookshop) + "```\n"
    scripted_model.script(unchanged, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0 and result["status"] == "fixed", result["attempts"]
    assert [a["status"] for a in result["attempts"]] == ["edit-did-not-apply", "validated"]
    retry = scripted_model.prompts()[1]
    assert "Your answer could not be used (" in retry and "unchanged" in retry
    assert "SEARCH/REPLACE blocks that quote the lines to change" in retry
    assert "could not be used" not in scripted_model.prompts()[0]


def test_an_answer_that_repeats_an_earlier_one_is_told_so_in_the_next_question(
    bookshop, scripted_model, tmp_path
):
    scripted_model.script(BREAKS_ANOTHER_TEST, BREAKS_ANOTHER_TEST, CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path, "--candidates", "3")
    assert code == 0
    assert [a["status"] for a in result["attempts"]] == ["regression", "validated"]
    third = scripted_model.prompts()[2]
    assert "same change as attempt 1 (regression)" in third
    assert "same change as attempt 1" not in scripted_model.prompts()[1]


LEDGER = '''"""Totals of a ledger."""


def summarize(rows):
    """Count, total, smallest and largest amount, and the mean, of `rows`."""
    count = 0
    total = 0
    smallest = None
    largest = None
    for row in rows:
        amount = row["amount"]
        count += 2
        total += amount
        if smallest is None or amount < smallest:
            smallest = amount
        if largest is None or amount > largest:
            largest = amount
    mean = total / count if count else 0
    return {
        "count": count,
        "total": total,
        "smallest": smallest,
        "largest": largest,
        "mean": mean,
    }
'''
GUTS_SUMMARIZE = '''Simpler:
```python
def summarize(rows):
    return {"count": len(rows)}
```
'''
FIXES_SUMMARIZE = '''Each row counts once.

ledger.py
```python
<<<<<<< SEARCH
        count += 2
=======
        count += 1
>>>>>>> REPLACE
```
'''


def test_a_candidate_gutting_a_long_function_is_sent_back_before_the_tests(
    tmp_path, scripted_model
):
    repo = tmp_path / "ledger"
    (repo / "tests").mkdir(parents=True)
    (repo / "ledger.py").write_text(LEDGER)
    (repo / "tests" / "test_ledger.py").write_text(
        "from ledger import summarize\n\n\n"
        "def test_count():\n    assert summarize([{'amount': 3}, {'amount': 5}])['count'] == 2\n")
    commit_all(repo)
    scripted_model.script(GUTS_SUMMARIZE, FIXES_SUMMARIZE)
    code, result = fix(repo, scripted_model, tmp_path, "--candidates", "2")
    assert code == 0 and result["status"] == "fixed"
    gutted, fixed = result["attempts"]
    assert gutted["status"] == "gutted" and gutted["validation"] is None, "it never ran"
    assert "cuts summarize from 22 lines to 2" in gutted["detail"]
    assert fixed["status"] == "validated" and "+        count += 1" in result["patch"]
