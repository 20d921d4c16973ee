"""Several workers, one store: two `redfix worker` processes with data directories of their
own (two machines) share Redis (the queue), one PostgreSQL database (the records) and one
Chroma server (fix memory). A pull request one worker opened is graded by the other, and
what one learned the other recalls; the web process reports both workers' fixes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.app.redis_store import RedisStore
from bot.core.records import EventKind, FixState
from connectors.records.sql import SqlRecords, database_url
from tests.app.conftest import ROOT, SECRET, ServiceProcess, git, service_env, wait_for
from tests.connectors.records.conftest import postgres_server, postgres_url  # noqa: F401
from tests.connectors.vector.test_chroma_server import chroma_url  # noqa: F401
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE
from tests.github_simulator.payloads import (
    pull_request_closed,
    review_submitted,
    signed,
    workflow_run_failure,
)
from tests.github_simulator.world import merge_pull

pytestmark = pytest.mark.slow

TOKEN = "operator-token-of-the-shared-test"
RECALLED = "## Fixes reviewers accepted for similar failures"


class Worker:
    """`python -m bot.app worker` on a machine of its own (its own data directory)."""

    def __init__(self, env: dict[str, str], machine: Path) -> None:
        self.env = {**env, "REDFIX_DATA_DIR": str(machine / "data")}
        self.machine = machine
        self.log = machine / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Worker:
        self.machine.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen([sys.executable, "-m", "bot.app", "worker"],
                                            cwd=ROOT, env=self.env, stdout=sink,
                                            stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def finished(queue: RedisStore) -> int:
    counts = queue.counts()
    return counts["jobs_done"] + counts["jobs_failed"]


def test_two_workers_share_one_records_store_and_one_fix_memory(
    tmp_path, octokit, simulator, red_repo, scripted_model, service_factory, redis_url,
    postgres_url, chroma_url,  # noqa: F811
):
    repo, report = red_repo
    world = simulator.world
    git(tmp_path / "work", "branch", "feature")  # the same bug on a second branch
    git(tmp_path / "work", "push", "-q", str(repo.bare), "feature")
    env = service_env(tmp_path / "web", simulator, scripted_model, REDFIX_REDIS_URL=redis_url,
                      REDFIX_DATABASE_URL=postgres_url, REDFIX_CHROMA_URL=chroma_url,
                      REDFIX_FIX_MEMORY="hashing", REDFIX_OPERATOR_TOKEN=TOKEN)
    web = ServiceProcess(env, tmp_path / "web.log", worker=False).start()
    service_factory.append(web)
    queue = RedisStore(redis_url)
    records = SqlRecords(database_url({"REDFIX_DATABASE_URL": postgres_url}, tmp_path))
    first, second = Worker(env, tmp_path / "machine-a"), Worker(env, tmp_path / "machine-b")
    sent = 0

    def send(worker: Worker, event: str, payload: dict) -> None:
        nonlocal sent
        body, headers = signed(event, payload, SECRET)
        assert web.post(body, headers).json()["status"] == "queued"
        sent += 1
        wait_for(lambda: finished(queue) == sent, timeout=180, what=f"{event} job",
                 log=worker.log)

    try:
        # Machine A fixes the red build on main and records its pull request.
        scripted_model.script(CORRECT_SEARCH_REPLACE)
        with first:
            run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
            send(first, "workflow_run", workflow_run_failure(world, repo, run))
        (pull,) = repo.pulls.values()
        opened = records.fix(repo.full_name, pull.number)
        assert opened is not None and opened.state is FixState.OPEN

        # Machine B grades it: it finds A's record, and stores the accepted fix in memory.
        with second:
            send(second, "pull_request_review", review_submitted(
                world, repo, pull, state="approved", body="Looks great, thanks!"))
            merge_pull(repo, pull, scratch=tmp_path / "merge")
            send(second, "pull_request", pull_request_closed(world, repo, pull))
        assert "no redfix fix recorded" not in second.log.read_text()
        accepted = records.fix(repo.full_name, pull.number)
        assert accepted is not None and accepted.state is FixState.ACCEPTED
        assert [e.kind for e in records.events(repo.full_name, pull.number)] == [
            EventKind.APPROVED, EventKind.MERGED]

        # Machine A again: the same failure on another branch recalls what B stored.
        scripted_model.script(CORRECT_SEARCH_REPLACE)
        asked = len(scripted_model.prompts())
        with first:
            again = world.add_run(repo, head_branch="feature", reports={"junit.xml": report})
            send(first, "workflow_run", workflow_run_failure(world, repo, again))
        fix_prompt = scripted_model.prompts()[asked]  # then the explanation's prompt
        assert RECALLED in fix_prompt
        assert "(page - 1) * per_page" in fix_prompt.split(RECALLED)[1]
        assert queue.counts()["jobs_done"] == 4, queue.counts()
        assert [(f.pr_number, f.state) for f in records.fixes()] == [
            (pull.number, FixState.ACCEPTED), (max(repo.pulls), FixState.OPEN)]
    finally:
        queue.close()
        records.close()

    # The web process never ran a job: its /stats comes from the shared database.
    stats = httpx.get(f"{web.url}/stats", timeout=10,
                      params={"by": "repository", "period": "all", "format": "json"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert stats.status_code == 200, stats.text
    (row,) = stats.json()["rows"]
    assert (row["group"], row["accepted"], row["open"]) == (repo.full_name, 1, 1), row
    for machine in ("web", "machine-a", "machine-b"):  # nothing kept on one machine only
        data = tmp_path / machine / "data"
        assert not (data / "redfix.db").exists() and not (data / "chroma").exists(), machine
