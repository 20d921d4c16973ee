"""The App's runs of the pipeline (for its caps and the dashboard) and the pauses people
set with `/redfix stop`, in the same database as the feedback records."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from bot.core.records import JobRun, Pause
from connectors.records.schema import PAUSES, RUNS


def _run_values(run: JobRun) -> dict[str, Any]:
    return {
        "repository": run.repository, "head_sha": run.head_sha, "started_at": run.started_at,
        "signature": run.signature, "status": run.status,
        "suspects": json.dumps(dict(run.suspects), sort_keys=True),
        "finished_at": run.finished_at, "pr_url": run.pr_url,
        "limits": json.dumps(dict(run.limits), sort_keys=True),
    }


def _row_to_run(row: sa.RowMapping) -> JobRun:
    values = dict(row)
    values["suspects"] = json.loads(values["suspects"] or "{}")
    values["limits"] = json.loads(values["limits"] or "{}")
    return JobRun(**values)


class LedgerMixin:
    """Runs and pauses for `SqlRecords` (which owns the engine)."""

    _engine: sa.Engine
    _upsert: Callable[[sa.Table, sa.ColumnElement[bool], Mapping[str, object],
                       Mapping[str, object]], None]

    def start_run(self, run: JobRun) -> int:
        with self._engine.begin() as db:
            inserted = db.execute(sa.insert(RUNS).values(_run_values(run)))
        key = inserted.inserted_primary_key
        assert key is not None
        return int(key[0])

    def update_run(self, run: JobRun) -> None:
        with self._engine.begin() as db:
            db.execute(sa.update(RUNS).where(RUNS.c.run_id == run.run_id)
                       .values(_run_values(run)))

    def runs(self, *, repository: str | None = None, since: float = 0.0) -> list[JobRun]:
        query = sa.select(RUNS).where(RUNS.c.started_at >= since).order_by(RUNS.c.started_at)
        if repository is not None:
            query = query.where(RUNS.c.repository == repository)
        with self._engine.connect() as db:
            return [_row_to_run(row) for row in db.execute(query).mappings()]

    def runs_of(self, repository: str, signature: str) -> list[JobRun]:
        query = (sa.select(RUNS)
                 .where((RUNS.c.repository == repository) & (RUNS.c.signature == signature))
                 .order_by(RUNS.c.started_at))
        with self._engine.connect() as db:
            return [_row_to_run(row) for row in db.execute(query).mappings()]

    def pause(self, pause: Pause) -> None:
        values = {"by": pause.by, "at": pause.at}
        key = (PAUSES.c.repository == pause.repository) & (PAUSES.c.number == pause.number)
        self._upsert(PAUSES, key, values,
                     {"repository": pause.repository, "number": pause.number, **values})

    def resume(self, repository: str, number: int) -> bool:
        key = (PAUSES.c.repository == repository) & (PAUSES.c.number == number)
        with self._engine.begin() as db:
            return bool(db.execute(sa.delete(PAUSES).where(key)).rowcount)

    def pauses(self, repository: str) -> list[Pause]:
        query = sa.select(PAUSES).where(PAUSES.c.repository == repository).order_by(
            PAUSES.c.number)
        with self._engine.connect() as db:
            return [Pause(**dict(row)) for row in db.execute(query).mappings()]
