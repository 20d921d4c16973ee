"""The run ledger and the pauses, on SQLite and PostgreSQL (the `records` fixture)."""

from __future__ import annotations

import threading
from dataclasses import replace

from bot.core.records import JobRun, Pause
from connectors.records.sql import SqlRecords


def test_a_run_is_recorded_as_it_starts_and_completed_as_it_ends(records):
    run = JobRun("o/r", "a" * 40, 1000.0, limits={"max_jobs_per_day": 3})
    run = replace(run, run_id=records.start_run(run))
    assert records.runs() == [run]
    ended = replace(run, signature="abc", status="not-fixed", finished_at=1060.0,
                    suspects={"pkg/mod.py": "d1", "tests/test_mod.py": ""})
    records.update_run(ended)
    assert records.runs(repository="o/r") == [ended]
    assert records.runs_of("o/r", "abc") == [ended] and records.runs_of("o/r", "other") == []


def test_runs_are_listed_oldest_first_since_a_time_and_per_repository(records):
    for started, repository in ((300.0, "o/a"), (100.0, "o/a"), (200.0, "o/b")):
        records.start_run(JobRun(repository, "b" * 40, started))
    assert [run.started_at for run in records.runs()] == [100.0, 200.0, 300.0]
    assert [run.started_at for run in records.runs(since=200.0)] == [200.0, 300.0]
    assert [run.started_at for run in records.runs(repository="o/a", since=150.0)] == [300.0]


def test_a_pause_is_set_once_per_place_and_lifted_once(records):
    records.pause(Pause("o/r", 4, by="ann", at="2026-01-01T00:00:00Z"))
    records.pause(Pause("o/r", 4, by="bob", at="2026-01-02T00:00:00Z"))  # stopped again
    records.pause(Pause("o/r", 0, by="cy", at="2026-01-03T00:00:00Z"))
    records.pause(Pause("o/other", 4, by="di", at="2026-01-03T00:00:00Z"))
    assert records.pauses("o/r") == [Pause("o/r", 0, "cy", "2026-01-03T00:00:00Z"),
                                     Pause("o/r", 4, "bob", "2026-01-02T00:00:00Z")]
    assert records.resume("o/r", 4) is True and records.resume("o/r", 4) is False
    assert records.pauses("o/r") == [Pause("o/r", 0, "cy", "2026-01-03T00:00:00Z")]


def test_workers_pausing_the_same_pull_request_at_once_leave_one_pause(records, records_url):
    others = [SqlRecords(records_url) for _ in range(4)]
    start = threading.Barrier(len(others))

    def pause(worker: SqlRecords, login: str) -> None:
        start.wait()
        worker.pause(Pause("o/r", 9, by=login, at="2026-01-01T00:00:00Z"))

    threads = [threading.Thread(target=pause, args=(worker, f"u{n}"))
               for n, worker in enumerate(others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [kept] = records.pauses("o/r")
    assert kept.number == 9 and kept.by in {"u0", "u1", "u2", "u3"}
    for worker in others:
        worker.close()
