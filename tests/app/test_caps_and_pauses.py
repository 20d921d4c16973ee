"""The App's caps and its stop-and-go, against the GitHub simulator: a capped build ends
with one explaining check run (and comment) and no branch; the label `redfix:off` and
`/redfix stop` mean no work until removed or `/redfix resume`."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from bot.app.commands import run_command
from bot.app.main import pipeline_services
from bot.app.store import JobState, SqliteStore
from bot.app.worker import run_job
from bot.core.jobs import FixJob
from bot.core.records import JobRun
from connectors.records.sql import SqlRecords
from tests.app.conftest import INSTALLATION, REDFIX_CONFIG, REPO
from tests.app.test_controls import UNREACHABLE_MODEL, push_config
from tests.app.test_github_gateway import job_for, worker_context
from tests.e2e.conftest import MODEL
from tests.github_simulator.payloads import issue_comment_created
from tests.github_simulator.world import SimPull
from tests.host_pytest import HOST_PYTEST_CMD


def context_with_records(tmp_path, simulator, store, env):
    context = worker_context(tmp_path, simulator, store)
    context.env = env
    context.services = pipeline_services(env, tmp_path)
    context.records = SqlRecords(f"sqlite:///{tmp_path / 'redfix.db'}")
    return context


def run_build(store, context, job: FixJob) -> str:
    """How the build's job ended: its result, when it finished its work (a job that reached
    the unreachable model fails: its result names the model server)."""
    store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                          decision="queued", job=job)
    run_job(job.job_id, context, retries_left=0)
    record = store.job(job.job_id)
    assert record is not None and record.state in (JobState.DONE, JobState.FAILED), record
    return record.result


def clones(simulator) -> int:
    return len(simulator.world.requests_to("GET", "info/refs"))


def test_a_repository_at_its_daily_cap_says_so_once_and_runs_nothing(
    tmp_path, simulator, red_repo
):
    repo, _ = red_repo
    push_config(tmp_path, repo, REDFIX_CONFIG + "max_jobs_per_day: 2\n")
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    for hours_ago in (30, 5, 1):  # one of them outside the 24 hours
        context.records.start_run(JobRun(REPO, "0" * 40, time.time() - hours_ago * 3600))
    job = replace(job_for(repo), run_id=None)
    result = run_build(store, context, job)  # the model is unreachable: it was never asked
    assert '"status": "capped"' in result
    [check] = repo.check_runs
    assert (check.conclusion, check.title) == ("neutral",
                                               "not tried: the repository's cap is reached")
    assert "2 fix runs in octo-org/bookshop in the last 24 hours" in (check.summary or "")
    assert "`max_jobs_per_day` allows (2)" in (check.summary or "")
    assert repo.branches() == ["main"] and repo.pulls == {}
    assert len(context.records.runs(repository=REPO)) == 3, "a capped run is not a run"


@pytest.fixture
def scripted_env(scripted_model) -> dict[str, str]:
    return {"REDFIX_CONNECTOR": "openai", "REDFIX_BASE_URL": scripted_model.base_url,
            "REDFIX_MODEL": MODEL, "REDFIX_SANDBOX": "local", "REDFIX_TEST_CMD": HOST_PYTEST_CMD}


def test_a_failure_tried_without_a_fix_is_not_tried_again_on_the_same_code(
    tmp_path, simulator, red_repo, scripted_model, scripted_env
):
    repo, _ = red_repo
    push_config(tmp_path, repo, REDFIX_CONFIG + "max_attempts_per_failure: 1\n")
    sha = repo.ref("main") or ""
    repo.pulls[1] = SimPull(1, "feature", "main", "a change", None, sha, sha)
    repo.next_issue = 2
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, scripted_env)
    scripted_model.script(*["I am not sure what is wrong here."] * 6)
    first = replace(job_for(repo, pulls=(1,)), run_id=None, head_sha=sha)
    assert '"status": "not-fixed"' in run_build(store, context, first)
    asked = len(scripted_model.requests)
    assert asked > 0
    [tried] = context.records.runs(repository=REPO)
    assert tried.status == "not-fixed" and "bookshop/catalog.py" in tried.suspects

    again = replace(first, delivery_id="d-2")  # the same red build, delivered again later
    assert '"status": "capped"' in run_build(store, context, again)
    assert len(scripted_model.requests) == asked, "the capped run never asked the model"
    assert [c.conclusion for c in repo.check_runs] == ["neutral", "neutral"]
    assert "not tried again" in repo.check_runs[1].title
    summary = repo.check_runs[1].summary or ""
    assert "tried this failure 1 times without finding a fix" in summary
    assert "bookshop/catalog.py" in summary and "/redfix fix" in summary
    [comment] = [c for c in repo.comments.values() if c.issue == 1]  # one, edited in place
    assert "tried this failure 1 times" in comment.body
    assert not any(branch.startswith("redfix/") for branch in repo.branches())

    simulator.world.permissions[(REPO, "writer")] = "write"  # a person asks: it runs
    assert comment_command(simulator, repo, context, "fix", "c-1").status == "fix-done"
    assert len(scripted_model.requests) > asked, "`/redfix fix` is not held by the cap"


def test_the_label_on_an_issue_pauses_the_repository_before_any_clone(
    tmp_path, simulator, red_repo
):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    issue = simulator.world.add_issue(repo, "release freeze", labels=("redfix:off",))
    before = clones(simulator)
    assert '"status": "declined"' in run_build(store, context, replace(job_for(repo),
                                                                       run_id=None))
    assert clones(simulator) == before, "a paused repository is not even cloned"
    assert repo.check_runs == [] and repo.branches() == ["main"]
    repo.labels[issue] = []
    result = run_build(store, context, replace(job_for(repo), delivery_id="d-2", run_id=None))
    assert "127.0.0.1:9" in result, "without the label the job went on to the model"


def comment_command(simulator, repo, context, word: str, delivery: str, *, number: int = 1):
    payload = issue_comment_created(simulator.world, repo, number, f"/redfix {word}",
                                    login="writer")
    job = FixJob(delivery_id=delivery, event="issue_comment", installation_id=INSTALLATION,
                 repository=REPO, clone_url=repo.clone_url, default_branch="main", head_sha="",
                 head_branch="", issue_number=number, comment_id=payload["comment"]["id"],
                 sender="writer", command=word, created_at="2026-01-02T03:04:05Z",
                 on_issue=number in repo.issues)
    return run_command(job, context, logger=_logger())


def _logger():
    import logging

    return logging.LoggerAdapter(logging.getLogger("test.pauses"), {})


def test_stop_pauses_a_pull_requests_builds_until_resume(tmp_path, simulator, red_repo):
    repo, _ = red_repo
    simulator.world.permissions[(REPO, "writer")] = "write"
    sha = repo.ref("main") or ""
    repo.pulls[1] = SimPull(1, "main", "main", "a change", None, sha, sha)
    repo.next_issue = 2
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    assert comment_command(simulator, repo, context, "stop", "c-1").status == "stopped"
    status = next(c for c in repo.comments.values() if "redfix:status" in c.body)
    assert "paused there" in status.body and "`/redfix resume`" in status.body
    build = replace(job_for(repo, pulls=(1,)), run_id=None)
    before = clones(simulator)
    assert '"status": "declined"' in run_build(store, context, build)
    assert clones(simulator) == before and repo.check_runs == []
    other = replace(job_for(repo), delivery_id="d-other", run_id=None)  # not that PR's build
    assert "127.0.0.1:9" in run_build(store, context, other)

    assert comment_command(simulator, repo, context, "resume", "c-2").status == "resumed"
    assert comment_command(simulator, repo, context, "resume", "c-3").status == "not-paused"
    assert "127.0.0.1:9" in run_build(store, context, replace(build, delivery_id="d-3"))


def test_stop_in_an_issue_pauses_the_whole_repository(tmp_path, simulator, red_repo):
    repo, _ = red_repo
    simulator.world.permissions[(REPO, "writer")] = "write"
    issue = simulator.world.add_issue(repo, "redfix is too busy")
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    assert comment_command(simulator, repo, context, "stop", "c-1",
                          number=issue).status == "stopped"
    [pause] = context.records.pauses(REPO)
    assert (pause.number, pause.by) == (0, "writer")
    assert '"status": "declined"' in run_build(store, context, replace(job_for(repo),
                                                                       run_id=None))
    assert comment_command(simulator, repo, context, "resume", "c-2",
                          number=issue).status == "resumed"
    assert context.records.pauses(REPO) == []


def test_a_reader_cannot_stop_redfix(tmp_path, simulator, red_repo):
    repo, _ = red_repo
    simulator.world.permissions[(REPO, "writer")] = "read"
    issue = simulator.world.add_issue(repo, "stop it")
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    assert comment_command(simulator, repo, context, "stop", "c-1",
                          number=issue).status == "refused"
    assert context.records.pauses(REPO) == []


def test_commands_on_a_paused_pull_request_say_so_and_start_nothing(
    tmp_path, simulator, red_repo
):
    repo, _ = red_repo
    simulator.world.permissions[(REPO, "writer")] = "write"
    sha = repo.ref("main") or ""
    repo.pulls[1] = SimPull(1, "main", "main", "a change", None, sha, sha)
    repo.next_issue = 2
    simulator.world.add_issue(repo, "freeze", labels=("redfix:off",))
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    before = clones(simulator)
    assert comment_command(simulator, repo, context, "retry", "c-1").status == "paused"
    status = next(c for c in repo.comments.values() if "redfix:status" in c.body)
    assert "Not started: issue #2 has the label redfix:off" in status.body
    assert clones(simulator) == before


def test_an_installation_that_may_not_read_issues_still_fixes(tmp_path, simulator, red_repo,
                                                               caplog):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    context = context_with_records(tmp_path, simulator, store, dict(UNREACHABLE_MODEL))
    simulator.world.fail_next("GET", f"/repos/{REPO}/issues", status=403, headers={},
                              message="Resource not accessible by integration")
    assert "127.0.0.1:9" in run_build(store, context, replace(job_for(repo), run_id=None))
    assert "accept the app's new `issues` permission" in caplog.text
