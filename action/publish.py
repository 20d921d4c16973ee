"""Opening (or updating) the pull request of a validated fix, with the workflow's token.

The rules are the service's: the plan (branch `redfix/<branch>-<signature digest>`,
title and body from prompts/pr_body.j2) and the pull request come from the publish stage
(bot.stages.publish.pull_request), shared with the App; the push
goes through connectors.github.remote (which refuses any branch but redfix's own),
and an open pull request from the same branch, i.e. the same failure, is updated
instead of duplicated. The commit is made in a scratch clone, so the workspace the
job checked out stays exactly as it was for the steps after this one.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from action.context import BuildTarget
from action.summary import Publication
from bot.core.errors import UsageError
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome
from bot.stages.publish.pull_request import publish_pull_request
from connectors.git import commit_on_branch
from connectors.github.gateway import PyGithubGateway
from connectors.github.remote import clone_at, push_branch

GIT_TIMEOUT_S = 300


class ActionGateway(PyGithubGateway):
    """The service's PyGithub gateway with the workflow's fixed token."""

    def __init__(self, token: str, *, api_url: str) -> None:
        super().__init__(lambda: token, api_url=api_url)


def job_for(target: BuildTarget, *, run_id: str) -> FixJob:
    """The build as the service's publishing rules describe one."""
    return FixJob(
        delivery_id=f"actions-run-{run_id}",
        event="action",
        installation_id=0,
        repository=target.repository,
        clone_url=target.clone_url,
        default_branch=target.default_branch,
        head_sha=target.head_sha,
        head_branch=target.head_branch,
        build_url=target.build_url,
        pull_requests=target.pull_requests,
        from_fork=target.from_fork,
    )


def why_no_pull_request(target: BuildTarget, outcome: FixOutcome) -> str:
    if not outcome.patch:
        return f"no validated fix ({outcome.status})"
    if target.from_fork:
        return "the build comes from a fork, whose branch redfix may not push to"
    if not target.head_branch:
        return "the build has no branch (a tag or a detached run) to propose a fix to"
    return "nothing to propose"


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                          timeout=GIT_TIMEOUT_S)


def scratch_checkout(workspace: Path, dest: Path, *, target: BuildTarget, token: str) -> Path:
    """A checkout of the red commit whose `origin` is the repository on GitHub.

    The workspace lends its objects (`clone --shared`) when it has the commit (the
    usual case, also for shallow checkouts); otherwise the commit is fetched.
    """
    if _git("-C", str(workspace), "cat-file", "-e", f"{target.head_sha}^{{commit}}").returncode:
        return clone_at(target.clone_url, dest, token=token, sha=target.head_sha,
                        default_branch=target.default_branch)
    steps = {
        "clone": ("clone", "-q", "--shared", "--no-checkout", str(workspace), str(dest)),
        "checkout": ("-C", str(dest), "checkout", "-q", "--detach", target.head_sha),
        "remote": ("-C", str(dest), "remote", "set-url", "origin", target.clone_url),
    }
    for name, args in steps.items():
        done = _git(*args)
        if done.returncode != 0:
            raise UsageError(
                f"git {name} failed while preparing the fix commit: {done.stderr.strip()}"
            )
    return dest


def publish_fix(
    outcome: FixOutcome,
    *,
    target: BuildTarget,
    run_id: str,
    workspace: Path,
    gateway: ActionGateway,
    test_command: Sequence[str],
    secrets: Sequence[str],
    draft: bool = False,
) -> Publication:
    """Push the fix to its redfix/ branch and open or update its pull request; comment on
    the pull requests the build belongs to, as the service does."""
    job = job_for(target, run_id=run_id)
    token = gateway.token()

    def push(patch: str, branch: str, message: str) -> None:
        with tempfile.TemporaryDirectory(prefix="redfix-publish-") as scratch:
            checkout = scratch_checkout(workspace, Path(scratch) / "repo", target=target,
                                        token=token)
            commit_on_branch(checkout, patch, branch=branch, message=message)
            push_branch(checkout, branch, token=token)

    pull = publish_pull_request(
        job, outcome, gateway, push=push, test_command=test_command, secrets=secrets, draft=draft
    )
    return Publication(
        pr_url=pull.pr_url,
        pr_number=pull.pr_number,
        branch=pull.branch,
        updated=pull.updated,
        comments=pull.comments,
        reason="" if pull.branch else why_no_pull_request(target, outcome),
    )
