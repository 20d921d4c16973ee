"""redfix's own overhead per fix on the bundled example, excluding model and test time.

A local HTTP server answers the model requests instantly with a correct fix; the
local sandbox runs the real tests. Overhead = wall time - time inside the sandbox
runs - time waiting for the model. Target: under 1 s.

    .venv/bin/python bench/bench_core.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.metering import TimedRunner  # noqa: E402
from bot.evaluation.runner import LOCAL_TEST_COMMAND  # noqa: E402
from bot.pipeline import FixRequest, Services, run_fix  # noqa: E402
from bot.wiring.settings import resolve_settings  # noqa: E402
from connectors.ai.openai_compat import OpenAICompatibleConnector  # noqa: E402
from connectors.sandbox.local import LocalRunner  # noqa: E402

ANSWER = (
    "Pages start at 1.\n\n```python\n# file: bookshop/catalog.py\n"
    "def paginate(items, page, per_page):\n"
    '    """The items shown on `page`, counting pages from 1."""\n'
    "    if page < 1:\n"
    '        raise ValueError("pages are numbered from 1")\n'
    "    start = (page - 1) * per_page\n"
    "    return items[start : start + per_page]\n```\n"
)


class ModelHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "bench", "object": "model"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        chunk = {"choices": [{"index": 0, "delta": {"content": ANSWER}, "finish_reason": None}]}
        stop = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(stop)}\n\ndata: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())


def one_fix(base_url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "bookshop"
        shutil.copytree(ROOT / "examples" / "bookshop", repo)
        settings = resolve_settings(repo, options={
            "test_command": shlex.join(LOCAL_TEST_COMMAND), "reruns": 3, "candidates": 1,
            "model": "bench"}, env={})
        runner = TimedRunner(LocalRunner())
        connector = OpenAICompatibleConnector(base_url)
        started = time.monotonic()
        outcome = run_fix(FixRequest(repo=repo, settings=settings),
                          Services(connector=connector, runner=runner))
        total = time.monotonic() - started
        assert str(outcome.status) == "fixed", outcome.explanation
        model = outcome.timings.get("model", 0.0)
        return {"total": total, "tests": runner.seconds, "model": model,
                "overhead": total - runner.seconds - model}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    server = ThreadingHTTPServer(("127.0.0.1", 0), ModelHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    results = [one_fix(base_url) for _ in range(runs)]
    server.shutdown()
    print(f"redfix overhead per fix on examples/bookshop ({runs} runs, local sandbox)")
    print(f"{'measure':<10} {'median s':>9} {'max s':>8}")
    for name in ("total", "tests", "model", "overhead"):
        values = [r[name] for r in results]
        print(f"{name:<10} {statistics.median(values):>9.3f} {max(values):>8.3f}")
    print("target: overhead < 1 s")


if __name__ == "__main__":
    main()
