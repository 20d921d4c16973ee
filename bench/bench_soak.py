"""Soak: the service with its workers busy for a while, on loopback only.

Starts the GitHub simulator (several copies of the bookshop, each with a real failing
test), a model server that always answers with the right fix, and
`python -m bot.app serve` with its queue workers (REDFIX_CONCURRENCY, default 2).
Then it sends a signed `workflow_run` failure delivery every --interval seconds for
--seconds (each a new build of one of the repositories, in turn, so jobs of different
repositories run side by side while jobs of one repository queue behind its branch
lock), and keeps watching until the queue drains or --drain-timeout passes.

Every second it samples the service process's resident memory (VmRSS, /proc) and the
job states in its store, and prints a row every --every seconds:

    t (s) | RSS (MB) | queued | running | done | failed

Then a summary: deliveries, jobs done and failed, drained or not, RSS at the first
sample after warm-up, at the end and its peak, the slope of RSS over the second half of
the samples (a least-squares fit, MB per minute: the first jobs load the model-side
libraries once, which is growth but not a leak), and pull requests per repository (every job of one
repository fixes the same failure, so each must end with exactly one pull request).

    .venv/bin/python bench/bench_soak.py [--seconds 300] [--interval 4] [--repos 3]
    .venv/bin/python bench/bench_soak.py --json   # the summary as JSON (for the test)

Bounded: at most 1800 s of deliveries, at most 50 repositories.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_httpserver import HTTPServer  # noqa: E402
from werkzeug import Request, Response  # noqa: E402

from tests.app.conftest import (  # noqa: E402
    INSTALLATION,
    SECRET,
    ServiceProcess,
    bookshop_tree,
    junit_report,
    service_env,
)
from tests.e2e.conftest import ScriptedModel  # noqa: E402
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE  # noqa: E402
from tests.github_simulator import GitHubSimulator, SimRepo  # noqa: E402
from tests.github_simulator.payloads import signed, workflow_run_failure  # noqa: E402

MAX_SECONDS = 1800
MAX_REPOS = 50
WARM_UP_S = 10.0


class _Always(list[str]):
    """A script that never runs out, safe for concurrent requests."""

    def __init__(self, answer: str) -> None:
        super().__init__([answer])

    def pop(self, index: int = -1) -> str:  # type: ignore[override]
        return self[0]


class EndlessModel(ScriptedModel):
    """Always the right fix, after `delay_s` (a model takes its time)."""

    def __init__(self, server: HTTPServer, *, delay_s: float) -> None:
        self.delay_s = delay_s
        super().__init__(server)
        self.answers = _Always(CORRECT_SEARCH_REPLACE)

    def _complete(self, request: Request) -> Response:
        time.sleep(self.delay_s)
        return super()._complete(request)


@dataclass
class Sample:
    t: float
    rss_mb: float
    states: dict[str, int]


@dataclass
class Summary:
    seconds: float
    deliveries: int
    jobs: int
    done: int
    failed: int
    drained: bool
    drain_s: float
    rss_first_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    rss_slope_mb_per_min: float
    pulls_per_repo: dict[str, int]
    failures: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def job_states(data_dir: Path) -> dict[str, int]:
    path = data_dir / "service.db"
    if not path.exists():
        return {}
    with sqlite3.connect(path, timeout=10) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())


def failure_reasons(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "service.db", timeout=10) as db:
        rows = db.execute("SELECT job_id, result FROM jobs WHERE state = 'failed'").fetchall()
    return [f"{job_id}: {result}" for job_id, result in rows]


def slope_per_minute(samples: list[Sample]) -> float:
    """Least-squares slope of RSS over time, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(s.t for s in samples) / len(samples)
    mean_r = sum(s.rss_mb for s in samples) / len(samples)
    spread = sum((s.t - mean_t) ** 2 for s in samples)
    if spread == 0:
        return 0.0
    return 60 * sum((s.t - mean_t) * (s.rss_mb - mean_r) for s in samples) / spread


@contextmanager
def world(
    folder: Path, repos: int, *, model_delay_s: float
) -> Iterator[tuple[GitHubSimulator, list[SimRepo], bytes, EndlessModel]]:
    with ExitStack() as stack:
        simulator = stack.enter_context(GitHubSimulator(folder / "github"))
        report = junit_report(bookshop_tree(folder / "report-work"), folder / "junit.xml")
        hosted = [simulator.world.add_repository(f"soak/bookshop{i}",
                                                 bookshop_tree(folder / f"work{i}"),
                                                 installation_id=INSTALLATION)
                  for i in range(repos)]
        server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        server.start()
        stack.callback(server.stop)
        yield simulator, hosted, report, EndlessModel(server, delay_s=model_delay_s)


