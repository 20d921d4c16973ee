"""Webhook acknowledgement under load: signed deliveries at a fixed rate on loopback.

Starts `python -m bot.app serve --no-worker` (the web process alone: the
acknowledgement path is what is measured; workers run elsewhere) on 127.0.0.1
with a fresh SQLite store and queue, then sends signed `workflow_run` failure
deliveries at --rate per second for --seconds (at most 60), open loop: each
request leaves at its scheduled time whether or not earlier ones were answered,
and its latency counts from that scheduled time. A share (--redeliver) of the
sends repeat an earlier delivery id, as GitHub's redelivery does.

Afterwards it checks the records: every distinct delivery recorded once, one
queued job per distinct delivery and one queue message per job; every
redelivery answered "duplicate". Prints a table.

    .venv/bin/python bench/bench_webhook.py [--rate 200] [--seconds 20]

Target (issue 5): p99 acknowledgement under 50 ms at 200 requests/s on 2 cores,
no delivery lost or processed twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app.webhooks import sign  # noqa: E402

SECRET = "bench-webhook-secret"
MAX_SECONDS = 60


def payload(number: int) -> bytes:
    return json.dumps({
        "action": "completed",
        "installation": {"id": 1},
        "repository": {"full_name": f"bench/repo{number % 50}", "default_branch": "main",
                       "clone_url": f"https://example.invalid/bench/repo{number % 50}.git"},
        "workflow_run": {"id": number, "conclusion": "failure", "head_branch": "main",
                         "head_sha": f"{number:040x}", "pull_requests": [],
                         "html_url": f"https://example.invalid/runs/{number}"},
        "padding": "x" * 6000,  # real workflow_run payloads are 7-20 kB
    }).encode()


def start_service(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "REDFIX_WEBHOOK_SECRET": SECRET, "REDFIX_DATA_DIR": str(data_dir),
           "REDFIX_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("REDFIX_REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.app", "serve", "--no-worker", "--host", "127.0.0.1",
         "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "service.log", "wb"))  # noqa: SIM115 - lives with the process
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the service did not start; see " + str(data_dir / "service.log"))


class Connections:
    """Keep-alive HTTP/1.1 connections to the service: a minimal client, so the load
    generator spends as little of the shared CPU as possible."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue())

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        reader, writer = await self.idle.get()
        try:
            lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                     f"Content-Length: {len(body)}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            return status, await reader.readexactly(length)
        finally:
            self.idle.put_nowait((reader, writer))

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait()[1].close()


async def send_all(url: str, *, rate: float, seconds: float, redeliver: float,
                   seed: int) -> list[tuple[str, bool, int, str, float]]:
    """(delivery id, is redelivery, HTTP status, answered status, latency s) per send."""
    rng = random.Random(seed)
    total = int(rate * seconds)
    plan: list[tuple[str, bool, bytes, str]] = []
    for number in range(total):
        if plan and rng.random() < redeliver:
            delivery, _, body, signature = plan[rng.randrange(len(plan))]
            plan.append((delivery, True, body, signature))
        else:
            body = payload(number)
            plan.append((str(uuid.UUID(int=rng.getrandbits(128))), False, body,
                         sign(body, SECRET)))
    host, port = url.removeprefix("http://").split(":")
    pool = Connections(host, int(port), size=64)
    await pool.open()
    results: list[tuple[str, bool, int, str, float]] = []
    started = time.perf_counter()

    async def one(index: int, delivery: str, again: bool, body: bytes, signature: str) -> None:
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        headers = {"X-GitHub-Event": "workflow_run", "X-GitHub-Delivery": delivery,
                   "X-Hub-Signature-256": signature, "Content-Type": "application/json"}
        try:
            status, answer = await pool.post("/webhook", body, headers)
            said = json.loads(answer).get("status", "")
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, said = 0, type(exc).__name__
        results.append((delivery, again, status, said, time.perf_counter() - due))

    await asyncio.gather(*(one(i, *entry) for i, entry in enumerate(plan)))
    pool.close()
    return results


def records(data_dir: Path) -> tuple[int, int, int]:
    with sqlite3.connect(data_dir / "service.db") as db:
        deliveries = db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
        jobs = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()[0]
    with sqlite3.connect(data_dir / "queue.db") as db:
        messages = db.execute("SELECT COUNT(*) FROM task").fetchone()[0]
    return deliveries, jobs, messages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help=f"at most {MAX_SECONDS}")
    parser.add_argument("--redeliver", type=float, default=0.05, help="share of redeliveries")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory(prefix="redfix-bench-") as folder:
        data_dir = Path(folder)
        process, url = start_service(data_dir)
        try:
            wall = time.perf_counter()
            results = asyncio.run(send_all(url, rate=args.rate, seconds=seconds,
                                           redeliver=args.redeliver, seed=args.seed))
            wall = time.perf_counter() - wall
            deliveries, jobs, messages = records(data_dir)
            handler_p99 = server_side_p99(url)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"server-side handler time p99 (from /metrics): {handler_p99}")
    return report(results, args=args, seconds=seconds, wall=wall,
                  recorded=(deliveries, jobs, messages))


def server_side_p99(url: str) -> str:
    """The bucket of the service's own ack histogram that holds its 99th percentile: the
    time spent in the handler, without the waits for a CPU on a busy machine."""
    buckets: list[tuple[float, float]] = []
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("redfix_webhook_ack_seconds_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0
    for bound, count in buckets:
        if total and count >= 0.99 * total:
            return f"<= {bound * 1000:g} ms"
    return "unknown"


def report(results: list[tuple[str, bool, int, str, float]], *, args: argparse.Namespace,
           seconds: float, wall: float, recorded: tuple[int, int, int]) -> int:
    """Print the table; 0 when nothing was lost or processed twice."""
    deliveries, jobs, messages = recorded
    latencies = [r[4] * 1000 for r in results if r[2] == 202]
    distinct = {r[0] for r in results}
    first_times = [r for r in results if not r[1]]
    wrong = [r for r in results if r[2] != 202
             or r[3] != ("duplicate" if r[1] else "queued")]
    rows = [
        ("deliveries sent", f"{len(results)} ({len(results) - len(first_times)} redeliveries)"),
        ("offered rate", f"{args.rate:.0f}/s for {seconds:.0f} s"),
        ("achieved rate", f"{len(results) / wall:.1f}/s"),
        ("ack latency p50", f"{statistics.median(latencies):.1f} ms"),
        ("ack latency p95", f"{percentile(latencies, 0.95):.1f} ms"),
        ("ack latency p99", f"{percentile(latencies, 0.99):.1f} ms"),
        ("ack latency max", f"{max(latencies):.1f} ms"),
        ("non-202 or wrong answers", str(len(wrong))),
        ("deliveries recorded", f"{deliveries} (distinct sent: {len(distinct)})"),
        ("jobs queued", f"{jobs} (expected {len(distinct)})"),
        ("queue messages", f"{messages} (expected {len(distinct)})"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    ok = not wrong and deliveries == jobs == messages == len(distinct)
    p99 = percentile(latencies, 0.99)
    print(f"\nno delivery lost or processed twice: {'yes' if ok else 'NO'}; "
          f"p99 {p99:.1f} ms {'<' if p99 < 50 else '>='} 50 ms target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
