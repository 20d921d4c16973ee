"""The App's caps, counted in the run ledger: runs a day, and runs per failure until a
file the failure pointed at changes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.caps import Capped, RunAccount, suspects
from bot.core.config import Settings
from bot.core.jobs import FixJob
from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus
from bot.core.records import JobRun
from bot.core.results import Outcome, TestCase
from connectors.records.sql import SqlRecords

NOW = 1_800_000_000.0
FAILURE = TestCase("tests.test_shop", "test_total", Outcome.FAILED, message="assert 3 == 4",
                   traceback='File "shop/cart.py", line 3, in total\n    return 3\n')


@pytest.fixture
def ledger(tmp_path: Path) -> SqlRecords:
    return SqlRecords(f"sqlite:///{tmp_path / 'redfix.db'}")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "shop").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "shop" / "cart.py").write_text("def total():\n    return 3\n")
    (repo / "tests" / "test_shop.py").write_text("def test_total():\n    assert 3 == 4\n")
    return repo


def job() -> FixJob:
    return FixJob("d", "workflow_run", 1, "o/r", "", "main", "c" * 40, "main")


def account(ledger, checkout, settings=None, *, at=NOW, asked=False) -> RunAccount:
    return RunAccount(ledger, job(), settings or Settings(), checkout, per_failure=not asked,
                      clock=lambda: at)


def test_the_daily_cap_counts_the_runs_of_the_last_24_hours(ledger, checkout):
    for hours_ago in (25, 23, 1):
        ledger.start_run(JobRun("o/r", "a" * 40, NOW - hours_ago * 3600))
    ledger.start_run(JobRun("o/other", "a" * 40, NOW))
    account(ledger, checkout, Settings(max_jobs_per_day=3)).start()  # 2 in the window
    with pytest.raises(Capped) as capped:
        account(ledger, checkout, Settings(max_jobs_per_day=3)).start()
    assert "started 3 fix runs in o/r in the last 24 hours" in str(capped.value)
    assert "after 2027-01-15 09:00 UTC" in str(capped.value)  # 23 h ago + 24 h: NOW + 1 h
    account(ledger, checkout, Settings(max_jobs_per_day=0)).start()  # 0: no cap


def finished(ledger, checkout, status: FixStatus, *, settings: Settings) -> RunAccount:
    run = account(ledger, checkout, settings)
    run.start()
    assert run.gate([FAILURE]) == ""
    outcome = FixOutcome(status, (FAILURE,), suspects=("shop/cart.py",))
    run.finish(outcome, str(status), "")
    return run


def test_a_failure_without_a_fix_is_capped_until_a_suspect_file_changes(ledger, checkout):
    settings = Settings(max_attempts_per_failure=2)
    finished(ledger, checkout, FixStatus.NOT_FIXED, settings=settings)
    finished(ledger, checkout, FixStatus.LOW_CONFIDENCE, settings=settings)
    third = account(ledger, checkout, settings)
    third.start()
    reason = third.gate([FAILURE])
    assert "tried this failure 2 times without finding a fix" in reason
    assert "shop/cart.py" in reason and "tests/test_shop.py" in reason
    (checkout / "shop" / "cart.py").write_text("def total():\n    return 4 - 1\n")
    fourth = account(ledger, checkout, settings)
    fourth.start()
    assert fourth.gate([FAILURE]) == "", "a change to a suspect file is a new chance"


def test_fixed_flaky_and_failed_runs_are_not_tries(ledger, checkout):
    settings = Settings(max_attempts_per_failure=1)
    finished(ledger, checkout, FixStatus.FIXED, settings=settings)
    finished(ledger, checkout, FixStatus.FLAKY, settings=settings)
    broken = account(ledger, checkout, settings)
    broken.start()
    broken.gate([FAILURE])
    broken.fail()
    assert [run.status for run in ledger.runs()] == ["fixed", "flaky", "failed"]
    fresh = account(ledger, checkout, settings)
    fresh.start()
    assert fresh.gate([FAILURE]) == ""


def test_a_person_asking_is_never_capped_per_failure(ledger, checkout):
    finished(ledger, checkout, FixStatus.NOT_FIXED, settings=Settings(max_attempts_per_failure=1))
    command = account(ledger, checkout, Settings(max_attempts_per_failure=1), asked=True)
    command.start()
    assert command.gate([FAILURE]) == ""
    another = replace(FAILURE, name="test_other")  # another failure has its own budget
    build = account(ledger, checkout, Settings(max_attempts_per_failure=1))
    build.start()
    assert build.gate([another]) == ""


def test_suspects_are_the_localized_test_traceback_and_attempted_files(checkout):
    attempt = Attempt(1, AttemptStatus.TESTS_STILL_FAIL, "", files={"shop/tax.py": "x"})
    outcome = FixOutcome(FixStatus.NOT_FIXED, (FAILURE,), attempts=(attempt,),
                         suspects=("shop/cart.py",))
    found = suspects(outcome, checkout)
    assert sorted(found) == ["shop/cart.py", "shop/tax.py", "tests/test_shop.py"]
    assert found["shop/tax.py"] == "", "a file that does not exist yet has no digest"
    assert found["shop/cart.py"] and found["shop/cart.py"] != found["tests/test_shop.py"]
