"""`redfix eval` end to end: real task repositories, the real pipeline and sandbox, a
scripted OpenAI-compatible model server. One task is fixed, one "fix" passes the
visible test but not the hidden ones (a false fix), one is not fixed, and two are
excluded (examples that pass on the bug; no examples)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.evaluation.humanevalfix import load_humanevalfix
from bot.evaluation.results import Verdict
from bot.evaluation.runner import rebuild_reports, run_suite
from connectors.ai.openai_compat import OpenAICompatibleConnector
from tests.e2e.conftest import MODEL, ScriptedModel

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).resolve().parents[1] / "evaluation" / "data" / (
    "humanevalfix_sample.jsonl")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CORRECT = '''The distance must be absolute.

```python
# file: solution.py
def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True

    return False
```
'''
OVERFITTED = '''Divide by something that makes the example right.

```python
# file: solution.py
def mean_absolute_deviation(numbers: List[float]) -> float:
    mean = sum(numbers) / len(numbers)
    return sum(abs(x - mean) for x in numbers) / (mean + 1.5)
```
'''
WRONG = '''Return the other one.

```python
# file: solution.py
def greatest_common_divisor(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return b + 1
```
'''
BASELINE_UNCHANGED_FILE = "Here it is.\n\n```python\n{source}```\n"
BASELINE_NO_CODE = "I cannot see a bug in this code."


def test_eval_scores_fixed_false_fix_and_no_fix(scripted_model: ScriptedModel, tmp_path):
    tasks = [t for t in load_humanevalfix(SAMPLE)
             if t.task_id in {"Python/0", "Python/4", "Python/13", "Python/32", "Python/38"}]
    mad_source = tasks[1].files["solution.py"]
    fixed_file = tasks[0].reference["solution.py"]
    scripted_model.script(
        CORRECT, BASELINE_UNCHANGED_FILE.format(source=fixed_file),
        OVERFITTED, BASELINE_UNCHANGED_FILE.format(source=mad_source),
        WRONG, BASELINE_NO_CODE,
    )
    out = tmp_path / "eval"
    with closing(OpenAICompatibleConnector(scripted_model.base_url)) as connector:
        report = run_suite(
            tasks,
            connector=connector,
            # One scripted answer per fix: the regression-test stage (its own tests) stays off.
            settings_options={"model": MODEL, "max_attempts": 1, "candidates": 1, "reruns": 1,
                              "regression_test": False},
            jobs=1, seed=None, limit=None, out_dir=out, baseline=True,
        )

    record = json.loads((out / "runs" / "redfix" / "Python-4.json").read_text())
    assert record["verdict"] == "false-fix" and record["status"] == "fixed"
    assert "(mean + 1.5)" in record["patch"] and record["cause"] == "hidden tests fail"
    assert "AssertionError" in record["hidden_output"]
    fixed = json.loads((out / "runs" / "redfix" / "Python-0.json").read_text())
    assert fixed["verdict"] == "fixed" and fixed["fixed_at_attempt"] == 1
    # Two calls: the fix, then the rationale written for it once it passed.
    assert fixed["model_calls"] == 2 and fixed["prompt_tokens"] > 0 and fixed["test_seconds"] > 0
    no_fix = json.loads((out / "runs" / "redfix" / "Python-13.json").read_text())
    assert (no_fix["verdict"], no_fix["cause"]) == ("no-fix", "tests still fail")

    summary = json.loads((out / "summary.json").read_text())["summaries"]
    assert summary["redfix"]["counts"] == {"fixed": 1, "false-fix": 1, "no-fix": 1}
    assert summary["redfix"]["excluded_reasons"] == {
        "visible test passes on buggy code": 1, "no example asserts for a visible test": 1}
    assert summary["baseline"]["counts"] == {"fixed": 1, "no-fix": 2}
    assert summary["baseline"]["causes"] == {"tests still fail": 1, "no edits": 1}

    table = (out / "report.md").read_text().splitlines()
    assert "| tasks selected / scored | 5 / 3 | 5 / 3 |" in table
    assert "| **fixed** (validated, hidden tests pass) | 1 (33.3 %) | 1 (33.3 %) |" in table
    assert "| **false fix** (claimed fixed, hidden tests fail) | 1 (33.3 %) | 0 (0.0 %) |" in table
    assert report.chart_path.read_bytes().startswith(PNG_MAGIC)
    rebuilt = rebuild_reports(out).summaries
    assert [(s.counts, s.causes, s.fix_rate_by_attempt, s.excluded_reasons) for s in rebuilt] == [
        (s.counts, s.causes, s.fix_rate_by_attempt, s.excluded_reasons) for s in report.summaries
    ], "the records hold everything the reports need"
    assert len(scripted_model.repair_requests()) == 6, "excluded tasks never reach the model"
    hidden_prompt = "\n".join(scripted_model.prompts())
    assert "test_hidden_check" not in hidden_prompt and "def check(" not in hidden_prompt


@pytest.mark.docker
@pytest.mark.slow
def test_eval_runs_the_task_tests_in_docker(scripted_model: ScriptedModel, tmp_path, capsys):
    """`redfix eval --sandbox docker` on one task: qualification, fix and hidden tests in
    containers (the traceback localizer and no regression test keep it to four test runs)."""
    scripted_model.script(CORRECT)
    out = tmp_path / "eval"
    argv = ["eval", str(SAMPLE), "--limit", "1", "--sandbox", "docker", "--connector", "openai",
            "--base-url", scripted_model.base_url, "--model", MODEL, "--max-attempts", "1",
            "--candidates", "1", "--reruns", "1", "--out", str(out), "--quiet"]
    env = {"REDFIX_REGRESSION_TEST": "0", "REDFIX_LOCALIZER": "traceback"}
    assert main(argv, env=env) == 0, capsys.readouterr().err

    fixed = json.loads((out / "runs" / "redfix" / "Python-0.json").read_text())
    assert (fixed["verdict"], fixed["fixed_at_attempt"]) == ("fixed", 1), fixed["explanation"]
    assert "passed" in fixed["hidden_output"], "the hidden tests ran"
    assert "docker sandbox" in json.loads((out / "summary.json").read_text())["settings"]


SMOLLM_PORT = "8768"


@pytest.fixture(scope="module")
def smollm_server() -> Iterator[str]:
    def script(*args: str) -> str:
        done = subprocess.run([str(ROOT / "scripts" / args[0]), *args[1:]],
                              capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, f"scripts/{args[0]} failed:\n{done.stderr[-3000:]}"
        return done.stdout.strip().splitlines()[-1]

    url = script("model-server", "start", script("fetch-models", "smollm"), SMOLLM_PORT)
    yield url
    subprocess.run([str(ROOT / "scripts" / "model-server"), "stop", SMOLLM_PORT], check=True,
                   capture_output=True, timeout=60)


@pytest.mark.slow
@pytest.mark.model
def test_smoke_subset_with_a_real_small_model(smollm_server, tmp_path):
    """CI's smoke run: SmolLM2-135M through llama.cpp checks the harness, not the fix rate."""
    tasks = [t for t in load_humanevalfix(SAMPLE) if t.task_id in {"Python/4", "Python/13"}]
    with closing(OpenAICompatibleConnector(smollm_server)) as connector:
        report = run_suite(
            tasks,
            connector=connector,
            settings_options={"model": "SmolLM2-135M-Instruct.Q4_1", "max_attempts": 1,
                              "candidates": 1, "reruns": 1, "regression_test": False},
            out_dir=tmp_path / "eval", baseline=True,
        )
    assert {(r.task_id, str(r.mode)) for r in report.runs} == {
        (task, mode) for task in ("Python/4", "Python/13") for mode in ("redfix", "baseline")}
    assert all(r.verdict in {Verdict.FIXED, Verdict.FALSE_FIX, Verdict.NO_FIX}
               for r in report.runs), [r.cause for r in report.runs]
    assert all(r.completion_tokens > 0 and r.model_calls >= 1 for r in report.runs)
    assert report.chart_path.read_bytes().startswith(PNG_MAGIC)
