"""The tables of redfix's database (SQLAlchemy Core), created when missing."""

from __future__ import annotations

import sqlalchemy as sa

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
    sa.Column("hint", sa.Text, nullable=False, server_default=""),
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
    sa.Column("hint", sa.Text, nullable=False, server_default=""),  # the last /redfix fix hint
)
RUNS = sa.Table(
    "job_runs", METADATA,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("repository", sa.String(200), nullable=False),
    sa.Column("head_sha", sa.String(64), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("signature", sa.String(64), nullable=False, default=""),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("suspects", sa.Text, nullable=False, default="{}"),  # JSON: path -> digest
    sa.Column("finished_at", sa.Float),
    sa.Column("pr_url", sa.String(500), nullable=False, default=""),
    sa.Column("limits", sa.Text, nullable=False, default="{}"),  # JSON: cap -> value
    sa.Index("job_runs_repository", "repository", "started_at"),
    sa.Index("job_runs_signature", "repository", "signature"),
)
PAUSES = sa.Table(
    "pauses", METADATA,
    sa.Column("repository", sa.String(200), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),  # 0: the whole repository
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
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
    _add_missing_columns(db)


def _columns(db: sa.Connection, table: sa.Table) -> set[str]:
    return {column["name"] for column in sa.inspect(db).get_columns(table.name)}


def _add_missing_columns(db: sa.Connection) -> None:
    """Text columns added after a table was first created (each with a server default).
    PostgreSQL's starters take turns under the lock; two SQLite starters may both find a
    column missing, and the one that adds it second finds it there."""
    for table in (FIXES, PULLS):
        present = _columns(db, table)
        for column in table.columns:
            if column.name in present or column.server_default is None:
                continue
            kind = column.type.compile(dialect=db.dialect)
            try:
                with db.begin_nested():
                    db.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} "
                                       f"{kind} NOT NULL DEFAULT ''"))
            except sa.exc.DBAPIError:
                if column.name not in _columns(db, table):
                    raise
