"""End to end with real models served by llama.cpp's OpenAI-compatible server.

`scripts/test` fetches the models and builds the server (cached) before these run.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.host_pytest import HOST_PYTEST, HOST_PYTEST_CMD

ROOT = Path(__file__).resolve().parents[2]
SMOLLM_PORT = "8767"


def _script(*args: str) -> str:
    done = subprocess.run([str(ROOT / "scripts" / args[0]), *args[1:]], capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, f"scripts/{args[0]} failed:\n{done.stderr[-3000:]}"
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def smollm_server() -> Iterator[str]:
    gguf = _script("fetch-models", "smollm")
    url = _script("model-server", "start", gguf, SMOLLM_PORT)
    yield url
    _script("model-server", "stop", SMOLLM_PORT)


@pytest.mark.slow
@pytest.mark.model
def test_weak_real_model_round_trip_is_handled_gracefully(smollm_server, bookshop, tmp_path):
    """SmolLM2-135M cannot fix the bug; redfix must still talk to it, read whatever it
    wrote, validate nothing wrong and leave the repository as it was."""
    before = (bookshop / "bookshop" / "catalog.py").read_text()
    out = tmp_path / "result.json"
    code = main([
        "fix", "--repo", str(bookshop), "--connector", "openai", "--base-url", smollm_server,
        "--model", "SmolLM2-135M-Instruct.Q4_1", "--sandbox", "local", "--reruns", "1",
        "--max-attempts", "1", "--candidates", "2",
        "--test-cmd", HOST_PYTEST_CMD, "--json", str(out), "--quiet",
    ], env={"REDFIX_DATA_DIR": str(tmp_path / "data")})
    result = json.loads(out.read_text())
    assert code in (0, 1)
    assert result["status"] == ("fixed" if code == 0 else "not-fixed")
    assert result["tokens"]["completion"] > 0, "the real server answered"
    assert all(a["model"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf") for a in result["attempts"])
    for attempt in result["attempts"]:
        if attempt["status"] == "validated":
            assert attempt["validation"]["passed"]
    assert (bookshop / "bookshop" / "catalog.py").read_text() == before


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.docker
def test_readme_first_command_fixes_the_example(tmp_path):
    """`scripts/demo` as a user runs it: Qwen2.5-Coder at temperature 0 (then seeded
    samples), validation in Docker, the fix committed; the example's tests then pass."""
    work = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDFIX_")}
    env["REDFIX_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run([str(ROOT / "scripts" / "demo"), str(work)], capture_output=True,
                          text=True, timeout=3000, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((work / "result.json").read_text())
    assert result["status"] == "fixed"
    assert result["sandbox"] == "docker"
    localizer = result["localizer"]
    assert localizer["name"] == "hybrid" and localizer["index"].startswith("chroma ")
    assert {"embedding", "bm25"} <= set(localizer["signals"]) and localizer["chunks"] > 0
    tests = subprocess.run([*HOST_PYTEST, "-q", "-p", "no:cacheprovider"],
                           cwd=work / "bookshop", capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout
    kept = [t for t in result["regression_tests"] if t["kept"]]
    assert f"{8 + len(kept)} passed" in tests.stdout, "the example's 8 tests plus any kept one"
