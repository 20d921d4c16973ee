"""A JavaScript repository fixed end to end through `redfix fix`: Jest detected from
package.json, its JUnit report read through jest-junit, the failing tests rerun by
node id, a SEARCH/REPLACE answer in a ```javascript block applied and validated in the
local sandbox, or the whole file written back. The example's dependencies come from
scripts/example-deps (npm ci, cached)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.e2e.conftest import MODEL, ScriptedModel, commit_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tally"
FIXED_LINE = "  if (percent < 0 || percent > 100) {"

SEARCH_REPLACE_IN_JAVASCRIPT = '''The check refuses every discount over 10 percent, not 100.

src/discount.js
```javascript
<<<<<<< SEARCH
  if (percent < 0 || percent > 10) {
=======
  if (percent < 0 || percent > 100) {
>>>>>>> REPLACE
```
'''
WHOLE_FILE = (ROOT / "examples" / "tally" / "src" / "discount.js").read_text().replace(
    "percent > 10)", "percent > 100)")
WHOLE_FILE_ANSWER = (
    f"It refuses discounts over 10 percent instead of 100.\n\n```javascript\n{WHOLE_FILE}```\n")
NO_EDIT = "I cannot tell what is wrong."
TALLY_RATIONALE = """WRONG: `if (percent < 0 || percent > 10) {`
FIXED: `if (percent < 0 || percent > 100) {`
WHY: A discount may be up to 100 percent, so only a percent over 100 is refused."""
SKIPS_THE_FAILING_TEST = '''The test is wrong.

__tests__/discount.test.js
```js
<<<<<<< SEARCH
test("a quarter of 400 cents is 100 cents", () => {
=======
test.skip("a quarter of 400 cents is 100 cents", () => {
>>>>>>> REPLACE
```
'''


@pytest.fixture(scope="module")
def installed() -> Path:
    """The example's node_modules, installed once by the script CI runs too."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed (scripts/test installs it)")
    subprocess.run([str(ROOT / "scripts" / "example-deps"), "tally"], check=True)
    return EXAMPLE / "node_modules"


@pytest.fixture
def tally(tmp_path: Path, installed: Path) -> Path:
    """A fresh git copy of the example, its installed dependencies linked in (ignored by
    git, kept by the local sandbox's copy)."""
    repo = tmp_path / "tally"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("node_modules"))
    (repo / "node_modules").symlink_to(installed)
    return commit_all(repo)


def ci_report(repo: Path, tmp_path: Path) -> Path:
    """The report CI would upload: jest-junit as the project configures it (no file
    attribute), written by running the example's own tests."""
    report = tmp_path / "ci" / "junit.xml"
    subprocess.run(["npx", "jest", "--ci", "--reporters=default", "--reporters=jest-junit"],
                   cwd=repo, env={**os.environ, "JEST_JUNIT_OUTPUT_FILE": str(report)},
                   capture_output=True, check=False)
    assert "file=" not in report.read_text()
    return report


def fix(repo: Path, model: ScriptedModel, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    argv = ["fix", "--repo", str(repo), "--connector", "openai", "--base-url", model.base_url,
            "--model", MODEL, "--sandbox", "local", "--max-attempts", "1", "--candidates", "1",
            "--reruns", "1", "--no-regression-test", "--json", str(out), "--quiet", *extra]
    code = main(argv, env={"REDFIX_DATA_DIR": str(tmp_path / "data")})
    return code, json.loads(out.read_text()) if out.exists() else {}


def assert_fixed(code: int, result: dict, tally: Path) -> None:
    assert code == 0, result
    assert result["status"] == "fixed"
    assert result["patch"].count("\n+  ") == 1 and f"\n+{FIXED_LINE}\n" in result["patch"]
    validation = result["attempts"][-1]["validation"]
    assert validation["passed"] and validation["sandbox"] == "local"
    # jest-junit's default names: classname and name both the full name
    after = {t["test"].split("::")[-1].strip(): t["after"] for t in validation["tests"]}
    assert len(after) == 8
    assert after["a quarter of 400 cents is 100 cents"] == "passed"
    assert after["total takes a quarter off"] == "passed"
    assert after["refuses a discount over 100 percent"] == "passed"
    assert "up to 100 percent" in result["explanation"], "checked against the diff, and kept"
    assert FIXED_LINE not in (tally / "src" / "discount.js").read_text()


def test_the_whole_file_written_back_is_validated(tally, scripted_model, tmp_path):
    scripted_model.rationale = TALLY_RATIONALE
    scripted_model.script(WHOLE_FILE_ANSWER)
    code, result = fix(tally, scripted_model, tmp_path)
    assert_fixed(code, result, tally)
    asked = scripted_model.prompts()[0]
    assert "## src/discount.js\n```javascript\n/** The discount in whole cents" in asked, \
        "the file the RangeError was thrown in is shown whole"
    assert "whole corrected file src/discount.js in a single ```javascript code block" in asked


def test_a_search_replace_in_a_javascript_block_is_validated(tally, scripted_model, tmp_path):
    scripted_model.rationale = TALLY_RATIONALE
    scripted_model.script(NO_EDIT, SEARCH_REPLACE_IN_JAVASCRIPT)
    code, result = fix(tally, scripted_model, tmp_path)
    assert_fixed(code, result, tally)
    assert [a["status"] for a in result["attempts"]] == ["no-edits", "validated"]
    asked = scripted_model.prompts()[1]
    assert "The code is JavaScript." in asked
    assert "```javascript\n<<<<<<< SEARCH" in asked


def test_the_failures_of_a_ci_report_are_reproduced_and_fixed(tally, scripted_model, tmp_path):
    scripted_model.rationale = TALLY_RATIONALE
    scripted_model.script(WHOLE_FILE_ANSWER)
    report = ci_report(tally, tmp_path)
    code, result = fix(tally, scripted_model, tmp_path, "--report", str(report))
    assert_fixed(code, result, tally)
    assert sorted(f["name"].strip() for f in result["failures"]) == [
        "a quarter of 400 cents is 100 cents", "total takes a quarter off"]


def test_skipping_the_failing_test_is_refused(tally, scripted_model, tmp_path):
    scripted_model.script(SKIPS_THE_FAILING_TEST)
    code, result = fix(tally, scripted_model, tmp_path)
    assert code == 1
    attempt = result["attempts"][0]
    assert attempt["status"] == "policy-rejected"
    assert "skips tests" in attempt["detail"]
    assert attempt["validation"] is None


def test_without_node_modules_the_error_says_jest_is_not_installed(
    installed, scripted_model, tmp_path, capsys
):
    repo = tmp_path / "bare"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("node_modules"))
    code, result = fix(commit_all(repo), scripted_model, tmp_path)
    assert code != 0 and result == {}
    error = capsys.readouterr().err
    assert "wrote no JUnit report in the local sandbox" in error
    assert "npm error" in error and "jest" in error, "never a Jest fetched for the run"
