"""Hints in the records store: kept with a fix and per pull request (for `/redfix retry`),
and added to a database created before hints existed, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from bot.core.records import FixState
from connectors.records.schema import FIXES, PULLS
from connectors.records.sql import SqlRecords
from tests.connectors.records.test_sql_records import fix


def test_a_fix_keeps_its_hint_and_a_pull_request_its_last_hint(records):
    records.record_fix(fix(1, hint="the page index starts at 1"))
    assert records.fix("o/r", 1).hint == "the page index starts at 1"
    assert records.last_hint("o/r", 5) == ""
    records.link_pull("o/r", 5, "{}")
    records.keep_hint("o/r", 5, "look at paging")
    records.keep_hint("o/r", 5, "the offset is off by one")
    assert records.last_hint("o/r", 5) == "the offset is off by one"
    assert records.linked_job("o/r", 5) == "{}" and records.last_hint("o/r", 6) == ""


def test_a_database_from_before_hints_gains_the_columns_and_keeps_its_rows(records_url):
    engine = sa.create_engine(records_url)
    old = sa.MetaData()
    fixes = sa.Table("fix_records", old, *(
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in FIXES.columns if c.name != "hint"))
    pulls = sa.Table("pull_states", old, *(
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in PULLS.columns if c.name != "hint"))
    old.create_all(engine)
    values = {c.name: getattr(fix(2), c.name) for c in fixes.columns}
    values["state"] = str(FixState.ACCEPTED)
    with engine.begin() as db:
        db.execute(sa.insert(fixes).values(values))
        db.execute(sa.insert(pulls).values(repository="o/r", number=2, stopped_at="", job="{}"))
    engine.dispose()

    upgraded = SqlRecords(records_url)
    try:
        assert upgraded.fix("o/r", 2) == replace(fix(2), state=FixState.ACCEPTED)
        assert upgraded.last_hint("o/r", 2) == "" and upgraded.linked_job("o/r", 2) == "{}"
        upgraded.record_fix(fix(3, hint="mind the cache"))
        upgraded.keep_hint("o/r", 2, "retry with this")
        assert upgraded.fix("o/r", 3).hint == "mind the cache"
        assert upgraded.last_hint("o/r", 2) == "retry with this"
    finally:
        upgraded.close()
    again = SqlRecords(records_url)  # a second start adds nothing twice
    again.close()
