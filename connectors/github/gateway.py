"""PyGithubGateway: the service's GitHub seam for one installation, through PyGithub."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Repository import Repository

from bot.core.github import (
    CheckRunPlan,
    CommentPlan,
    LabelledIssue,
    PullInfo,
    PullRequestPlan,
    PullRequestRef,
    ReportFile,
)
from bot.core.github_errors import GitHubRequestRejected, GitHubUnavailable
from connectors.github.artifacts import matching_members
from connectors.github.auth import InstallationTokens, retry_policy
from connectors.github.errors import translated

MAX_ARTIFACT_BYTES = 512 * 1024 * 1024
MAX_LOG_CHARS = 200_000
MAX_LOG_BYTES = 4 * MAX_LOG_CHARS  # UTF-8: at most 4 bytes a character
TIMEOUT_S = 30
# The permission API's answers that mean "no access": no such user, or none on the repository.
# A rate limit (403 or 429) arrives as GitHubUnavailable, never as one of these.
NO_ACCESS = frozenset({403, 404})
log = logging.getLogger("redfix.github")


class _TooLarge(Exception):
    """A download passed its byte limit: the caller skips it."""


@contextmanager
def _calling_github(doing: str) -> Iterator[None]:
    try:
        yield
    except GithubException as exc:
        raise translated(exc, doing) from exc
    except requests.RequestException as exc:
        raise GitHubUnavailable(f"{doing}: GitHub cannot be reached ({exc}); will retry") from exc


class PyGithubGateway:
    """GitHub for one token source: an app installation (the service) or a plain token
    (the Action's GITHUB_TOKEN)."""

    def __init__(
        self, token: Callable[[], str], *, api_url: str, retry: GithubRetry | None = None
    ) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self._retry = retry or retry_policy()
        self._repos: dict[tuple[str, str], Repository] = {}

    @classmethod
    def for_installation(
        cls, tokens: InstallationTokens, installation_id: int, *, retry: GithubRetry | None = None
    ) -> PyGithubGateway:
        return cls(
            lambda: tokens.token(installation_id), api_url=tokens.credentials.api_url, retry=retry
        )

    def token(self) -> str:
        return self._token()

    def _client(self) -> Github:
        return Github(
            auth=Auth.Token(self.token()),
            base_url=self.api_url,
            retry=self._retry,
            timeout=TIMEOUT_S,
        )

    def _repo(self, name: str) -> Repository:
        key = (name, self.token())  # a renewed token needs a new client
        if key not in self._repos:
            with _calling_github(f"reading repository {name}"):
                self._repos[key] = self._client().get_repo(name)
        return self._repos[key]

    def _download(self, url: str, *, doing: str, tail_bytes: int = 0) -> bytes:
        """The body at `url`; only its last `tail_bytes` when that is set (a log), else
        `_TooLarge` once it passes MAX_ARTIFACT_BYTES."""
        with _calling_github(doing):
            requester = self._client().requester
            _, _, chunks = requester.getStream(url, chunk_size=1 << 16)
            data = bytearray()
            for chunk in chunks:
                data += chunk
                if tail_bytes:
                    if len(data) > 2 * tail_bytes:
                        del data[:-tail_bytes]
                elif len(data) > MAX_ARTIFACT_BYTES:
                    raise _TooLarge(f"{doing}: over {MAX_ARTIFACT_BYTES} bytes, skipped")
            return bytes(data[-tail_bytes:] if tail_bytes else data)

    def report_files(
        self, repository: str, run_id: int, globs: tuple[str, ...]
    ) -> list[ReportFile]:
        with _calling_github(f"listing the artifacts of run {run_id}"):
            artifacts = list(self._repo(repository).get_workflow_run(run_id).get_artifacts())
        found: list[ReportFile] = []
        for artifact in artifacts:
            if artifact.expired:
                continue
            try:
                data = self._download(
                    artifact.archive_download_url, doing=f"downloading artifact {artifact.name}"
                )
            except _TooLarge as exc:
                log.warning("%s", exc)
                continue
            extraction = matching_members(artifact.name, data, globs)
            for reason in extraction.skipped:
                log.warning("artifact member %s", reason)
            found += extraction.files
        return found

    def failed_job_logs(self, repository: str, run_id: int) -> dict[str, str]:
        logs: dict[str, str] = {}
        with _calling_github(f"listing the jobs of run {run_id}"):
            jobs = list(self._repo(repository).get_workflow_run(run_id).jobs())
        for job in jobs:
            if job.conclusion != "failure":
                continue
            with _calling_github(f"locating the log of job {job.name}"):
                location = job.logs_url()
            text = self._download(
                location, doing=f"downloading the log of job {job.name}", tail_bytes=MAX_LOG_BYTES
            )
            logs[job.name] = text.decode("utf-8", "replace")[-MAX_LOG_CHARS:]
        return logs

    def find_open_pull(self, repository: str, branch: str) -> PullRequestRef | None:
        repo = self._repo(repository)
        owner = repository.split("/", 1)[0]
        with _calling_github(f"looking for an open pull request from {branch}"):
            for pull in repo.get_pulls(state="open", head=f"{owner}:{branch}"):
                if pull.head.ref == branch:
                    return PullRequestRef(pull.number, pull.html_url)
        return None

    def open_pulls(self, repository: str, *, head_prefix: str) -> list[PullRequestRef]:
        repo = self._repo(repository)
        with _calling_github(f"listing the open pull requests from {head_prefix}* branches"):
            return [PullRequestRef(pull.number, pull.html_url)
                    for pull in repo.get_pulls(state="open")
                    if pull.head.ref.startswith(head_prefix)]

    def labelled(self, repository: str, label: str) -> list[LabelledIssue]:
        # A plain issue has no `pull_request` field, and reading a field the list left out
        # makes PyGithub fetch the whole issue: the URL tells the two kinds apart instead.
        with _calling_github(f"listing the open issues labelled {label}"):
            return [LabelledIssue(issue.number, "/pull/" in issue.html_url)
                    for issue in self._repo(repository).get_issues(state="open", labels=[label])]

    def create_pull(self, repository: str, plan: PullRequestPlan) -> PullRequestRef:
        kind = "a draft pull request" if plan.draft else "a pull request"
        with _calling_github(f"opening {kind} from {plan.branch} into {plan.base}"):
            pull = self._repo(repository).create_pull(
                base=plan.base, head=plan.branch, title=plan.title, body=plan.body,
                draft=plan.draft,
            )
        return PullRequestRef(pull.number, pull.html_url)

    def update_pull(self, repository: str, number: int, plan: PullRequestPlan) -> PullRequestRef:
        with _calling_github(f"updating pull request #{number}"):
            pull = self._repo(repository).get_pull(number)
            pull.edit(title=plan.title, body=plan.body)
        return PullRequestRef(pull.number, pull.html_url)

    def upsert_comment(self, repository: str, plan: CommentPlan) -> str:
        with _calling_github(f"commenting on #{plan.issue_number}"):
            issue = self._repo(repository).get_issue(plan.issue_number)  # or a pull request
            for comment in issue.get_comments():
                if plan.marker in (comment.body or ""):
                    comment.edit(plan.body)
                    return str(comment.html_url)
            return str(issue.create_comment(plan.body).html_url)

    def create_check_run(self, repository: str, plan: CheckRunPlan) -> str:
        output: dict[str, Any] = {"title": plan.title, "summary": plan.summary}
        with _calling_github(f"creating the {plan.name} check run"):
            run = self._repo(repository).create_check_run(
                name=plan.name,
                head_sha=plan.head_sha,
                status="completed",
                conclusion=plan.conclusion,
                output=output,
            )
        return str(run.html_url)

    def pull_info(self, repository: str, number: int) -> PullInfo:
        with _calling_github(f"reading pull request #{number}"):
            pull = self._repo(repository).get_pull(number)
            head_repo = pull.head.repo.full_name if pull.head.repo else ""
            return PullInfo(
                number=pull.number,
                url=pull.html_url,
                state=pull.state,
                head_ref=pull.head.ref,
                head_sha=pull.head.sha,
                base_ref=pull.base.ref,
                from_fork=head_repo != repository,
            )

    def permission(self, repository: str, login: str) -> tuple[str, str]:
        path = f"/repos/{repository}/collaborators/{quote(login, safe='')}/permission"
        try:
            with _calling_github(f"reading {login}'s permission on {repository}"):
                _, data = self._client().requester.requestJsonAndCheck("GET", path)
        except GitHubRequestRejected as exc:
            if exc.status in NO_ACCESS:
                return "none", ""
            raise  # e.g. 401 or 422: the lookup failed, which says nothing about the person
        return str(data.get("permission", "none")), str(data.get("role_name", ""))

    def add_reaction(self, repository: str, comment_id: int, content: str) -> None:
        with _calling_github(f"reacting to comment {comment_id}"):
            self._client().requester.requestJsonAndCheck(
                "POST",
                f"/repos/{repository}/issues/comments/{comment_id}/reactions",
                input={"content": content},
            )

    def installation_repositories(self) -> list[str]:
        with _calling_github("listing the installation's repositories"):
            client = self._client()
            _, data = client.requester.requestJsonAndCheck("GET", "/installation/repositories")
        return [str(repo["full_name"]) for repo in data.get("repositories", [])]