def soak(args: argparse.Namespace, folder: Path, out: Callable[[str], None]) -> Summary:
    with world(folder, args.repos, model_delay_s=args.model_delay) as (sim, repos, report, model):
        env = service_env(folder, sim, model, REDFIX_CONCURRENCY=str(args.workers),
                          REDFIX_LOG_LEVEL="WARNING", REDFIX_JOB_LEASE_S="30",
                          REDFIX_RETRY_DELAY_S="2", REDFIX_BUSY_DELAY_S="1")
        service = ServiceProcess(env, folder / "service.log").start()
        assert service.process is not None
        try:
            return drive(args, service, sim, repos, report, folder / "data", out)
        finally:
            service.stop()


def drive(args: argparse.Namespace, service: ServiceProcess, sim: GitHubSimulator,
          repos: list[SimRepo], report: bytes, data_dir: Path,
          out: Callable[[str], None]) -> Summary:
    assert service.process is not None
    pid = service.process.pid
    started = time.monotonic()
    samples: list[Sample] = []
    deliveries, next_send, next_print = 0, started, started
    deadline = started + min(args.seconds, MAX_SECONDS)
    drain_deadline = deadline + args.drain_timeout
    out("  t (s) | RSS (MB) | queued | running |  done | failed")
    while True:
        now = time.monotonic()
        sending = deliveries < args.deliveries if args.deliveries else now < deadline
        if sending and now >= next_send:
            send(service, sim, repos[deliveries % len(repos)], report)
            deliveries += 1
            next_send += args.interval
        states = job_states(data_dir)
        samples.append(Sample(round(now - started, 1), round(rss_mb(pid), 1), states))
        if now >= next_print:
            out(f"{now - started:7.0f} | {samples[-1].rss_mb:8.1f} | {states.get('queued', 0):6}"
                f" | {states.get('running', 0):7} | {states.get('done', 0):5}"
                f" | {states.get('failed', 0):6}")
            next_print += args.every
        finished = states.get("done", 0) + states.get("failed", 0)
        if (not sending and finished == deliveries) or now >= drain_deadline:
            break
        time.sleep(1.0)
    summary = summarize(samples, deliveries=deliveries, repos=repos, started=started,
                        busy_until=deadline - started)
    summary.failures = failure_reasons(data_dir)
    return summary


def send(service: ServiceProcess, sim: GitHubSimulator, repo: SimRepo, report: bytes) -> None:
    """One new red build of `repo`, delivered signed; it must be queued."""
    run = sim.world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    body, headers = signed("workflow_run", workflow_run_failure(sim.world, repo, run), SECRET)
    assert service.post(body, headers).json()["status"] == "queued"


def summarize(samples: list[Sample], *, deliveries: int, repos: list[SimRepo],
              started: float, busy_until: float) -> Summary:
    last = samples[-1].states
    warm = [s for s in samples if s.t >= WARM_UP_S] or samples
    settled = warm[len(warm) // 2 :]  # the second half: start-up loading is over
    done, failed = last.get("done", 0), last.get("failed", 0)
    return Summary(
        seconds=round(time.monotonic() - started, 1),
        deliveries=deliveries,
        jobs=sum(last.values()),
        done=done,
        failed=failed,
        drained=done + failed == deliveries and not last.get("queued") and
        not last.get("running"),
        drain_s=round(samples[-1].t - busy_until, 1),
        rss_first_mb=warm[0].rss_mb,
        rss_end_mb=samples[-1].rss_mb,
        rss_peak_mb=max(s.rss_mb for s in samples),
        rss_slope_mb_per_min=round(slope_per_minute(settled), 2),
        pulls_per_repo={repo.full_name: len(repo.pulls) for repo in repos},
        samples=samples,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Soak the service with busy workers.")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between sends")
    parser.add_argument("--deliveries", type=int, default=0,
                        help="send exactly this many, then drain (default: until --seconds)")
    parser.add_argument("--repos", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model-delay", type=float, default=0.5)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--every", type=float, default=10, help="seconds between table rows")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs)")
    args = parser.parse_args(argv)
    args.repos = max(1, min(args.repos, MAX_REPOS))
    out = (lambda line: print(line, file=sys.stderr)) if args.json else print
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        summary = soak(args, args.keep.resolve(), out)
    else:
        with tempfile.TemporaryDirectory(prefix="redfix-soak-") as folder:
            summary = soak(args, Path(folder), out)
    if args.json:
        record = asdict(summary)
        record["samples"] = len(summary.samples)
        print(json.dumps(record))
        return 0
    print(f"\nworkers {args.workers}, repositories {args.repos}, one delivery every "
          f"{args.interval} s for {args.seconds} s")
    print(f"deliveries {summary.deliveries}, jobs {summary.jobs}: {summary.done} done, "
          f"{summary.failed} failed; drained: {summary.drained} "
          f"({summary.drain_s} s after the last delivery)")
    print(f"RSS after warm-up {summary.rss_first_mb} MB, at the end {summary.rss_end_mb} MB, "
          f"peak {summary.rss_peak_mb} MB; slope while busy "
          f"{summary.rss_slope_mb_per_min} MB/min over the second half")
    for reason in summary.failures:
        print(f"failed: {reason}")
    print(f"pull requests per repository: {summary.pulls_per_repo}")
    return 0 if summary.drained else 1


if __name__ == "__main__":
    sys.exit(main())
