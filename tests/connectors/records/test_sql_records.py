"""The records store (`SqlRecords`) keeps one contract on SQLite and on PostgreSQL: fixes,
feedback events and conversation state round-trip, deduplicate, and stay consistent when
several workers write to the same database at once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core.errors import ConfigError, InfrastructureError
from bot.core.records import EventKind, FeedbackEvent, FixRecord, FixState
from connectors.records.schema import METADATA
from connectors.records.sql import SqlRecords, database_url

JANUARY = time.mktime((2026, 1, 5, 0, 0, 0, 0, 0, 0))


def fix(number: int, *, state: FixState = FixState.OPEN, at: float = JANUARY,
        **changes: object) -> FixRecord:
    record = FixRecord("o/r", number, 7, f"sig{number}", "tests.t::test_x\nAssertionError",
                       "code bug", "--- a/x\n+++ b/x\n", "off by one", "m1", "fix-2", at,
                       branch=f"redfix/main-{number}", pr_url=f"http://x/pull/{number}",
                       state=state)
    return replace(record, **changes)


def approval(delivery: str = "d-1", *, at: float = 1.0) -> FeedbackEvent:
    return FeedbackEvent("o/r", 1, EventKind.APPROVED, delivery, "rev", 0.7, 0.3, "ok", at)


def test_fixes_events_and_conversation_state_round_trip(records):
    records.record_fix(fix(1))
    records.record_fix(replace(fix(1), state=FixState.ACCEPTED, survival=0.75, score=0.9))
    stored = records.fix("o/r", 1)
    assert stored == replace(fix(1), state=FixState.ACCEPTED, survival=0.75, score=0.9)
    assert stored.state is FixState.ACCEPTED and records.fix("o/r", 2) is None
    assert records.add_event(approval()) and not records.add_event(approval())
    assert records.events("o/r", 1) == [approval()]
    assert records.refuse_once("o/r", 1, "Reader") and not records.refuse_once("o/r", 1, "reader")
    assert records.stop_requested("o/r", 1) == "" and records.linked_job("o/r", 1) is None
    records.link_pull("o/r", 1, '{"a": 1}')
    records.request_stop("o/r", 1, at="2026-01-02T03:04:05Z")
    assert records.stop_requested("o/r", 1) == "2026-01-02T03:04:05Z"
    assert records.linked_job("o/r", 1) == '{"a": 1}' and records.ping() == ""


def test_every_value_comes_back_exactly(records):
    """Types the two databases treat differently: 64-bit ids, exact floats, NULLs, Unicode."""
    odd = fix(3, installation_id=2**40 + 3, created_at=1767225600.123456,
              failure_text="Ünïcode ✓ — 日本\n" + "x" * 100_000, closed_at=None, survival=None,
              score=-0.333333333333333, diff="+\ttabs\r\n+nul-free\n")
    records.record_fix(odd)
    assert records.fix("o/r", 3) == odd
    silent = FeedbackEvent("o/r", 3, EventKind.REVIEW, "d-9", "", 0.0, None, "", 5.5)
    assert records.add_event(silent) and records.events("o/r", 3) == [silent]


def test_fixes_are_listed_oldest_first_and_filtered_by_state(records):
    for number, state, day in ((1, FixState.ACCEPTED, 3), (2, FixState.REJECTED, 1),
                               (3, FixState.OPEN, 2), (4, FixState.ACCEPTED, 0)):
        records.record_fix(fix(number, state=state, at=JANUARY + day * 86400))
    assert [f.pr_number for f in records.fixes()] == [4, 2, 3, 1]
    assert [f.pr_number for f in records.fixes(state=FixState.ACCEPTED)] == [4, 1]
    assert records.fixes(state=FixState.REJECTED)[0].state is FixState.REJECTED


def test_events_come_back_in_time_order_per_pull(records):
    later, earlier = approval("d-2", at=20.0), approval("d-1", at=10.0)
    elsewhere = replace(approval("d-3"), pr_number=2)
    for event in (later, earlier, elsewhere):
        assert records.add_event(event)
    assert records.events("o/r", 1) == [earlier, later]
    assert records.events("o/r", 2) == [elsewhere] and records.events("x/y", 1) == []


def test_another_worker_opening_the_same_database_sees_everything(records, records_url):
    records.record_fix(fix(1))
    records.link_pull("o/r", 1, "{}")
    other = SqlRecords(records_url)  # creates no table twice, loses nothing
    try:
        assert other.fix("o/r", 1) == fix(1) and other.linked_job("o/r", 1) == "{}"
        other.record_fix(replace(fix(1), state=FixState.REJECTED))
        assert not other.refuse_once("o/r", 1, "x") or not records.refuse_once("o/r", 1, "X")
    finally:
        other.close()
    assert records.fix("o/r", 1).state is FixState.REJECTED


def race(workers: int, action: Callable[[int], object]) -> list[object]:
    """Run action(i) for each worker at the same instant; re-raise the first error."""
    start = threading.Barrier(workers)
    results: list[object] = [None] * workers
    errors: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = action(index)
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_workers_racing_on_one_pull_request_agree(records, records_url):
    """Two workers (two engines, four threads) write the same new rows at the same time."""
    stores = [records, SqlRecords(records_url)]
    try:
        for number in range(1, 6):
            refused = race(4, lambda i, n=number: stores[i % 2].refuse_once("o/r", n, "bob"))
            assert sorted(refused) == [False, False, False, True], number
            race(4, lambda i, n=number: stores[i % 2].link_pull("o/r", n, f'{{"w": {i}}}'))
            assert records.linked_job("o/r", number) in {f'{{"w": {i}}}' for i in range(4)}
            race(4, lambda i, n=number: stores[i % 2].record_fix(fix(n, score=i / 10)))
            assert records.fix("o/r", number).score in {0.0, 0.1, 0.2, 0.3}
            delivered = race(4, lambda i, n=number: stores[i % 2].add_event(
                replace(approval(f"d-{n}"), pr_number=n)))
            assert sorted(delivered) == [False, False, False, True], number
    finally:
        stores[1].close()


def test_workers_starting_together_on_an_empty_database_all_come_up(records_url):
    """`docker compose up --scale worker=3`: each process creates the tables if missing."""
    engine = sa.create_engine(records_url)
    try:
        for _ in range(3):
            METADATA.drop_all(engine)
            started = race(4, lambda _i: SqlRecords(records_url))
            try:
                started[0].record_fix(fix(1))
                assert all(store.fix("o/r", 1) == fix(1) for store in started)
            finally:
                for store in started:
                    store.close()
    finally:
        engine.dispose()


def test_database_url_turns_postgres_urls_into_psycopg_3(tmp_path):
    for scheme in ("postgresql", "postgres"):
        assert database_url({"REDFIX_DATABASE_URL": f" {scheme}://u:p@h:5/db "}, tmp_path) == \
            "postgresql+psycopg://u:p@h:5/db"
    assert database_url({}, tmp_path) == f"sqlite:///{tmp_path / 'redfix.db'}"
    assert database_url({"REDFIX_DATABASE_URL": "sqlite:////srv/r.db"}, tmp_path) == \
        "sqlite:////srv/r.db"


def test_unsupported_or_malformed_urls_are_refused_by_name():
    with pytest.raises(ConfigError, match="REDFIX_DATABASE_URL uses 'mysql'"):
        SqlRecords("mysql://x/y")
    with pytest.raises(ConfigError, match="REDFIX_DATABASE_URL is not a database URL"):
        SqlRecords("not a url")


def test_a_postgresql_server_that_does_not_answer_is_named_without_its_password(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = database_url({"REDFIX_DATABASE_URL": f"postgresql://redfix:s3cr3t-pw@127.0.0.1:{port}"
                                               "/redfix"}, tmp_path)
    with pytest.raises(InfrastructureError, match=f"127.0.0.1:{port}/redfix does not answer") \
            as caught:
        SqlRecords(url)
    assert "REDFIX_DATABASE_URL" in str(caught.value) and "s3cr3t-pw" not in str(caught.value)


def test_the_sqlite_default_makes_its_directory(tmp_path: Path):
    store = SqlRecords(database_url({}, tmp_path / "new" / "data"))
    try:
        store.record_fix(fix(1))
    finally:
        store.close()
    assert (tmp_path / "new" / "data" / "redfix.db").is_file()
