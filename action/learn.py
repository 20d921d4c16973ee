"""The Action's learning: the fix it published goes into redfix's database, and
`redfix learn` (a workflow on `pull_request: closed`) records what became of it, merged or
closed, the way the App does for its own pull requests: one store, one memory.

The store is shared only when it outlives the runner: REDFIX_DATABASE_URL (PostgreSQL)
for the records, REDFIX_CHROMA_URL or a cached REDFIX_DATA_DIR for fix memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from action.context import PULL_REQUEST_EVENTS, BuildTarget, read_event
from action.publish import job_for
from action.summary import Publication
from bot.core.errors import UsageError
from bot.core.github import BRANCH_PREFIX
from bot.core.models import FixOutcome
from bot.core.records import EventKind
from bot.wiring.learning import (
    feedback_event,
    fix_record,
    merged_survival,
    open_records,
    record_verdict,
)
from bot.wiring.memory import fix_memory_factory
from bot.wiring.settings import data_dir


def shared_store(env: Mapping[str, str]) -> bool:
    """Records written on a runner are worth keeping only in a database that outlives it."""
    return bool(env.get("REDFIX_DATABASE_URL", "").strip())


def record_published(
    env: Mapping[str, str], outcome: FixOutcome, publication: Publication, *,
    target: BuildTarget, run_id: str, secrets: tuple[str, ...],
) -> bool:
    """Record the fix of the pull request just opened, for `redfix learn` to grade later."""
    if publication.pr_number is None or not shared_store(env):
        return False
    records = open_records(env)
    try:
        job = job_for(target, run_id=run_id)
        for number in job.pull_requests:
            records.link_pull(job.repository, number, job.to_json())
        records.record_fix(fix_record(
            outcome, repository=target.repository, number=publication.pr_number,
            installation_id=0, branch=publication.branch, pr_url=publication.pr_url,
            secrets=secrets, before=records.fix(target.repository, publication.pr_number),
        ))
    finally:
        records.close()
    return True


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _digest(repository: str) -> str:
    return hashlib.sha256(repository.encode()).hexdigest()[:12]


def _token(env: Mapping[str, str]) -> str:
    return (env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB-TOKEN")
            or env.get("INPUT_GITHUB_TOKEN") or "")


def learn(env: Mapping[str, str], *, secrets: tuple[str, ...]) -> str:
    """Record the merge or close of a redfix pull request from the workflow's event;
    returns what was done, in a sentence."""
    name = env.get("GITHUB_EVENT_NAME", "")
    event = read_event(env)
    if name not in PULL_REQUEST_EVENTS or event.get("action") != "closed":
        raise UsageError(
            f"redfix learn reads a pull_request closed event, not {name or 'none'}"
            f"{'/' + str(event.get('action')) if event.get('action') else ''}: run it in a "
            "workflow `on: pull_request: types: [closed]` (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH)"
        )
    pull = _mapping(event.get("pull_request"))
    branch = str(_mapping(pull.get("head")).get("ref") or "")
    number = int(pull.get("number") or 0)
    if not branch.startswith(BRANCH_PREFIX):
        return f"#{number} is not a redfix pull request (branch {branch or '?'}): nothing to learn"
    repo = _mapping(event.get("repository"))
    repository = env.get("GITHUB_REPOSITORY") or str(repo.get("full_name") or "")
    records = open_records(env)
    try:
        record = records.fix(repository, number)
        if record is None:
            return (f"no redfix fix recorded for {repository}#{number}: the Action records its "
                    "fixes when REDFIX_DATABASE_URL is set in the fixing workflow too")
        merged = bool(pull.get("merged"))
        kind = EventKind.MERGED if merged else EventKind.CLOSED
        sender = str(_mapping(event.get("sender")).get("login") or "")
        closed_at = str(pull.get("merged_at") or pull.get("closed_at") or "")
        verdict = feedback_event(  # one event per close: a re-run of the workflow is no new one
            repository, number, kind, actor=sender, text="", at=closed_at, secrets=secrets,
            delivery_id=f"actions-{kind}-{_digest(repository)}-{number}-{closed_at}"[:100],
        )

        def kept() -> float | None:
            return merged_survival(
                record, clone_url=str(repo.get("clone_url") or ""),
                merge_sha=str(pull.get("merge_commit_sha") or ""),
                default_branch=str(repo.get("default_branch") or "main"), token=_token(env))

        updated = record_verdict(records, record, verdict, kept=kept,
                                 memory=fix_memory_factory(env, data_dir(env)))
    finally:
        records.close()
    if updated is None:
        return f"{repository}#{number}: this {kind} was recorded before"
    return f"{repository}#{number} {kind}: the fix is {updated.state}, score {updated.score:.2f}"
