"""Handlers for what people do on pull requests: slash commands and reviewers' feedback.

Registered on import (bot.app.web imports this module). Pure, like the
build handlers: each reads the payload and returns a decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.app.conversation.commands import CommandKind, parse_command
from bot.app.conversation.permission import is_bot
from bot.app.conversation.sanitize import sanitize_comment
from bot.app.pauses import PAUSE_LABEL
from bot.app.router import Decision, Ignore, Router, StartFix
from bot.app.webhooks import WebhookEvent
from bot.core.github import BRANCH_PREFIX
from bot.core.jobs import FixJob

router = Router()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _base_job(event: WebhookEvent, number: int, **fields: Any) -> FixJob | str:
    """The job's common fields, or why there can be none."""
    repo = _mapping(event.payload.get("repository"))
    installation = _mapping(event.payload.get("installation")).get("id")
    if not isinstance(installation, int):
        return "no installation in the payload: only a GitHub App receives these"
    if not repo.get("full_name") or not repo.get("clone_url"):
        return "the payload names no repository"
    return FixJob(
        delivery_id=event.delivery_id,
        event=event.name,
        installation_id=installation,
        repository=str(repo["full_name"]),
        clone_url=str(repo["clone_url"]),
        default_branch=str(repo.get("default_branch") or "main"),
        head_sha=str(fields.pop("head_sha", "")),
        head_branch=str(fields.pop("head_branch", "")),
        issue_number=number,
        **fields,
    )


def _decide(job: FixJob | str) -> Decision:
    return Ignore(job) if isinstance(job, str) else StartFix(job)


@router.on("issue_comment.created")
def _comment(event: WebhookEvent) -> Decision:
    issue = _mapping(event.payload.get("issue"))
    comment = _mapping(event.payload.get("comment"))
    user = _mapping(comment.get("user"))
    if is_bot(user) or is_bot(_mapping(event.payload.get("sender"))):
        return Ignore("a comment by a bot: bots cannot command redfix")
    command = parse_command(str(comment.get("body") or ""))
    if command is None:
        return Ignore("the comment holds no /redfix command")
    on_issue = not issue.get("pull_request")
    if on_issue and command.kind not in (CommandKind.STOP, CommandKind.RESUME):
        return Ignore("a comment on an issue: there only /redfix stop and resume are heard")
    if command.kind not in (CommandKind.STOP, CommandKind.RESUME) and _labelled_off(issue):
        return Ignore(f"pull request #{issue.get('number')} has the label {PAUSE_LABEL}")
    return _decide(_base_job(
        event, int(issue["number"]),
        comment_id=int(comment["id"]), sender=str(user.get("login", "")),
        command=str(command.kind), text=command.text or command.unknown,
        created_at=str(comment.get("created_at") or ""), on_issue=on_issue,
    ))


def _labelled_off(issue: Mapping[str, Any]) -> bool:
    labels = issue.get("labels")
    return isinstance(labels, list) and any(
        isinstance(label, Mapping) and label.get("name") == PAUSE_LABEL for label in labels)


def _redfix_pull(event: WebhookEvent) -> Mapping[str, Any] | None:
    pull = _mapping(event.payload.get("pull_request"))
    ref = str(_mapping(pull.get("head")).get("ref", ""))
    return pull if ref.startswith(BRANCH_PREFIX) and "number" in pull else None


@router.on("pull_request.closed")
def _closed(event: WebhookEvent) -> Decision:
    pull = _redfix_pull(event)
    if pull is None:
        return Ignore("not a redfix pull request")
    merged = bool(pull.get("merged"))
    head = _mapping(pull.get("head"))
    return _decide(_base_job(
        event, int(pull["number"]),
        head_sha=str(head.get("sha", "")), head_branch=str(head.get("ref", "")),
        review_state="merged" if merged else "closed",
        merge_sha=str(pull.get("merge_commit_sha") or "") if merged else "",
        sender=str(_mapping(event.payload.get("sender")).get("login", "")),
        created_at=str(pull.get("closed_at") or ""),
    ))


def _review_job(event: WebhookEvent, item: Mapping[str, Any], state: str) -> Decision:
    pull = _redfix_pull(event)
    if pull is None:
        return Ignore("not a redfix pull request")
    user = _mapping(item.get("user"))
    if is_bot(user):
        return Ignore("a review by a bot")
    return _decide(_base_job(
        event, int(pull["number"]),
        sender=str(user.get("login", "")), review_state=state,
        text=sanitize_comment(str(item.get("body") or "")),
        created_at=str(item.get("submitted_at") or item.get("created_at") or ""),
    ))


@router.on("pull_request_review.submitted")
def _review(event: WebhookEvent) -> Decision:
    review = _mapping(event.payload.get("review"))
    return _review_job(event, review, str(review.get("state", "")).lower())


@router.on("pull_request_review_comment.created")
def _review_comment(event: WebhookEvent) -> Decision:
    return _review_job(event, _mapping(event.payload.get("comment")), "review_comment")
