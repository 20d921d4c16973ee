"""The Markdown report puts redfix and the naive baseline side by side."""

from __future__ import annotations

from dataclasses import replace

from bot.evaluation.metrics import summarize
from bot.evaluation.report import RunInfo, markdown_report
from bot.evaluation.results import Mode, TaskRun, Verdict

INFO = RunInfo("humanevalfix", "qwen", "the first 3 of 164 tasks", "max_attempts 3")
RUNS = [
    TaskRun("Python/0", "humanevalfix", Mode.REDFIX, Verdict.FIXED, fixed_at_attempt=2,
            rounds=2, wall_seconds=61.4, regression_test="kept"),
    TaskRun("Python/1", "humanevalfix", Mode.REDFIX, Verdict.FALSE_FIX,
            cause="hidden tests fail", fixed_at_attempt=1, rounds=1, wall_seconds=20),
    TaskRun("Python/3", "humanevalfix", Mode.REDFIX, Verdict.ERROR,
            cause="UsageError: `pytest | tee` wrote no report.\nLast output:\n." + "x" * 200),
    TaskRun("Python/2", "humanevalfix", Mode.REDFIX, Verdict.EXCLUDED,
            cause="visible test passes on buggy code"),
    TaskRun("Python/0", "humanevalfix", Mode.BASELINE, Verdict.NO_FIX,
            cause="tests still fail", rounds=1, wall_seconds=9),
    TaskRun("Python/1", "humanevalfix", Mode.BASELINE, Verdict.FIXED, fixed_at_attempt=1,
            rounds=1, wall_seconds=8),
    TaskRun("Python/2", "humanevalfix", Mode.BASELINE, Verdict.EXCLUDED,
            cause="visible test passes on buggy code"),
]


def report(modes=(Mode.REDFIX, Mode.BASELINE)) -> list[str]:
    summaries = [summarize(RUNS, mode=m, attempts=3) for m in modes]
    return markdown_report(INFO, summaries, [r for r in RUNS if r.mode in modes]).splitlines()


def test_headline_rows_show_both_modes_with_counts_and_rates():
    lines = report()
    assert "| measure | redfix | naive baseline |" in lines
    assert "| tasks selected / scored | 4 / 3 | 3 / 2 |" in lines
    assert "| **fixed** (validated, hidden tests pass) | 1 (33.3 %) | 1 (50.0 %) |" in lines
    assert "| **false fix** (claimed fixed, hidden tests fail) | 1 (33.3 %) | 0 (0.0 %) |" in lines
    assert "| error (run broke) | 1 (33.3 %) | 0 (0.0 %) |" in lines
    assert "| claimed fixes with a kept regression test | 1 of 1 | - |" in lines
    assert "| passes held back as unconfirmed (right by the hidden tests) | 0 (0 right) | - |" in (
        lines)
    assert ("| fix rate after attempt 1 / 2 / ... | 0.0 % / 33.3 % / 33.3 % | "
            "50.0 % / 50.0 % / 50.0 % |") in lines


def test_records_without_the_regression_test_field_do_not_count_as_lacking_a_test():
    older = [replace(run, regression_test="") for run in RUNS]
    summaries = [summarize(older, mode=m, attempts=3) for m in (Mode.REDFIX, Mode.BASELINE)]
    lines = markdown_report(INFO, summaries, older).splitlines()
    assert "| claimed fixes with a kept regression test | - | - |" in lines


def test_cause_and_exclusion_tables():
    lines = report()
    assert "| hidden tests fail | 1 | 0 |" in lines
    assert "| tests still fail | 0 | 1 |" in lines
    assert "| visible test passes on buggy code | 1 |" in lines


def test_every_row_is_one_line_with_its_cells_intact():
    lines = report()
    rows = [line for line in lines if line.startswith("| Python/3 ")]
    assert len(rows) == 1
    assert rows[0].startswith("| Python/3 | error: UsageError: `pytest / tee` wrote no report. "
                              "Last output: .xxx")
    assert rows[0].count("|") == 8 and "…" in rows[0]
    assert all(not line or line.startswith(("|", "#", "Model", "Rates")) for line in lines)


def test_per_task_rows_pair_the_modes():
    lines = report()
    assert "| Python/0 | fixed | 2 | 61 | no-fix: tests still fail |  | 9 |" in lines
    assert "| Python/1 | false-fix: hidden tests fail | 1 | 20 | fixed | 1 | 8 |" in lines


def test_overlap_table_says_which_mode_fixed_which_task():
    lines = report()
    assert "| fixed by both | 0 |  |" in lines
    assert "| fixed by redfix only | 1 | Python/0 |" in lines
    assert "| fixed by the naive baseline only | 1 | Python/1 |" in lines
    assert "| fixed by neither | 0 |  |" in lines


def test_a_single_mode_has_a_single_column():
    lines = report(modes=(Mode.REDFIX,))
    assert "| measure | redfix |" in lines
    assert not any("naive baseline" in line for line in lines)
    assert not any("fixed by both" in line for line in lines)
