"""A short soak in CI: bench/bench_soak.py with two workers busy on real jobs (clone,
reproduce, fix, validate, pull request): three builds, two of them of one repository (so
one job waits for the other's branch lock, then updates its pull request), loopback only.
The queue drains, no job fails or is lost, each repository ends with exactly one pull
request, and the service's memory stays bounded. The long run is in docs/RELIABILITY.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_busy_workers_drain_the_queue_with_one_pull_request_per_repository():
    done = subprocess.run(
        [sys.executable, "bench/bench_soak.py", "--deliveries", "3", "--interval", "1",
         "--seconds", "3", "--repos", "2", "--workers", "2", "--model-delay", "0.2",
         "--drain-timeout", "300", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    deliveries = summary["deliveries"]
    assert deliveries == 3 and summary["jobs"] == deliveries, summary
    assert summary["drained"] and summary["done"] == deliveries, summary
    assert summary["failures"] == [], summary
    assert summary["pulls_per_repo"] == {"soak/bookshop0": 1, "soak/bookshop1": 1}
    assert summary["rss_peak_mb"] < 2048, "the service's memory stays bounded"
