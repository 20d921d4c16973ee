"""`pip install .` in a new virtualenv, without extras, as a user installs redfix: every entry
point imports, `redfix serve` answers /healthz, and the fix localizes with the hybrid localizer.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = ("bot.cli.main", "bot.app.main", "bot.app.worker", "bot.app.queue",
                "bot.stages.learn.recall", "action.main", "action.container", "bot.cli.doctor")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plain_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding `pip install .` of a copy of the sources (no extras, no -e)."""
    base = tmp_path_factory.mktemp("install")
    sources = base / "redfix"
    shutil.copytree(ROOT, sources, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "tests", "bench", "examples", "fuzz", "*.egg-info"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    if os.environ.get("REDFIX_TORCH_INDEX_URL"):
        subprocess.run([*install, "--index-url", os.environ["REDFIX_TORCH_INDEX_URL"], "torch"],
                       check=True, timeout=1800)
    done = subprocess.run([*install, str(sources)], capture_output=True, text=True,
                          timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    yield venv


def run_in(venv: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDFIX_", "PYTHON"))}
    return subprocess.run([str(venv / "bin" / "python"), "-P", *args], capture_output=True,
                          text=True, cwd="/", env={**env, **options.pop("env", {})},  # type: ignore[dict-item]
                          check=False, **options)  # type: ignore[call-overload]


def test_every_entry_point_imports_without_extras(plain_venv):
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
    done = run_in(plain_venv, "-c", code, *ENTRY_POINTS)
    assert done.returncode == 0, done.stderr[-3000:]
    where = run_in(plain_venv, "-c", "import bot; print(bot.__file__)").stdout
    assert "site-packages" in where, "the installed package, not the source tree"


def test_the_plain_install_localizes_with_chroma_and_the_embeddings(plain_venv):
    doctor = run_in(plain_venv, "-m", "bot.cli.main", "doctor", "--repo", str(ROOT),
                    "--base-url", "http://127.0.0.1:9/v1", "--connector", "openai")
    assert "[on  ] hybrid localization: on" in doctor.stdout, doctor.stdout + doctor.stderr
    code = ("from bot.wiring.localizers import build_localizer, IndexedLocalizer\n"
            "from pathlib import Path\n"
            "chosen = build_localizer('auto', data_dir=Path('/tmp'), chroma_url=None)\n"
            "print(type(chosen).__name__)")
    assert run_in(plain_venv, "-c", code).stdout.strip() == "IndexedLocalizer"


def test_redfix_serve_from_the_plain_install_answers_healthz(plain_venv, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"REDFIX_WEBHOOK_SECRET": "a-webhook-secret", "REDFIX_DATA_DIR": str(tmp_path / "data"),
           "REDFIX_BASE_URL": "http://127.0.0.1:9/v1", "REDFIX_CONNECTOR": "openai",
           "REDFIX_APP_ID": "1", "REDFIX_PRIVATE_KEY": _private_key_pem()}
    log = (tmp_path / "serve.log").open("w")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("REDFIX_", "PYTHON"))}
    process = subprocess.Popen([str(plain_venv / "bin" / "redfix"), "serve", "--host",
                                "127.0.0.1", "--port", str(port)], cwd="/",
                               env={**base, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert _healthy(f"http://127.0.0.1:{port}", process), (tmp_path / "serve.log").read_text()
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        checks = json.dumps(ready.json())
        assert "queue" in checks and "Traceback" not in (tmp_path / "serve.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False
