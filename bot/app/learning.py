"""Learning in the service: record each redfix pull request, grade what reviewers do with
it, and keep closed fixes in fix memory (the shared part is bot.wiring.learning, which the
Action's `redfix learn` and the CLI's `redfix feedback` use too)."""

from __future__ import annotations

import logging

from bot.app.context import Published, WorkerContext
from bot.core.errors import ConfigError
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome
from bot.core.records_ports import Records
from bot.stages.publish.plans import fix_branch, outcome_digest
from bot.wiring.learning import KINDS, feedback_event, fix_record, merged_survival, record_verdict


def remember_published(
    job: FixJob, outcome: FixOutcome, published: Published, records: Records,
    *, secrets: tuple[str, ...], hint: str = "",
) -> None:
    """Link the pull requests to this red build; record the fix redfix proposed (with the
    hint a person gave for it, kept with the failure it helped)."""
    for number in job.pull_requests:
        records.link_pull(job.repository, number, job.to_json())
    if published.pr_number is None:
        return
    records.link_pull(job.repository, published.pr_number, job.to_json())
    records.record_fix(fix_record(
        outcome, repository=job.repository, number=published.pr_number,
        installation_id=job.installation_id, branch=fix_branch(job, outcome_digest(outcome)),
        pr_url=published.pr_url, secrets=secrets, hint=hint,
        before=records.fix(job.repository, published.pr_number),
    ))


def on_feedback(
    job: FixJob, context: WorkerContext, *, logger: logging.LoggerAdapter[logging.Logger]
) -> Published:
    records = context.records
    if records is None:
        raise ConfigError("feedback needs redfix's database (REDFIX_DATABASE_URL or the data dir)")
    number = job.issue_number or 0
    record = records.fix(job.repository, number)
    kind = KINDS.get(job.review_state)
    if record is None or kind is None:
        logger.info("no redfix fix recorded for #%s, or no grade for %r", number, job.review_state)
        return Published("ignored")
    event = feedback_event(job.repository, number, kind, delivery_id=job.delivery_id,
                           actor=job.sender, text=job.text, at=job.created_at,
                           secrets=context.secrets)

    def kept() -> float | None:
        return merged_survival(record, clone_url=job.clone_url, merge_sha=job.merge_sha,
                               default_branch=job.default_branch,
                               token=context.gateways(job.installation_id).token())

    updated = record_verdict(records, record, event, memory=context.memory, kept=kept,
                             logger=logger)
    return Published("duplicate" if updated is None else f"feedback-{kind}")
