"""The service killed with SIGKILL in the middle of a job, then restarted: the job is
retried from its record and still opens exactly one pull request."""

from __future__ import annotations

import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.app.conftest import SECRET, ServiceProcess, service_env, wait_for
from tests.app.test_service_e2e import jobs_table
from tests.e2e.conftest import ScriptedModel
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE
from tests.github_simulator.payloads import signed, workflow_run_failure

pytestmark = pytest.mark.slow


class GatedModel(ScriptedModel):
    """Holds its first request open (the job is mid-pipeline) until the test releases it."""

    def __init__(self, server: HTTPServer) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.held = 0
        super().__init__(server)

    def _complete(self, request: Request) -> Response:
        if not self.started.is_set():
            self.held += 1
            self.started.set()
            self.release.wait(timeout=60)
            return Response("the client is gone", status=503)
        return super()._complete(request)


@pytest.fixture
def gated_model(httpserver: HTTPServer) -> GatedModel:
    model = GatedModel(httpserver)
    yield model
    model.release.set()
    assert not model.exhausted


def test_sigkill_mid_job_then_restart_finishes_the_job_once(
    tmp_path, octokit, simulator, red_repo, gated_model, service_factory
):
    repo, report = red_repo
    world = simulator.world
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    gated_model.script(CORRECT_SEARCH_REPLACE)
    env = service_env(tmp_path, simulator, gated_model)
    log = tmp_path / "service.log"
    first = ServiceProcess(env, log).start()
    service_factory.append(first)
    body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    assert first.post(body, headers).status_code == 202
    assert gated_model.started.wait(timeout=120), log.read_text()[-3000:]

    first.kill()
    gated_model.release.set()
    assert [state for _, state, _ in jobs_table(tmp_path)] == ["running"]
    assert repo.pulls == {}

    second = ServiceProcess(env, log).start()
    service_factory.append(second)
    wait_for(lambda: [s for _, s, _ in jobs_table(tmp_path)] == ["done"], timeout=120,
             what="the interrupted job to finish after the restart", log=log)
    ((_, _, executions),) = jobs_table(tmp_path)
    assert executions == 2, "claimed by the killed process, then once more after the restart"
    assert len(repo.pulls) == 1 and len(repo.check_runs) == 1
    assert gated_model.held == 1 and len(gated_model.repair_requests()) == 1
    assert second.post(body, headers).json()["status"] == "duplicate"
