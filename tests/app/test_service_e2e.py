"""The service end to end: real webhook payloads, signed, to `python -m bot.app serve`
running as a process; redfix clones from and pushes to the GitHub simulator's git server and
opens its pull request through PyGithub; the model is a scripted OpenAI-compatible server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.redis_store import RedisStore
from tests.app.conftest import ROOT, SECRET, ServiceProcess, service_env, wait_for
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, FIXED_CATALOG_LINE
from tests.github_simulator.openapi import problems_in
from tests.github_simulator.payloads import check_run_failure, signed, workflow_run_failure
from tests.host_pytest import HOST_PYTEST

pytestmark = pytest.mark.slow

FAILING_TEST = "tests.test_catalog::test_first_page_starts_with_first_item"


def jobs_table(tmp_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(tmp_path / "data" / "service.db") as db:
        return db.execute("SELECT job_id, state, executions FROM jobs").fetchall()


def test_red_workflow_run_becomes_one_pull_request(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory
):
    repo, report = red_repo
    world = simulator.world
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    scripted_model.script(CORRECT_SEARCH_REPLACE, CORRECT_SEARCH_REPLACE)
    world.fail_next("POST", f"/repos/{repo.full_name}/pulls", status=403,
                    headers={"Retry-After": "1"},
                    message="You have exceeded a secondary rate limit.")
    log = tmp_path / "service.log"
    service = ServiceProcess(service_env(tmp_path, simulator, scripted_model), log).start()
    service_factory.append(service)

    body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    answer = service.post(body, headers)
    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    wait_for(lambda: [s for _, s, _ in jobs_table(tmp_path)] == ["done"], timeout=120,
             what="the job", log=log)

    assert len(repo.pulls) == 1
    pull = repo.pulls[1]
    assert pull.head.startswith("redfix/main-") and pull.base == "main"
    assert FIXED_CATALOG_LINE in repo.file_at(pull.head, "bookshop/catalog.py")
    assert repo.file_at("main", "bookshop/catalog.py") != repo.file_at(pull.head,
                                                                         "bookshop/catalog.py")
    assert f"| `{FAILING_TEST}` | failed | passed |" in (pull.body or "")
    for section in ("### Root cause", "### Validation", "local** sandbox", "scripted-coder",
                    "### Reproduce locally", "/redfix explain", run.head_sha[:7]):
        assert section in (pull.body or ""), section
    check = repo.check_runs[-1]
    assert (check.name, check.head_sha, check.conclusion) == ("redfix", run.head_sha, "success")

    clone = world.requests_to("POST", f"/git/{repo.full_name}.git/git-upload-pack")
    push = world.requests_to("POST", f"/git/{repo.full_name}.git/git-receive-pack")
    assert clone and clone[-1].status == 200, "cloned over HTTP with the installation token"
    assert push and push[-1].status == 200, "pushed over HTTP with the installation token"
    pulls_posted = world.requests_to("POST", f"/repos/{repo.full_name}/pulls")
    assert [e.status for e in pulls_posted] == [403, 201]
    assert pulls_posted[1].at - pulls_posted[0].at >= 1.0, "retried after Retry-After"

    redelivered = service.post(body, headers)
    assert redelivered.status_code == 202 and redelivered.json()["status"] == "duplicate"
    assert len(jobs_table(tmp_path)) == 1, "a redelivery creates no second job"

    again, again_headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    assert service.post(again, again_headers).json()["status"] == "queued"
    wait_for(lambda: [s for _, s, _ in jobs_table(tmp_path)] == ["done", "done"], timeout=120,
             what="the second job", log=log)
    assert len(repo.check_runs) == 2
    assert len(repo.pulls) == 1, "the same failure updates the existing pull request"
    assert world.requests_to("PATCH", f"/repos/{repo.full_name}/pulls/1")
    assert problems_in(world.exchanges) == []


def test_failed_check_of_another_ci_is_fixed_by_running_the_suite(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory
):
    repo, _ = red_repo
    world = simulator.world
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    log = tmp_path / "service.log"
    service = ServiceProcess(service_env(tmp_path, simulator, scripted_model), log).start()
    service_factory.append(service)
    payload = check_run_failure(world, repo, branch="main", sha=repo.ref("main"))
    body, headers = signed("check_run", payload, SECRET)
    assert service.post(body, headers).json()["status"] == "queued"
    wait_for(lambda: [s for _, s, _ in jobs_table(tmp_path)] == ["done"], timeout=120,
             what="the job", log=log)
    (pull,) = repo.pulls.values()
    assert pull.base == "main" and FIXED_CATALOG_LINE in repo.file_at(pull.head,
                                                                      "bookshop/catalog.py")
    assert not world.requests_to("GET", "/artifacts"), "a check run has no artifacts to read"
    assert repo.check_runs[-1].conclusion == "success"


def test_build_of_redfix_branch_is_acknowledged_and_ignored(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory
):
    repo, report = red_repo
    world = simulator.world
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    run.head_branch = "redfix/main-0123456789ab"
    service = ServiceProcess(service_env(tmp_path, simulator, scripted_model),
                             tmp_path / "service.log").start()
    service_factory.append(service)
    body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    answer = service.post(body, headers)
    assert answer.status_code == 202 and answer.json()["status"] == "ignored"
    assert "loop" in answer.json()["reason"] and jobs_table(tmp_path) == []


def test_web_and_worker_on_two_machines_share_redis(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory, redis_url
):
    """`serve --no-worker` on one machine, `worker` on another: only Redis is shared."""
    repo, report = red_repo
    world = simulator.world
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    web_env = service_env(tmp_path / "web", simulator, scripted_model, REDFIX_REDIS_URL=redis_url)
    worker_env = {**web_env, "REDFIX_DATA_DIR": str(tmp_path / "worker" / "data")}
    log = tmp_path / "service.log"
    web = ServiceProcess(web_env, log, worker=False).start()
    service_factory.append(web)
    with log.open("ab") as sink:
        worker = subprocess.Popen([sys.executable, "-m", "bot.app", "worker"], cwd=ROOT,
                                  env=worker_env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
        assert web.post(body, headers).json()["status"] == "queued"
        store = RedisStore(redis_url)
        wait_for(lambda: store.counts()["jobs_done"] == 1, timeout=120, what="the job",
                 log=log)
        assert web.post(body, headers).json()["status"] == "duplicate"
        store.close()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert len(repo.pulls) == 1 and repo.check_runs[-1].conclusion == "success"
    assert not (tmp_path / "web" / "data" / "service.db").exists(), "records live in Redis"


def test_build_without_reports_is_fixed_from_its_log(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory
):
    """No artifact: the failing tests come from pytest's summary in the failed job's log."""
    repo, _ = red_repo
    world = simulator.world
    checkout = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", str(repo.bare), str(checkout)], check=True)
    ci = subprocess.run([*HOST_PYTEST, "-rfE", "-p", "no:cacheprovider"],
                        cwd=checkout, capture_output=True, text=True)
    assert "FAILED tests/test_catalog.py::" in ci.stdout
    run = world.add_run(repo, head_branch="main", reports={}, log=ci.stdout)
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    log = tmp_path / "service.log"
    service = ServiceProcess(service_env(tmp_path, simulator, scripted_model), log).start()
    service_factory.append(service)
    body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    assert service.post(body, headers).json()["status"] == "queued"
    wait_for(lambda: [s for _, s, _ in jobs_table(tmp_path)] == ["done"], timeout=120,
             what="the job", log=log)
    assert "name 2 failing test(s)" in log.read_text()
    (pull,) = repo.pulls.values()
    assert f"`{FAILING_TEST}`" in (pull.body or "")
    assert FIXED_CATALOG_LINE in repo.file_at(pull.head, "bookshop/catalog.py")
