"""PyGithubGateway and publishing against the GitHub simulator over real HTTP: app auth,
token caching, rate limits, retries, artifacts, logs, pull requests, comments, check runs."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.context import WorkerContext
from bot.app.fix_job import publish, repository_settings
from bot.app.main import pipeline_services
from bot.app.store import Claim, JobState, SqliteStore, Store
from bot.app.worker import run_job
from bot.core.config import Settings
from bot.core.errors import ConfigError
from bot.core.github import PullRequestPlan
from bot.core.github_errors import GitHubRequestRejected, GitHubUnavailable
from bot.core.jobs import FixJob
from bot.stages.publish.plans import pull_request_plan
from connectors.github.auth import (
    AppCredentials,
    InstallationTokens,
    credentials_from_env,
    retry_policy,
)
from connectors.github.gateway import PyGithubGateway
from connectors.github.remote import clone_at
from tests.app.conftest import INSTALLATION, REPO, git
from tests.app.test_publishing import FIXED, NOT_FIXED


def test_credentials_are_required_with_a_clear_message(tmp_path):
    with pytest.raises(ConfigError, match="REDFIX_APP_ID"):
        credentials_from_env({})
    with pytest.raises(ConfigError, match="REDFIX_PRIVATE_KEY_PATH"):
        credentials_from_env({"REDFIX_APP_ID": "1", "REDFIX_PRIVATE_KEY_PATH": str(tmp_path)})
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n")
    found = credentials_from_env({"REDFIX_APP_ID": "12", "REDFIX_PRIVATE_KEY_PATH": str(pem)})
    assert found.app_id == 12 and "PRIVATE KEY" not in repr(found)


def test_installation_token_is_cached_until_it_nears_expiry(simulator, tokens, gateway):
    first = gateway.token()
    assert gateway.token() == first and tokens.issued == 1
    assert len(simulator.world.requests_to("POST", f"/{INSTALLATION}/access_tokens")) == 1
    late = InstallationTokens(tokens.credentials, clock=lambda: 4e9)
    late.token(INSTALLATION)
    late.token(INSTALLATION)
    assert late.issued == 2, "a token past its expiry is never reused"


def test_a_wrong_private_key_is_refused_without_retrying(simulator, red_repo):
    from tests.github_simulator.world import World

    stranger = World(simulator.world.root / "other").private_key_pem
    tokens = InstallationTokens(AppCredentials(simulator.world.app_id, stranger, simulator.url))
    with pytest.raises(GitHubRequestRejected, match="401"):
        tokens.token(INSTALLATION)


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limited_call_is_retried_after_the_stated_wait(simulator, red_repo, gateway,
                                                            status):
    world = simulator.world
    gateway.token()
    world.fail_next("GET", f"/repos/{REPO}", status=status, headers={"Retry-After": "1"},
                    message="You have exceeded a secondary rate limit.")
    assert gateway.find_open_pull(REPO, "redfix/none") is None
    calls = world.requests_to("GET", f"/repos/{REPO}")
    assert [c.status for c in calls] == [status, 200]
    assert calls[1].at - calls[0].at >= 1.0


def test_server_errors_are_retried_with_backoff(simulator, red_repo, gateway):
    simulator.world.fail_next("GET", f"/repos/{REPO}", status=502, headers={},
                              message="Server Error", times=2)
    gateway.find_open_pull(REPO, "redfix/none")
    assert [c.status for c in simulator.world.requests_to("GET", f"/repos/{REPO}")] == [
        502, 502, 200]


def test_persistent_outage_is_a_retryable_error(simulator, red_repo, gateway):
    simulator.world.fail_next("GET", f"/repos/{REPO}", status=503, headers={},
                              message="Unavailable", times=50)
    with pytest.raises(GitHubUnavailable) as caught:
        gateway.find_open_pull(REPO, "redfix/none")
    assert caught.value.retryable


def test_client_errors_are_reported_without_retrying(simulator, red_repo, gateway):
    plan = PullRequestPlan(branch="redfix/missing", base="main", title="t", body="b")
    with pytest.raises(GitHubRequestRejected, match="422"):
        gateway.create_pull(REPO, plan)
    assert len(simulator.world.requests_to("POST", f"/repos/{REPO}/pulls")) == 1


def test_reports_come_from_the_artifacts_matching_the_globs(simulator, red_repo, gateway):
    repo, report = red_repo
    run = simulator.world.add_run(repo, head_branch="main",
                                  reports={"junit.xml": report, "coverage.txt": b"91%"})
    found = gateway.report_files(REPO, run.run_id, ("*.xml",))
    assert [(f.name, f.data) for f in found] == [("test-results/junit.xml", report)]


def test_failed_job_logs(simulator, red_repo, gateway):
    repo, _ = red_repo
    run = simulator.world.add_run(repo, head_branch="main", reports={}, log="E   assert 1 == 2")
    assert gateway.failed_job_logs(REPO, run.run_id) == {"tests": "E   assert 1 == 2"}


def test_installation_repositories(red_repo, gateway):
    assert gateway.installation_repositories() == [REPO]


def test_clone_needs_the_token(tmp_path, simulator, red_repo, gateway):
    repo, _ = red_repo
    sha = repo.ref("main")
    with pytest.raises(GitHubRequestRejected):
        clone_at(repo.clone_url, tmp_path / "anon", token="ghs_wrong", sha=sha,
                 default_branch="main")
    checkout = clone_at(repo.clone_url, tmp_path / "ok", token=gateway.token(), sha=sha,
                        default_branch="main")
    assert git(checkout, "rev-parse", "HEAD") == sha
    assert gateway.token() not in (checkout / ".git" / "config").read_text()


def job_for(repo, *, pulls: tuple[int, ...] = ()) -> FixJob:
    return FixJob(delivery_id="d-1", event="workflow_run", installation_id=INSTALLATION,
                  repository=REPO, clone_url=repo.clone_url, default_branch="main",
                  head_sha=repo.ref("main"), head_branch="main", pull_requests=pulls)


def checkout_of(tmp_path: Path, repo, gateway) -> Path:
    return clone_at(repo.clone_url, tmp_path / "checkout", token=gateway.token(),
                    sha=repo.ref("main"), default_branch="main")


def with_real_patch(outcome, checkout: Path):
    catalog = checkout / "bookshop" / "catalog.py"
    text = catalog.read_text()
    catalog.write_text(text.replace("start = page *", "start = (page - 1) *"))
    patch = subprocess.run(["git", "-C", str(checkout), "diff"], capture_output=True,
                           text=True, check=True).stdout
    catalog.write_text(text)
    return replace(outcome, patch=patch,
                   attempts=(replace(outcome.attempts[0], diff=patch),))


def test_pull_request_build_gets_a_pull_request_into_its_branch_and_one_comment(
    tmp_path, simulator, red_repo, gateway
):
    repo, _ = red_repo
    git_dir = tmp_path / "feature"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(git_dir)], check=True)
    git(git_dir, "checkout", "-q", "-b", "feature")
    git(git_dir, "push", "-q", "origin", "feature")
    original = gateway.create_pull(REPO, PullRequestPlan("feature", "main", "feature", "b"))
    job = replace(job_for(repo, pulls=(original.number,)), head_branch="feature",
                  head_sha=repo.ref("feature"))
    checkout = checkout_of(tmp_path, repo, gateway)
    outcome = with_real_patch(FIXED, checkout)
    published = publish(job, outcome, gateway, checkout=checkout, settings=Settings(),
                        secrets=())
    fix = repo.pulls[2]
    assert (fix.base, fix.head) == ("feature", pull_request_plan(
        job, outcome, test_command=Settings().test_command).branch)
    assert published.pr_url.endswith("/pull/2")
    comments = [c for c in repo.comments.values() if c.issue == original.number]
    assert len(comments) == 1 and published.pr_url in comments[0].body
    assert repo.ref("main") == job.head_sha or repo.ref("feature") == job.head_sha
    assert repo.ref("feature") == job.head_sha, "the PR's own branch was never pushed to"


def test_no_validated_fix_gives_no_pull_request_a_neutral_check_and_one_comment(
    tmp_path, simulator, red_repo, gateway
):
    repo, _ = red_repo
    original = gateway.create_pull(REPO, PullRequestPlan("main", "main", "self", "b"))
    job = job_for(repo, pulls=(original.number,))
    checkout = checkout_of(tmp_path, repo, gateway)
    for _ in range(2):  # a retried job edits its comment instead of adding another
        publish(job, NOT_FIXED, gateway, checkout=checkout, settings=Settings(), secrets=())
    assert list(repo.pulls) == [original.number]
    assert [c.conclusion for c in repo.check_runs] == ["neutral", "neutral"]
    assert "tests-still-fail" in (repo.check_runs[0].summary or "")
    comments = [c for c in repo.comments.values() if c.issue == original.number]
    assert len(comments) == 1 and "no validated fix" in comments[0].body
    assert repo.branches() == ["main"], "nothing was pushed"


def worker_context(tmp_path, simulator, store: Store) -> WorkerContext:
    quick = retry_policy(total=1, backoff_s=0.1)
    tokens = InstallationTokens(credentials_from_env(simulator.app_env()), retry=quick)
    return WorkerContext(
        store=store,
        gateways=lambda installation: PyGithubGateway.for_installation(tokens, installation,
                                                                       retry=quick),
        services=pipeline_services({}, tmp_path),
        env={},
        lease_s=30,
    )


def queued(store: Store, repo, *, installation: int) -> str:
    job = replace(job_for(repo), installation_id=installation)
    store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                          decision="queued", job=job)
    return job.job_id


def test_job_refused_by_github_fails_without_a_retry(tmp_path, simulator, red_repo):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    job_id = queued(store, repo, installation=999)  # the app is not installed there
    run_job(job_id, worker_context(tmp_path, simulator, store), retries_left=3)
    record = store.job(job_id)
    assert record.state is JobState.FAILED and "404" in record.result
    store.close()


def test_job_hitting_an_outage_is_released_for_the_queue_to_retry(tmp_path, simulator,
                                                                  red_repo):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    job_id = queued(store, repo, installation=INSTALLATION)
    simulator.world.fail_next("POST", "/access_tokens", status=502, headers={},
                              message="Server Error", times=10)
    with pytest.raises(GitHubUnavailable):
        run_job(job_id, worker_context(tmp_path, simulator, store), retries_left=3)
    assert store.job(job_id).state is JobState.QUEUED
    assert store.claim(job_id, lease_s=30) is Claim.CLAIMED, "claimable by the retry"
    store.close()


def test_a_plain_token_works_too(simulator, red_repo, tokens):
    """The Action's way in: a token it was given, no app key."""
    token = tokens.token(INSTALLATION)
    plain = PyGithubGateway(lambda: token, api_url=simulator.url)
    assert plain.installation_repositories() == [REPO]
    assert plain.find_open_pull(REPO, "redfix/none") is None


