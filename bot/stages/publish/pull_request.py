"""The publish stage's one path to a pull request, for the App and the Action alike.

The plan (branch `redfix/<branch>-<signature digest>`, title and body) comes from
`plans`; the entry point says how the fix reaches that branch (`push`); an open pull
request from the same branch, i.e. the same failure, is updated instead of duplicated;
the pull requests the build belongs to get a comment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.core.github import BRANCH_PREFIX, GitHubGateway
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome
from bot.stages.publish.plans import comment_plans, dry_run_comment_plans, pull_request_plan

PushFix = Callable[[str, str, str], None]  # (patch, branch, commit message)


@dataclass(frozen=True)
class PublishedPull:
    pr_url: str = ""  # empty: no validated fix to propose, or one held back
    pr_number: int | None = None
    branch: str = ""
    updated: bool = False  # an open pull request of the same failure got the new fix
    comments: tuple[str, ...] = ()
    held_back: str = ""  # why a validated fix was not proposed (a cap)


def publish_pull_request(
    job: FixJob,
    outcome: FixOutcome,
    gateway: GitHubGateway,
    *,
    push: PushFix,
    test_command: Sequence[str],
    secrets: Sequence[str],
    draft: bool = False,
    max_open: int = 0,
) -> PublishedPull:
    """`max_open` > 0 caps the open redfix pull requests: a fix that would open one more
    is held back (nothing pushed); updating the open pull request of the same failure is
    always allowed."""
    plan = pull_request_plan(job, outcome, test_command=test_command, secrets=secrets)
    pr_url, pr_number, updated = "", None, False
    if plan is not None:
        existing = gateway.find_open_pull(job.repository, plan.branch)
        held_back = "" if existing else _over_cap(job, gateway, max_open)
        if held_back:
            return PublishedPull(held_back=held_back)
        push(outcome.patch, plan.branch, plan.title)
        updated = existing is not None
        ref = (gateway.update_pull(job.repository, existing.number, plan) if existing
               else gateway.create_pull(job.repository, replace(plan, draft=draft)))
        pr_url, pr_number = ref.url, ref.number
    comments = tuple(
        gateway.upsert_comment(job.repository, comment)
        for comment in comment_plans(job, outcome, pr_url=pr_url, secrets=secrets)
    )
    return PublishedPull(pr_url, pr_number, plan.branch if plan else "", updated, comments)


def _over_cap(job: FixJob, gateway: GitHubGateway, max_open: int) -> str:
    if max_open <= 0:
        return ""
    open_now = gateway.open_pulls(job.repository, head_prefix=BRANCH_PREFIX)
    if len(open_now) < max_open:
        return ""
    return (f"{len(open_now)} redfix pull requests are open, the most `max_open_pulls` "
            f"allows ({max_open}): merge or close some of them, or raise the cap")


def publish_as_comments(
    job: FixJob,
    outcome: FixOutcome,
    gateway: GitHubGateway,
    *,
    test_command: Sequence[str],
    secrets: Sequence[str],
) -> PublishedPull:
    """Comment mode: a validated fix is shown on the build's pull requests, never pushed."""
    plans = dry_run_comment_plans(job, outcome, test_command=test_command, secrets=secrets)
    return PublishedPull(comments=tuple(gateway.upsert_comment(job.repository, plan)
                                        for plan in plans))
