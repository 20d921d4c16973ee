"""Every JSON body the simulator sent during a full publishing flow validates against the
schema GitHub's OpenAPI description (`@octokit/openapi`) gives for that operation and status."""

from __future__ import annotations

import pytest

from bot.core.github import CheckRunPlan, CommentPlan, LabelledIssue, PullRequestPlan
from connectors.github.auth import InstallationTokens, credentials_from_env, retry_policy
from connectors.github.gateway import PyGithubGateway
from connectors.github.remote import clone_at, push_branch
from tests.app.conftest import INSTALLATION, REPO, git
from tests.github_simulator.openapi import github_openapi, to_json_schema

EXERCISED = {
    "apps/create-installation-access-token", "apps/list-repos-accessible-to-installation",
    "repos/get", "actions/get-workflow-run", "actions/list-workflow-run-artifacts",
    "actions/list-jobs-for-workflow-run", "pulls/list", "pulls/create", "pulls/get",
    "pulls/update", "issues/list-comments", "issues/create-comment", "issues/update-comment",
    "checks/create", "issues/list-for-repo", "issues/get",
}


def test_nullable_becomes_a_null_type_or_alternative():
    assert to_json_schema({"type": "string", "nullable": True, "example": "x"}) == {
        "type": ["string", "null"]}
    assert to_json_schema({"enum": ["a"], "type": "string", "nullable": True})["enum"] == [
        "a", None]
    assert to_json_schema({"allOf": [{"$ref": "#/x"}], "nullable": True}) == {
        "anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}]}


@pytest.fixture(scope="module")
def openapi(octokit):
    return github_openapi()


def test_the_checker_catches_a_body_that_breaks_the_schema(openapi):
    problems = openapi.problems("POST", f"/repos/{REPO}/check-runs", 201, {"id": "seven"})
    assert any("'head_sha' is a required property" in p for p in problems)
    assert any("'seven' is not of type 'integer'" in p for p in problems)
    assert openapi.problems("GET", "/no/such/endpoint", 200, {})


def exercise(tmp_path, simulator, repo, report) -> None:
    world = simulator.world
    tokens = InstallationTokens(credentials_from_env(simulator.app_env()))
    gateway = PyGithubGateway.for_installation(tokens, INSTALLATION,
                                               retry=retry_policy(backoff_s=0.1))
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    assert gateway.installation_repositories() == [REPO]
    assert gateway.report_files(REPO, run.run_id, ("*.xml",))
    assert gateway.failed_job_logs(REPO, run.run_id)
    checkout = clone_at(repo.clone_url, tmp_path / "c", token=gateway.token(),
                        sha=run.head_sha, default_branch="main")
    git(checkout, "checkout", "-q", "-b", "redfix/main-0123")
    (checkout / "FIX").write_text("fix\n")
    git(checkout, "add", "FIX")
    git(checkout, "commit", "-q", "-m", "fix")
    push_branch(checkout, "redfix/main-0123", token=gateway.token())
    plan = PullRequestPlan("redfix/main-0123", "main", "redfix: fix", "body")
    assert gateway.find_open_pull(REPO, plan.branch) is None
    pull = gateway.create_pull(REPO, plan)
    assert gateway.find_open_pull(REPO, plan.branch) == pull
    gateway.update_pull(REPO, pull.number, plan)
    issue = world.add_issue(repo, "pause redfix", labels=("redfix:off",))
    repo.labels[pull.number] = ["redfix:off", "bug"]
    assert sorted(gateway.labelled(REPO, "redfix:off"), key=lambda found: found.number) == [
        LabelledIssue(pull.number, is_pull=True), LabelledIssue(issue, is_pull=False)]
    assert gateway.labelled(REPO, "bug") == [LabelledIssue(pull.number, is_pull=True)]
    for body in ("first", "second"):
        gateway.upsert_comment(REPO, CommentPlan(pull.number, "<!-- m -->", f"<!-- m --> {body}"))
    gateway.create_check_run(REPO, CheckRunPlan(run.head_sha, "success", "fixed", "summary"))
    world.fail_next("POST", f"/repos/{REPO}/check-runs", status=403,
                    headers={"Retry-After": "1"},
                    message="You have exceeded a secondary rate limit")
    gateway.create_check_run(REPO, CheckRunPlan(run.head_sha, "neutral", "again", "summary"))


def test_every_simulated_response_matches_githubs_schema(tmp_path, simulator, red_repo, openapi):
    repo, report = red_repo
    exercise(tmp_path, simulator, repo, report)
    checked, problems = set(), []
    for exchange in simulator.world.exchanges:
        if exchange.body is None:  # git traffic and redirects carry no JSON
            continue
        operation = openapi.operation(exchange.method, exchange.path)
        problems += openapi.problems(exchange.method, exchange.path, exchange.status,
                                     exchange.body)
        checked.add((operation.operation_id if operation else "?", exchange.status))
    assert problems == [], "\n".join(problems)
    assert {operation for operation, _ in checked} >= EXERCISED
    assert ("checks/create", 403) in checked, "error bodies are checked too"
