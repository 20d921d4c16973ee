"""Rates, costs and causes computed from task runs."""

from __future__ import annotations

import pytest

from bot.evaluation.metrics import fix_rate_by_attempt, summarize, summary_to_json
from bot.evaluation.results import Mode, TaskRun, Verdict, furthest_cause


def run(task: str, verdict: Verdict, mode: Mode = Mode.REDFIX, **extra) -> TaskRun:
    return TaskRun(task, "humanevalfix", mode, verdict, **extra)


RUNS = [
    run("a", Verdict.FIXED, fixed_at_attempt=1, rounds=1, candidates=3, model_calls=3,
        prompt_tokens=900, completion_tokens=300, model_seconds=30.0, test_seconds=6.0,
        wall_seconds=40.0),
    run("b", Verdict.FIXED, fixed_at_attempt=3, rounds=3, candidates=9, model_calls=9,
        prompt_tokens=2700, completion_tokens=900, model_seconds=90.0, test_seconds=18.0,
        wall_seconds=110.0, regression_test="kept"),
    run("c", Verdict.FALSE_FIX, cause="hidden tests fail", fixed_at_attempt=2, rounds=2,
        regression_test="kept"),
    run("d", Verdict.NO_FIX, cause="edit did not apply", rounds=3, regression_test="kept"),
    run("e", Verdict.ERROR, cause="ModelServiceUnreachable: down"),
    run("f", Verdict.EXCLUDED, cause="visible test passes on buggy code"),
    run("a", Verdict.NO_FIX, Mode.BASELINE, cause="tests still fail", rounds=1),
]


def test_rates_count_only_scored_tasks_of_the_mode():
    summary = summarize(RUNS, mode=Mode.REDFIX, attempts=3)
    assert (summary.selected, summary.excluded, summary.scored) == (6, 1, 5)
    assert summary.rate(Verdict.FIXED) == pytest.approx(2 / 5)
    assert summary.rate(Verdict.FALSE_FIX) == pytest.approx(1 / 5)
    assert summary.rate(Verdict.ERROR) == pytest.approx(1 / 5), "errors stay in the denominator"
    assert summary.wrong_fix_share == pytest.approx(1 / 3)
    assert summary.excluded_reasons == {"visible test passes on buggy code": 1}
    assert (summary.kept_tests, summary.tests_recorded, summary.claimed) == (2, 2, 3), (
        "only claimed fixes ship a test; the record of run a predates the field")


def test_fix_rate_by_attempt_is_cumulative_and_ignores_false_fixes():
    summary = summarize(RUNS, mode=Mode.REDFIX, attempts=3)
    assert summary.fix_rate_by_attempt == pytest.approx((1 / 5, 1 / 5, 2 / 5))
    assert fix_rate_by_attempt([], attempts=2) == (0.0, 0.0)


def test_causes_cover_every_scored_task_not_fixed():
    summary = summarize(RUNS, mode=Mode.REDFIX, attempts=3)
    assert summary.causes == {"hidden tests fail": 1, "edit did not apply": 1,
                              "ModelServiceUnreachable: down": 1}


def test_means_are_per_scored_task_and_overhead_excludes_model_and_tests():
    summary = summarize(RUNS, mode=Mode.REDFIX, attempts=3)
    assert summary.means["wall_seconds"] == pytest.approx(150.0 / 5)
    assert summary.means["overhead_seconds"] == pytest.approx((4.0 + 2.0) / 5)
    assert summary.totals["prompt_tokens"] == 3600


def test_summaries_are_per_mode():
    baseline = summarize(RUNS, mode=Mode.BASELINE, attempts=1)
    assert (baseline.scored, baseline.rate(Verdict.NO_FIX)) == (1, 1.0)
    data = summary_to_json(baseline)
    assert data["rates"]["no-fix"] == 1.0 and data["mode"] == "baseline"


def test_furthest_cause_prefers_the_candidate_that_got_furthest():
    assert furthest_cause(["edit-did-not-apply", "regression", "no-edits"]) == "regression"
    assert furthest_cause(["no-edits", "tests-still-fail"]) == "tests still fail"
    assert furthest_cause([]) == "no candidate"


def test_held_back_passes_are_counted_with_how_many_were_right():
    held = [run("g", Verdict.NO_FIX, cause="unconfirmed", held_back="right"),
            run("h", Verdict.NO_FIX, cause="unconfirmed", held_back="wrong: hidden tests fail"),
            run("i", Verdict.NO_FIX, Mode.BASELINE, held_back="right")]
    summary = summarize([*RUNS, *held], mode=Mode.REDFIX, attempts=3)
    assert (summary.held_back, summary.held_back_right) == (2, 1)
    assert summary.claimed == 3, "a held-back pass is not a claimed fix"
    assert summary_to_json(summary)["held_back_unconfirmed_right"] == 1
