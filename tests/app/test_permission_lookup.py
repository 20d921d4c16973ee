"""Who may command redfix, when GitHub's permission API answers with an error: only 403 and
404 mean "no access"; an outage, a rate limit or bad credentials are said in the status
comment, never taken as a refusal. PyGithubGateway against the GitHub simulator over HTTP."""

from __future__ import annotations

import logging

import pytest

from bot.app.commands import run_command
from bot.app.context import WorkerContext
from bot.app.main import pipeline_services
from bot.app.store import SqliteStore
from bot.core.github_errors import GitHubRequestRejected, GitHubUnavailable
from bot.core.jobs import FixJob
from connectors.github.auth import InstallationTokens, credentials_from_env, retry_policy
from connectors.github.gateway import PyGithubGateway
from connectors.records.sql import SqlRecords
from tests.app.conftest import INSTALLATION, REPO
from tests.github_simulator.payloads import issue_comment_created
from tests.github_simulator.world import SimPull

PERMISSION = "/collaborators/{login}/permission"
RATE_LIMITED = "API rate limit exceeded for installation ID 31337."
LOGGER = logging.LoggerAdapter(logging.getLogger("test.permission"), {})


@pytest.fixture
def gateway(simulator, red_repo) -> PyGithubGateway:
    quick = retry_policy(total=1, backoff_s=0.01)
    tokens = InstallationTokens(credentials_from_env(simulator.app_env()), retry=quick)
    return PyGithubGateway.for_installation(tokens, INSTALLATION, retry=quick)


@pytest.fixture
def pull(red_repo) -> int:
    repo, _ = red_repo
    sha = repo.ref("main") or ""
    repo.pulls[1] = SimPull(1, "main", "main", "a change", None, sha, sha)
    repo.next_issue = 2
    return 1


def fail(simulator, login: str, status: int, message: str) -> None:
    simulator.world.fail_next("GET", PERMISSION.format(login=login), status=status, headers={},
                              message=message, times=10)


@pytest.mark.parametrize(("status", "message"), [
    (404, "Not Found"),
    (403, "Must have push access to view collaborator permission."),
])
def test_only_no_user_or_no_access_means_no_permission(simulator, gateway, status, message):
    fail(simulator, "someone", status, message)
    assert gateway.permission(REPO, "someone") == ("none", "")


@pytest.mark.parametrize(("status", "message", "error"), [
    (502, "Server Error", GitHubUnavailable),
    (403, RATE_LIMITED, GitHubUnavailable),
    (401, "Bad credentials", GitHubRequestRejected),
])
def test_a_failed_lookup_is_an_error_not_a_refusal(simulator, gateway, status, message, error):
    fail(simulator, "writer", status, message)
    with pytest.raises(error) as caught:
        gateway.permission(REPO, "writer")
    assert "writer's permission" in str(caught.value)


def context(tmp_path, simulator, gateway: PyGithubGateway) -> WorkerContext:
    return WorkerContext(
        store=SqliteStore(tmp_path / "service.db"), gateways=lambda installation: gateway,
        services=pipeline_services({}, tmp_path), env={},
        records=SqlRecords(f"sqlite:///{tmp_path / 'redfix.db'}"),
    )


def command(simulator, repo, number: int, login: str, delivery: str) -> FixJob:
    payload = issue_comment_created(simulator.world, repo, number, "/redfix retry", login=login)
    return FixJob(delivery_id=delivery, event="issue_comment", installation_id=INSTALLATION,
                  repository=REPO, clone_url=repo.clone_url, default_branch="main", head_sha="",
                  head_branch="", issue_number=number, comment_id=payload["comment"]["id"],
                  sender=login, command="retry", created_at="2026-01-02T03:04:05Z")


@pytest.mark.parametrize(("status", "message", "said"), [
    (502, "Server Error", "GitHub did not answer (an outage or its rate limit)"),
    (401, "Bad credentials", "GitHub refused the lookup (HTTP 401)"),
])
def test_a_command_whose_permission_cannot_be_checked_says_so(
    tmp_path, simulator, red_repo, gateway, pull, status, message, said
):
    repo, _ = red_repo
    work = context(tmp_path, simulator, gateway)
    fail(simulator, "reader", status, message)
    job = command(simulator, repo, pull, "reader", "d-1")
    assert run_command(job, work, logger=LOGGER).status == "permission-unknown"
    (status_comment,) = [c for c in repo.comments.values() if c.user is None]
    assert "⚠️ `/redfix retry` for @reader could not finish" in status_comment.body
    assert f"could not check whether @reader has write access: {said}" in status_comment.body
    assert "try `/redfix retry` again" in status_comment.body
    assert repo.comments[job.comment_id or 0].reactions == [], "not taken: no 👀"

    # Once GitHub answers, a reader is refused, politely, once: the failed lookup did not
    # count as the refusal.
    simulator.world.faults.clear()
    again = command(simulator, repo, pull, "reader", "d-2")
    assert run_command(again, work, logger=LOGGER).status == "refused"
    assert len([c for c in repo.comments.values() if "redfix:refusal=reader" in c.body]) == 1
