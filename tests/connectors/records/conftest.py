"""PostgreSQL for the records store's tests: a fresh database per test on the server that
scripts/test starts (scripts/start-postgres) and names in REDFIX_TEST_DATABASE_URL.

Without that server the PostgreSQL tests skip, except under CI=true, where they fail:
CI must never pass by skipping them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from connectors.records.sql import SqlRecords, database_url

TEST_URL_VARIABLE = "REDFIX_TEST_DATABASE_URL"
HOW = "set REDFIX_TEST_DATABASE_URL=\"$(scripts/start-postgres | tail -1)\" (scripts/test does)"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true and {reason}: {HOW}", pytrace=False)
    pytest.skip(f"{reason}: {HOW}")


def _driver_url(url: str) -> sa.URL:
    """The URL as redfix itself reads REDFIX_DATABASE_URL (psycopg 3)."""
    return sa.engine.make_url(database_url({"REDFIX_DATABASE_URL": url}, Path(".")))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """REDFIX_TEST_DATABASE_URL, checked once: it answers and may create databases."""
    url = os.environ.get(TEST_URL_VARIABLE, "").strip()
    if not url:
        _unavailable(f"{TEST_URL_VARIABLE} is not set")
    try:
        engine = sa.create_engine(_driver_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as db:
            allowed = db.execute(sa.text(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            )).scalar()
        engine.dispose()
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _unavailable(f"PostgreSQL at {TEST_URL_VARIABLE} does not answer ({cause})")
    if not allowed:
        pytest.fail(f"the role in {TEST_URL_VARIABLE} may not create databases: grant CREATEDB")
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database on the test server, as a postgresql:// URL; dropped after."""
    name = f"redfix_test_{uuid.uuid4().hex}"
    admin = sa.create_engine(_driver_url(postgres_server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(postgres_server).set(database=name).render_as_string(
            hide_password=False)
        with admin.connect() as db:
            db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def records_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The records store's URL as redfix builds it, on each backend it supports."""
    if request.param == "sqlite":
        return database_url({}, tmp_path)
    return database_url({"REDFIX_DATABASE_URL": request.getfixturevalue("postgres_url")},
                        tmp_path)


@pytest.fixture
def records(records_url: str) -> Iterator[SqlRecords]:
    store = SqlRecords(records_url)
    yield store
    store.close()