def test_job_that_cannot_reach_the_model_says_so_on_the_commit(tmp_path, simulator, red_repo):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    job_id = queued(store, repo, installation=INSTALLATION)
    context = worker_context(tmp_path, simulator, store)
    context.env = {"REDFIX_CONNECTOR": "openai", "REDFIX_BASE_URL": "http://127.0.0.1:9/v1",
                   "REDFIX_SANDBOX": "local"}
    context.services = pipeline_services(context.env, tmp_path)
    run_job(job_id, context, retries_left=0)
    assert store.job(job_id).state is JobState.FAILED
    (check,) = repo.check_runs
    assert (check.conclusion, check.title) == ("neutral", "redfix could not finish")
    assert "127.0.0.1:9" in (check.summary or "") and repo.pulls == {}
    store.close()


def test_settings_come_from_the_default_branch_not_the_red_commit(tmp_path, simulator,
                                                                   red_repo, gateway):
    """A pull request cannot change what redfix may do by editing .github/redfix.yml."""
    repo, _ = red_repo
    work = tmp_path / "feature"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(work)], check=True)
    git(work, "checkout", "-q", "-b", "feature")
    (work / ".github" / "redfix.yml").write_text("allow_test_edits: true\nmax_attempts: 9\n")
    git(work, "commit", "-q", "-am", "let me edit the tests")
    git(work, "push", "-q", "origin", "feature")
    job = replace(job_for(repo), head_branch="feature", head_sha=repo.ref("feature"))
    checkout = clone_at(repo.clone_url, tmp_path / "c", token=gateway.token(),
                        sha=job.head_sha, default_branch="main")
    settings = repository_settings(checkout, job, {})
    assert settings.allow_test_edits is False and settings.max_attempts == 1
    assert settings.sources["max_attempts"] == ".github/redfix.yml"
