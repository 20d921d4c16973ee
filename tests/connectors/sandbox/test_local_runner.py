"""The local fallback sandbox, with real processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.core.errors import UnsafePathError
from bot.core.results import RunSpec, Termination
from connectors.sandbox.local import LocalRunner, network_namespace_available


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "data.txt").write_text("original\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_runs_on_a_copy_with_the_overlay_and_reads_the_report(tmp_path):
    source = repo(tmp_path)
    code = (
        "import pathlib, sys\n"
        "print(open('data.txt').read().strip(), open('new/mod.py').read().strip())\n"
        "pathlib.Path('data.txt').write_text('changed by the test')\n"
        "pathlib.Path(sys.argv[1]).write_text('<testsuite/>')\n"
        "print('git copied:', pathlib.Path('.git').exists())\n"
    )
    spec = RunSpec(source=source, argv=(*python(code), "{report}"),
                   overlay={"data.txt": "patched\n", "new/mod.py": "x = 1\n"})
    outcome = LocalRunner().run(spec)
    assert outcome.exit_code == 0 and outcome.termination is Termination.EXITED
    assert "patched x = 1" in outcome.output
    assert "git copied: False" in outcome.output
    assert outcome.report_xml == b"<testsuite/>"
    assert outcome.sandbox == "local"
    assert (source / "data.txt").read_text() == "original\n", "the source tree is never changed"
    assert not (source / "new").exists()


def test_the_copy_keeps_installed_node_modules_but_not_caches(tmp_path):
    source = repo(tmp_path)
    (source / "node_modules" / "left-pad").mkdir(parents=True)
    (source / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1;\n")
    (source / "__pycache__").mkdir()
    code = ("import pathlib\n"
            "print('dependency:', pathlib.Path('node_modules/left-pad/index.js').is_file())\n"
            "print('cache:', pathlib.Path('__pycache__').exists())\n")
    outcome = LocalRunner().run(RunSpec(source=source, argv=python(code)))
    assert "dependency: True" in outcome.output
    assert "cache: False" in outcome.output


def test_no_report_written_gives_none_and_the_exit_code(tmp_path):
    outcome = LocalRunner().run(RunSpec(source=repo(tmp_path), argv=python("raise SystemExit(3)")))
    assert outcome.exit_code == 3
    assert outcome.report_xml is None


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-survived"
    source = repo(tmp_path)
    (source / "child.py").write_text(
        f"import time\ntime.sleep(3)\nopen({str(marker)!r}, 'w').close()\n"
    )
    code = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, 'child.py'])\ntime.sleep(60)"
    )
    outcome = LocalRunner().run(RunSpec(source=source, argv=python(code), timeout_s=1))
    assert outcome.termination is Termination.TIMEOUT
    assert outcome.exit_code is None
    assert outcome.seconds < 10
    threading.Event().wait(3.5)
    assert not marker.exists(), "the child was killed with its parent"


RUN_FOREVER = """
import sys
from pathlib import Path
from bot.core.results import RunSpec
from connectors.sandbox.local import LocalRunner
code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"
LocalRunner().run(RunSpec(source=Path(sys.argv[1]), argv=(sys.executable, "-c", code, sys.argv[2]),
                          timeout_s=120))
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper has finished)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_a_killed_redfix_leaves_no_test_running(tmp_path):
    """The command dies with the process that started it, even when that one is SIGKILLed."""
    pid_file = tmp_path / "pid"
    parent = subprocess.Popen([sys.executable, "-c", RUN_FOREVER, str(repo(tmp_path)),
                               str(pid_file)])
    try:
        for _ in range(200):
            if pid_file.is_file() and pid_file.read_text():
                break
            threading.Event().wait(0.05)
        child = int(pid_file.read_text())
        assert alive(child)
    finally:
        parent.kill()
        parent.wait()
    for _ in range(100):
        if not alive(child):
            break
        threading.Event().wait(0.05)
    assert not alive(child), "the test command outlived the redfix process that ran it"


def test_output_is_capped_keeping_head_and_tail(tmp_path):
    code = "print('FIRST'); print('x' * 5_000_000); print('LAST')"
    runner = LocalRunner(max_output_bytes=10_000)
    outcome = runner.run(RunSpec(source=repo(tmp_path), argv=python(code)))
    assert len(outcome.output) < 11_000
    assert outcome.output.startswith("FIRST")
    assert outcome.output.rstrip().endswith("LAST")
    assert "bytes of output omitted" in outcome.output


def test_overlay_cannot_escape_the_copy(tmp_path):
    spec = RunSpec(source=repo(tmp_path), argv=python("pass"), overlay={"../evil.txt": "x"})
    with pytest.raises(UnsafePathError):
        LocalRunner().run(spec)
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.skipif(not network_namespace_available(), reason="unshare -n is not permitted here")
def test_no_network_when_unshare_works(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('CONNECTED')\nexcept OSError as exc:\n    print('BLOCKED', exc)\n"
        )
        outcome = LocalRunner().run(RunSpec(source=repo(tmp_path), argv=python(code)))
    assert "BLOCKED" in outcome.output
