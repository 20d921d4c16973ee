"""The unit of work the service queues: one red build of one repository.

A job is plain data, serialised to JSON for the queue and the job table, so a
worker on another machine (Redis) or after a restart (SQLite) can run it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from bot.core.github_errors import MalformedDelivery


@dataclass(frozen=True)
class FixJob:
    """A failing build redfix should try to fix: where to clone, what failed, where to answer."""

    delivery_id: str
    event: str  # workflow_run | check_run | issue_comment | pull_request | pull_request_review...
    installation_id: int
    repository: str  # owner/name
    clone_url: str
    default_branch: str
    head_sha: str
    head_branch: str
    build_url: str = ""
    workflow: str = ""  # the workflow's (or the check's) name
    run_id: int | None = None
    check_run_id: int | None = None
    pull_requests: tuple[int, ...] = ()
    from_fork: bool = False
    # Conversation and feedback on a pull request (issue_comment, pull_request, reviews):
    issue_number: int | None = None
    comment_id: int | None = None
    sender: str = ""
    command: str = ""  # fix | explain | retry | tests | stop | resume | help
    on_issue: bool = False  # the command was given on an issue, not on a pull request
    text: str = ""  # the hint of `fix`, or the review's text (sanitised)
    created_at: str = ""  # GitHub's timestamp of the comment or review (ISO 8601)
    review_state: str = ""  # approved | changes_requested | commented | merged | closed
    merge_sha: str = ""

    @property
    def job_id(self) -> str:
        """One job per delivery: a redelivery carries the same id and is dropped."""
        return self.delivery_id

    @property
    def lock_key(self) -> str:
        """Jobs with the same key never run at the same time."""
        if self.issue_number is None:
            return f"{self.repository}@{self.head_branch}"
        if self.command == "stop":  # must not wait for the work it stops
            return f"{self.repository}#{self.issue_number}:stop"
        if self.command:
            return f"{self.repository}#{self.issue_number}"
        return f"{self.repository}#{self.issue_number}:feedback"

    @property
    def is_pull_request_build(self) -> bool:
        return bool(self.pull_requests)

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FixJob:
        try:
            data: dict[str, Any] = json.loads(text)
            known = {f.name for f in fields(cls)}
            values = {key: value for key, value in data.items() if key in known}
            values["pull_requests"] = tuple(values.get("pull_requests", ()))
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise MalformedDelivery(f"stored job is not a FixJob: {exc}") from exc
