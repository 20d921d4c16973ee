"""`/redfix retry`, `/redfix tests` and `/redfix stop` from a writer, a permission lookup
GitHub cannot answer, and a rejected fix, end to end: signed webhooks to the service
process, the GitHub simulator and a scripted OpenAI-compatible model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from connectors.records.sql import SqlRecords
from tests.app.conftest import SECRET, ServiceProcess, git, service_env, wait_for
from tests.app.test_conversation_e2e import status_comments
from tests.app.test_service_e2e import jobs_table
from tests.e2e.conftest import ScriptedModel
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, FIXED_CATALOG_LINE
from tests.github_simulator.openapi import problems_in
from tests.github_simulator.payloads import (
    issue_comment_created,
    pull_request_closed,
    review_submitted,
    signed,
    workflow_run_failure,
)
from tests.github_simulator.world import SimRepo, World

pytestmark = pytest.mark.slow

REGRESSION_TEST = '''```python
from bookshop.catalog import paginate


def test_paginate_behaviour():
    assert paginate(list(range(10)), page=2, per_page=3) == [3, 4, 5]
```'''
RATE_LIMITED = "API rate limit exceeded for installation ID 31337."
REASON = "This hides the bug instead of fixing it: keep page numbers as they are."


class HeldModel(ScriptedModel):
    """The scripted model, whose answers can be held back while a job waits for one."""

    def __init__(self, server: HTTPServer) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.asked = threading.Event()
        super().__init__(server)

    def hold(self) -> None:
        self.asked.clear()
        self.gate.clear()

    def _complete(self, request: Request) -> Response:
        self.asked.set()
        self.gate.wait(timeout=120)
        return super()._complete(request)


@pytest.fixture
def model(httpserver: HTTPServer) -> Iterator[HeldModel]:
    held = HeldModel(httpserver)
    yield held
    held.gate.set()
    assert not held.exhausted, "redfix asked the model more often than the test scripted"


class Conversation:
    """Webhooks to the service; each call waits until the job it queued has settled."""

    def __init__(self, tmp_path: Path, service: ServiceProcess, log: Path) -> None:
        self.tmp_path, self.service, self.log = tmp_path, service, log

    def states(self) -> dict[str, str]:
        return {job_id: state for job_id, state, _ in jobs_table(self.tmp_path)}

    def post(self, event: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        body, headers = signed(event, payload, SECRET)
        answer: dict[str, Any] = self.service.post(body, headers).json()
        return headers["X-GitHub-Delivery"], answer

    def wait(self, delivery: str, what: str) -> None:
        wait_for(lambda: self.states().get(delivery) in ("done", "failed"), timeout=180,
                 what=what, log=self.log)
        assert self.states()[delivery] == "done", self.log.read_text()[-3000:]

    def send(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        delivery, answer = self.post(event, payload)
        assert answer["status"] == "queued", answer
        self.wait(delivery, f"the {event} job")
        return answer


def start(tmp_path: Path, simulator: Any, model: ScriptedModel,
          service_factory: list[ServiceProcess], **env: str) -> Conversation:
    log = tmp_path / "service.log"
    service = ServiceProcess(service_env(tmp_path, simulator, model, **env), log).start()
    service_factory.append(service)
    return Conversation(tmp_path, service, log)


def redfix_comments(repo: SimRepo, number: int) -> list[int]:
    return [c.comment_id for c in repo.comments.values() if c.user is None and c.issue == number]


def comment(world: World, repo: SimRepo, number: int, body: str, *,
            at: str = "2026-01-02T03:04:05Z") -> dict[str, Any]:
    return issue_comment_created(world, repo, number, body, login="writer", created_at=at)


def eyes(repo: SimRepo, payload: dict[str, Any]) -> list[tuple[str, str]]:
    return repo.comments[payload["comment"]["id"]].reactions


def test_retry_tests_and_stop_from_a_writer(tmp_path, octokit, simulator, red_repo, model,
                                            service_factory):
    repo, report = red_repo
    world = simulator.world
    world.permissions[(repo.full_name, "writer")] = "write"
    model.script(CORRECT_SEARCH_REPLACE)
    talk = start(tmp_path, simulator, model, service_factory, REDFIX_FIX_MEMORY="off")
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    talk.send("workflow_run", workflow_run_failure(world, repo, run))
    (pull,) = repo.pulls.values()
    pr_url = f"{world.base_url}/web/{repo.full_name}/pull/{pull.number}"

    # GitHub cannot say whether the writer may command redfix (rate limited): nothing runs,
    # nobody is refused, and the status comment says what happened and what to do.
    world.fail_next("GET", "/collaborators/writer/permission", status=403, headers={},
                    message=RATE_LIMITED)
    limited = comment(world, repo, pull.number, "/redfix retry")
    talk.send("issue_comment", limited)
    (status,) = status_comments(repo)
    assert "could not finish" in status.body and "could not check whether @writer" in status.body
    assert "try `/redfix retry` again" in status.body and "rate limit" in status.body
    assert eyes(repo, limited) == [] and len(model.repair_requests()) == 1
    assert not [c for c in repo.comments.values() if "redfix:refusal" in c.body]

    # retry: 👀, the job runs again from the build redfix answered, the same pull request is
    # updated, and the one status comment is edited in place.
    model.script(CORRECT_SEARCH_REPLACE)
    retry = comment(world, repo, pull.number, "/redfix retry")
    talk.send("issue_comment", retry)
    assert eyes(repo, retry) == [("eyes", "redfix[bot]")]
    assert [c.comment_id for c in status_comments(repo)] == [status.comment_id]
    assert "✅ `/redfix retry` for @writer is done" in status.body
    assert f"Validated fix: {pr_url}" in status.body and "reproduce: run" in status.body
    assert len(model.repair_requests()) == 2 and "Hint from a maintainer" not in model.prompts()[-1]
    assert len(repo.pulls) == 1 and FIXED_CATALOG_LINE in repo.file_at(pull.head,
                                                                        "bookshop/catalog.py")

    # tests: a regression test for the pull request's change, pushed to redfix's branch.
    model.script(REGRESSION_TEST)
    tests = comment(world, repo, pull.number, "/redfix tests")
    talk.send("issue_comment", tests)
    assert eyes(repo, tests) == [("eyes", "redfix[bot]")]
    assert "✅ `/redfix tests` for @writer is done" in status.body
    assert "Added the regression test `tests/test_catalog.py::test_paginate_behaviour`" in \
        status.body
    assert "+    start = (page - 1) * per_page" in model.prompts()[-1]
    test_file = repo.file_at(pull.head, "tests/test_catalog.py")
    assert "def test_paginate_behaviour():" in test_file and "def test_page_count" in test_file
    assert FIXED_CATALOG_LINE in repo.file_at(pull.head, "bookshop/catalog.py")

    # stop, while a fix runs: the stop is taken at once, the fix pushes nothing.
    pushed = repo.ref(pull.head)
    model.hold()
    model.script(CORRECT_SEARCH_REPLACE)
    fix = comment(world, repo, pull.number, "/redfix fix", at="2026-01-02T04:00:00Z")
    fixing, answer = talk.post("issue_comment", fix)
    assert answer["status"] == "queued"
    wait_for(model.asked.is_set, timeout=180, what="the fix to ask the model", log=talk.log)
    stop = comment(world, repo, pull.number, "/redfix stop", at="2026-01-02T04:01:00Z")
    talk.send("issue_comment", stop)
    assert eyes(repo, stop) == [("eyes", "redfix[bot]")]
    assert "`/redfix stop` for @writer is done" in status.body
    assert "stopped its work on this pull request" in status.body
    assert talk.states()[fixing] == "running"
    model.gate.set()
    talk.wait(fixing, "the stopped fix")
    assert "⏹️ `/redfix fix` for @writer was stopped" in status.body
    assert "nothing more was pushed" in status.body
    assert repo.ref(pull.head) == pushed and len(repo.pulls) == 1

    assert redfix_comments(repo, pull.number) == [status.comment_id], "no comment spam"
    assert all(eyes(repo, c) == [("eyes", "redfix[bot]")] for c in (retry, tests, fix, stop))
    assert problems_in(world.exchanges) == []


def test_a_rejected_fix_is_a_warning_never_an_example(tmp_path, octokit, simulator, red_repo,
                                                      model, service_factory):
    repo, report = red_repo
    world = simulator.world
    git(tmp_path / "work", "branch", "feature")  # the same bug on a second branch, for later
    git(tmp_path / "work", "push", "-q", str(repo.bare), "feature")
    model.script(CORRECT_SEARCH_REPLACE)
    talk = start(tmp_path, simulator, model, service_factory, REDFIX_FIX_MEMORY="hashing")
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    talk.send("workflow_run", workflow_run_failure(world, repo, run))
    (pull,) = repo.pulls.values()

    talk.send("pull_request_review", review_submitted(world, repo, pull,
                                                      state="changes_requested", body=REASON))
    pull.state = "closed"  # closed without merging
    talk.send("pull_request", pull_request_closed(world, repo, pull))
    records = SqlRecords(f"sqlite:///{tmp_path / 'data' / 'redfix.db'}")
    record = records.fix(repo.full_name, pull.number)
    assert record is not None and record.state == "rejected" and record.score < 0
    assert record.survival is None and FIXED_CATALOG_LINE.strip() in record.diff
    kinds = [(e.kind, e.actor) for e in records.events(repo.full_name, pull.number)]
    assert kinds == [("changes_requested", "reviewer"), ("closed", "maintainer")]

    # The same failure on another branch, in a build without reports: the pipeline finds the
    # failures by running the suite, then asks fix memory. The rejected fix is no example;
    # the reviewer's reason is something to avoid.
    model.script(CORRECT_SEARCH_REPLACE)
    again = world.add_run(repo, head_branch="feature", reports={})
    talk.send("workflow_run", workflow_run_failure(world, repo, again))
    prompt = model.prompts()[-1]
    assert "## Fixes reviewers accepted" not in prompt
    avoid = prompt.split("## Reviewers rejected fixes like these before")[1]
    assert REASON in avoid
    assert "baseline: running the whole test suite" in talk.log.read_text()
    assert len(repo.pulls) == 2, "a new pull request for the new build"
    assert problems_in(world.exchanges) == []
