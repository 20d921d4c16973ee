"""Operator controls of .github/redfix.yml on the App, against the GitHub simulator:
`enabled: false`, branch and workflow filters (no job work, no model call, no trace on
GitHub), and `mode: comment` (the validated fix as a comment, nothing pushed)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.controls import why_declined
from bot.app.fix_job import publish
from bot.app.main import pipeline_services
from bot.app.store import JobState, SqliteStore
from bot.app.worker import run_job
from bot.core.config import Settings
from bot.core.github import PullRequestPlan
from bot.core.jobs import FixJob
from tests.app.conftest import REPO, git
from tests.app.test_github_gateway import (
    checkout_of,
    job_for,
    with_real_patch,
    worker_context,
)
from tests.app.test_publishing import FIXED

UNREACHABLE_MODEL = {"REDFIX_CONNECTOR": "openai", "REDFIX_BASE_URL": "http://127.0.0.1:9/v1",
                     "REDFIX_SANDBOX": "local"}


@pytest.mark.parametrize(("settings", "says"), [
    (Settings(enabled=False), "turned off"),
    (Settings(branches=("release/*",)), "branch 'main' matches none of branches: release/*"),
    (Settings(workflows=("Deploy*",)), "workflow 'CI' matches none of workflows: Deploy*"),
])
def test_settings_that_rule_a_build_out_say_why(settings, says):
    job = replace(job_for_name("main"), workflow="CI")
    assert says in why_declined(job, settings)


def test_matching_builds_and_commands_are_not_declined():
    job = replace(job_for_name("release/2.1"), workflow="CI")
    assert why_declined(job, Settings(branches=("main", "release/*"), workflows=("C?",))) == ""
    command = replace(job, workflow="")  # a slash command names no workflow
    assert why_declined(command, Settings(workflows=("Deploy",))) == ""


def job_for_name(branch: str) -> FixJob:
    return FixJob(delivery_id="d", event="workflow_run", installation_id=1, repository=REPO,
                  clone_url="", default_branch="main", head_sha="0" * 40, head_branch=branch)


def push_config(tmp_path: Path, repo, text: str) -> None:
    work = tmp_path / "config-change"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(work)], check=True)
    (work / ".github").mkdir(exist_ok=True)
    (work / ".github" / "redfix.yml").write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "redfix settings")
    git(work, "push", "-q", "origin", "HEAD:main")


@pytest.mark.parametrize("config", ["enabled: false\n", "branches: [release/*]\n",
                                    "workflows: [Deploy]\n"])
def test_a_declined_build_ends_quietly_without_asking_the_model(tmp_path, simulator,
                                                                 red_repo, config):
    repo, _ = red_repo
    push_config(tmp_path, repo, config)
    store = SqliteStore(tmp_path / "service.db")
    job = replace(job_for(repo), workflow="CI", run_id=None)
    store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                          decision="queued", job=job)
    context = worker_context(tmp_path, simulator, store)
    context.env = dict(UNREACHABLE_MODEL)  # reaching for it fails a job (test_github_gateway)
    context.services = pipeline_services(context.env, tmp_path)
    run_job(job.job_id, context, retries_left=0)
    record = store.job(job.job_id)
    assert record.state is JobState.DONE and '"status": "declined"' in record.result
    assert repo.check_runs == [] and repo.pulls == {} and repo.branches() == ["main"]
    store.close()


def test_comment_mode_shows_the_fix_on_the_pull_request_and_pushes_nothing(
    tmp_path, simulator, red_repo, gateway
):
    repo, _ = red_repo
    work = tmp_path / "feature"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(work)], check=True)
    git(work, "checkout", "-q", "-b", "feature")
    git(work, "push", "-q", "origin", "feature")
    original = gateway.create_pull(REPO, PullRequestPlan("feature", "main", "feature", "b"))
    job = replace(job_for(repo, pulls=(original.number,)), head_branch="feature",
                  head_sha=repo.ref("feature"))
    checkout = checkout_of(tmp_path, repo, gateway)
    outcome = with_real_patch(FIXED, checkout)
    published = publish(job, outcome, gateway, checkout=checkout,
                        settings=Settings(mode="comment"), secrets=())
    assert published.pr_url == "" and list(repo.pulls) == [original.number]
    assert sorted(repo.branches()) == ["feature", "main"], "nothing was pushed"
    [comment] = [c for c in repo.comments.values() if c.issue == original.number]
    assert "`mode: comment`" in comment.body and "start = (page - 1) *" in comment.body
    [check] = repo.check_runs
    assert check.conclusion == "neutral" and "not proposed: comment mode" in check.title
    assert "start = (page - 1) *" in (check.summary or "")


def open_redfix_pulls(tmp_path: Path, repo, gateway, count: int) -> None:
    work = tmp_path / "other-fixes"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(work)], check=True)
    for number in range(count):
        branch = f"redfix/main-other{number}"
        git(work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        gateway.create_pull(REPO, PullRequestPlan(branch, "main", f"fix {number}", "b"))


def test_a_fix_over_the_open_pull_request_cap_is_held_back_and_says_so(
    tmp_path, simulator, red_repo, gateway
):
    repo, _ = red_repo
    open_redfix_pulls(tmp_path, repo, gateway, 2)
    job = job_for(repo)
    checkout = checkout_of(tmp_path, repo, gateway)
    outcome = with_real_patch(FIXED, checkout)
    branches_before = sorted(repo.branches())
    published = publish(job, outcome, gateway, checkout=checkout,
                        settings=Settings(max_open_pulls=2), secrets=())
    assert (published.status, published.pr_url, len(repo.pulls)) == ("held-back", "", 2)
    assert sorted(repo.branches()) == branches_before, "nothing was pushed"
    [check] = repo.check_runs
    assert check.conclusion == "neutral"
    assert "not proposed: 2 redfix pull requests are open" in check.title
    assert "start = (page - 1) *" in (check.summary or "")
    raised = publish(job, outcome, gateway, checkout=checkout,
                     settings=Settings(max_open_pulls=3), secrets=())
    assert raised.pr_url.endswith(f"/pull/{raised.pr_number}") and len(repo.pulls) == 3


def test_the_cap_never_stops_updating_the_pull_request_of_the_same_failure(
    tmp_path, simulator, red_repo, gateway
):
    repo, _ = red_repo
    job = job_for(repo)
    checkout = checkout_of(tmp_path, repo, gateway)
    outcome = with_real_patch(FIXED, checkout)
    first = publish(job, outcome, gateway, checkout=checkout, settings=Settings(), secrets=())
    retried = checkout_of(tmp_path / "retry", repo, gateway)  # a retried job clones anew
    again = publish(job, outcome, gateway, checkout=retried,
                    settings=Settings(max_open_pulls=1), secrets=())
    assert again.pr_url == first.pr_url and len(repo.pulls) == 1
    assert repo.check_runs[-1].conclusion == "success"


@pytest.mark.parametrize("draft", [True, False])
def test_the_draft_setting_decides_the_new_pull_request(tmp_path, simulator, red_repo,
                                                        gateway, draft):
    repo, _ = red_repo
    checkout = checkout_of(tmp_path, repo, gateway)
    outcome = with_real_patch(FIXED, checkout)
    published = publish(job_for(repo), outcome, gateway, checkout=checkout,
                        settings=Settings(draft=draft), secrets=())
    assert repo.pulls[published.pr_number].draft is draft
