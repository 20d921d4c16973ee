"""`SqlRecords`: feedback and conversation state through SQLAlchemy Core.

SQLite by default (a file in the data directory), PostgreSQL by URL
(`REDFIX_DATABASE_URL=postgresql://user:pass@host/db`, driven by psycopg 3).
The same statements run on both; tables are created when missing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from bot.core.errors import ConfigError, InfrastructureError
from bot.core.records import EventKind, FeedbackEvent, FixRecord, FixState
from connectors.records.ledger import LedgerMixin
from connectors.records.schema import EVENTS, FIXES, PULLS, REFUSALS, create_tables


def database_url(env: Mapping[str, str], data_dir: Path) -> str:
    """REDFIX_DATABASE_URL, else a SQLite file in the data directory."""
    url = env.get("REDFIX_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir / 'redfix.db'}"
    if url.startswith(("postgresql://", "postgres://")):  # psycopg 3, not psycopg2
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _engine(url: str) -> sa.Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"REDFIX_DATABASE_URL is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": 30})
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"REDFIX_DATABASE_URL uses {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    return sa.create_engine(url, pool_pre_ping=True)


def _row_to_fix(row: sa.RowMapping) -> FixRecord:
    values = dict(row)
    values["state"] = FixState(values["state"])
    return FixRecord(**values)


def _row_to_event(row: sa.RowMapping) -> FeedbackEvent:
    values = dict(row)
    values["kind"] = EventKind(values["kind"])
    return FeedbackEvent(**values)


class SqlRecords(LedgerMixin):
    """Feedback records and conversation state in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = _engine(url)
        try:
            with self._engine.begin() as db:
                create_tables(db)
        except OperationalError as exc:
            safe = self._engine.url.render_as_string(hide_password=True)
            raise InfrastructureError(
                f"redfix's database at {safe} does not answer ({exc.orig}); check "
                "REDFIX_DATABASE_URL"
            ) from exc

    def close(self) -> None:
        self._engine.dispose()

    def _upsert(
        self, table: sa.Table, key: sa.ColumnElement[bool], values: Mapping[str, object],
        row: Mapping[str, object],
    ) -> None:
        """Update the row at `key`, else insert `row`. Workers sharing PostgreSQL may insert
        the same new row at once: the loser's insert fails in a savepoint and it updates."""
        with self._engine.begin() as db:
            if db.execute(sa.update(table).where(key).values(values)).rowcount:
                return
            try:
                with db.begin_nested():
                    db.execute(sa.insert(table).values(row))
            except IntegrityError:
                db.execute(sa.update(table).where(key).values(values))

    # --- feedback -----------------------------------------------------------------

    def record_fix(self, record: FixRecord) -> None:
        values = dataclasses.asdict(record)
        values["state"] = str(record.state)
        key = (FIXES.c.repository == record.repository) & (FIXES.c.pr_number == record.pr_number)
        self._upsert(FIXES, key, values, values)

    def fix(self, repository: str, pr_number: int) -> FixRecord | None:
        query = sa.select(FIXES).where(
            (FIXES.c.repository == repository) & (FIXES.c.pr_number == pr_number)
        )
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        return _row_to_fix(row) if row else None

    def fixes(self, *, state: FixState | None = None) -> list[FixRecord]:
        query = sa.select(FIXES).order_by(FIXES.c.created_at)
        if state is not None:
            query = query.where(FIXES.c.state == str(state))
        with self._engine.connect() as db:
            return [_row_to_fix(row) for row in db.execute(query).mappings()]

    def add_event(self, event: FeedbackEvent) -> bool:
        values = dataclasses.asdict(event)
        values["kind"] = str(event.kind)
        values["at"] = event.at or time.time()
        try:
            with self._engine.begin() as db:
                db.execute(sa.insert(EVENTS).values(values))
        except IntegrityError:
            return False
        return True

    def events(self, repository: str, pr_number: int) -> list[FeedbackEvent]:
        query = (
            sa.select(EVENTS)
            .where((EVENTS.c.repository == repository) & (EVENTS.c.pr_number == pr_number))
            .order_by(EVENTS.c.at)
        )
        with self._engine.connect() as db:
            return [_row_to_event(row) for row in db.execute(query).mappings()]

    # --- conversation state -----------------------------------------------------------

    def refuse_once(self, repository: str, number: int, login: str) -> bool:
        try:
            with self._engine.begin() as db:
                db.execute(sa.insert(REFUSALS).values(
                    repository=repository, number=number, login=login.lower()))
        except IntegrityError:
            return False
        return True

    def _upsert_pull(self, repository: str, number: int, **values: str) -> None:
        key = (PULLS.c.repository == repository) & (PULLS.c.number == number)
        self._upsert(PULLS, key, values, {"repository": repository, "number": number, **values})

    def _pull(self, repository: str, number: int) -> sa.RowMapping | None:
        query = sa.select(PULLS).where(
            (PULLS.c.repository == repository) & (PULLS.c.number == number))
        with self._engine.connect() as db:
            return db.execute(query).mappings().first()

    def request_stop(self, repository: str, number: int, *, at: str) -> None:
        self._upsert_pull(repository, number, stopped_at=at)

    def stop_requested(self, repository: str, number: int) -> str:
        row = self._pull(repository, number)
        return str(row["stopped_at"] or "") if row else ""

    def link_pull(self, repository: str, number: int, job: str) -> None:
        self._upsert_pull(repository, number, job=job)

    def linked_job(self, repository: str, number: int) -> str | None:
        row = self._pull(repository, number)
        return str(row["job"]) if row and row["job"] else None

    def keep_hint(self, repository: str, number: int, hint: str) -> None:
        self._upsert_pull(repository, number, hint=hint)

    def last_hint(self, repository: str, number: int) -> str:
        row = self._pull(repository, number)
        return str(row["hint"] or "") if row else ""

    def ping(self) -> str:
        try:
            with self._engine.connect() as db:
                db.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            return f"database error: {exc}"
        return ""
