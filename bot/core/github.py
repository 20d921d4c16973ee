"""redfix's one seam to GitHub, for the App and the Action alike (implemented by
connectors.github with PyGithub): what it is asked to publish, and the one guard every
push goes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.github_errors import GitHubRequestRejected

BRANCH_PREFIX = "redfix/"
CHECK_NAME = "redfix"


@dataclass(frozen=True)
class PullRequestPlan:
    branch: str
    base: str
    title: str
    body: str
    draft: bool = False


@dataclass(frozen=True)
class CheckRunPlan:
    head_sha: str
    conclusion: str  # success | neutral | failure
    title: str
    summary: str
    name: str = CHECK_NAME


@dataclass(frozen=True)
class CommentPlan:
    issue_number: int
    marker: str  # found in an existing comment: that comment is edited, not duplicated
    body: str


def require_redfix_branch(branch: str) -> str:
    """The one guard every push goes through: redfix writes only to its own branches."""
    if not branch.startswith(BRANCH_PREFIX) or ".." in branch or branch.endswith("/"):
        raise GitHubRequestRejected(
            f"refusing to push to {branch!r}: redfix pushes only to new {BRANCH_PREFIX}* branches"
        )
    return branch



@dataclass(frozen=True)
class PullRequestRef:
    number: int
    url: str


@dataclass(frozen=True)
class LabelledIssue:
    """An open issue or pull request that carries some label."""

    number: int
    is_pull: bool


@dataclass(frozen=True)
class PullInfo:
    """What the worker needs to know about a pull request a comment was made on."""

    number: int
    url: str
    state: str  # open | closed
    head_ref: str
    head_sha: str
    base_ref: str
    from_fork: bool


@dataclass(frozen=True)
class ReportFile:
    """A file found in a build's artifacts: `artifact/member` and its bytes."""

    name: str
    data: bytes


class GitHubGateway(Protocol):
    """What the worker asks of GitHub for one installation."""

    def token(self) -> str:
        """A valid installation token (cached until shortly before it expires)."""

    def report_files(
        self, repository: str, run_id: int, globs: tuple[str, ...]
    ) -> list[ReportFile]:
        """Members of the run's artifacts whose paths match `globs`."""

    def failed_job_logs(self, repository: str, run_id: int) -> dict[str, str]:
        """The logs of the run's failed jobs, by job name."""

    def find_open_pull(self, repository: str, branch: str) -> PullRequestRef | None: ...

    def open_pulls(self, repository: str, *, head_prefix: str) -> list[PullRequestRef]:
        """The open pull requests whose head branch starts with `head_prefix`."""

    def create_pull(self, repository: str, plan: PullRequestPlan) -> PullRequestRef: ...

    def labelled(self, repository: str, label: str) -> list[LabelledIssue]:
        """The open issues and pull requests that carry `label`."""

    def update_pull(
        self, repository: str, number: int, plan: PullRequestPlan
    ) -> PullRequestRef: ...

    def upsert_comment(self, repository: str, plan: CommentPlan) -> str:
        """Edit the comment carrying `plan.marker`, or create it; return its URL."""

    def create_check_run(self, repository: str, plan: CheckRunPlan) -> str: ...

    def pull_info(self, repository: str, number: int) -> PullInfo: ...

    def permission(self, repository: str, login: str) -> tuple[str, str]:
        """(permission, role_name) of `login` on the repository, from the permission API."""

    def add_reaction(self, repository: str, comment_id: int, content: str) -> None:
        """React to an issue comment (`eyes` when redfix takes a command)."""
