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

METADATA = sa.MetaData()
FIXES = sa.Table(
    "fix_records", METADATA,
    sa.Column("repository", sa.String(200), primary_key=True),
    sa.Column("pr_number", sa.Integer, primary_key=True),
    sa.Column("installation_id", sa.BigInteger, nullable=False),
    sa.Column("signature", sa.String(64), nullable=False, index=True),
    sa.Column("failure_text", sa.Text, nullable=False),
    sa.Column("failure_class", sa.String(40), nullable=False),
    sa.Column("diff", sa.Text, nullable=False),
    sa.Column("rationale", sa.Text, nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("prompt_version", sa.String(40), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("branch", sa.String(300), nullable=False),
    sa.Column("pr_url", sa.String(500), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("closed_at", sa.Float),
    sa.Column("survival", sa.Float),
    sa.Column("score", sa.Float, nullable=False),
)
EVENTS = sa.Table(
    "feedback_events", METADATA,
    sa.Column("delivery_id", sa.String(100), primary_key=True),
    sa.Column("repository", sa.String(200), nullable=False),
    sa.Column("pr_number", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("grade", sa.Float, nullable=False),
    sa.Column("sentiment", sa.Float),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("feedback_events_pull", "repository", "pr_number"),
)
REFUSALS = sa.Table(
    "refusals", METADATA,
    sa.Column("repository", sa.String(200), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("login", sa.String(200), primary_key=True),
)
PULLS = sa.Table(
    "pull_states", METADATA,
    sa.Column("repository", sa.String(200), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("stopped_at", sa.String(40), nullable=False, default=""),
    sa.Column("job", sa.Text),
)


# Any fixed 64-bit key: redfix's processes hold it while they create missing tables.
SCHEMA_LOCK = 0x7265_6466_6978_0001


def create_tables(db: sa.Connection) -> None:
    """Create the tables and indexes that are missing. Several workers may start at once on an
    empty database: IF NOT EXISTS covers SQLite, but is not atomic in PostgreSQL (both may
    find a table missing), so there they take turns under a transaction's advisory lock."""
    if db.dialect.name == "postgresql":
        db.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK)))
    for table in METADATA.sorted_tables:
        db.execute(sa.schema.CreateTable(table, if_not_exists=True))
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            db.execute(sa.schema.CreateIndex(index, if_not_exists=True))


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


class SqlRecords:
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

    def ping(self) -> str:
        try:
            with self._engine.connect() as db:
                db.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            return f"database error: {exc}"
        return ""
