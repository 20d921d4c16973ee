"""The atheris targets in fuzz/ run for a few seconds each in CI (longer by hand; see
docs/RELIABILITY.md): no crash, and the corpus grows past its seeds, which shows the
fuzzer reaches new code rather than spinning on one input. Also pins the two bugs the
fuzzers found, as plain regression tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.router import Ignore
from bot.app.routing import app_router
from bot.app.webhooks import parse_delivery, sign
from bot.stages.ingest.tracebacks import parse_frames
from fuzz.run import SEEDS, TARGET_NAMES

ROOT = Path(__file__).resolve().parents[2]
CI_SECONDS = 3
SUMMARY = re.compile(r"fuzz (\w+): [\d.]+ s, (\d+) executions, corpus (\d+) files, no crash")


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_each_fuzz_target_runs_clean_and_finds_new_inputs(target: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    done = subprocess.run(
        [sys.executable, "fuzz/run.py", target, "--seconds", str(CI_SECONDS),
         "--corpus", str(corpus), "--artifacts", str(tmp_path / "artifacts")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    found = SUMMARY.search(done.stdout)
    assert found is not None and found.group(1) == target, done.stdout
    seeds = len(list((SEEDS / target).iterdir()))
    assert int(found.group(2)) > 100, "the target ran many inputs"
    assert int(found.group(3)) > seeds, "the fuzzer kept inputs that reached new code"

route = app_router().route


def test_a_frame_at_line_zero_is_not_a_frame() -> None:
    frames = parse_frames((SEEDS / "traceback" / "line_zero.txt").read_text())
    assert frames == ()


def test_a_signed_red_build_without_a_commit_sha_is_ignored_not_queued() -> None:
    data = (SEEDS / "webhook" / "no_head_sha.bin").read_bytes()
    head, _, body = data[1:].partition(b"\n")
    event, _, delivery = head.decode().partition(" ")
    parsed = parse_delivery({"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                             "X-Hub-Signature-256": sign(body, "s")}, body, secret="s")
    decision = route(parsed)
    assert isinstance(decision, Ignore) and "no commit sha" in decision.reason
