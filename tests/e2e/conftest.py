"""A scripted model server: a real HTTP server speaking the OpenAI chat-completions API.

Each request to /v1/chat/completions takes the next answer from the script and
records the request; running out of script is a test failure, not a silent default.
Requests for the rationale of a validated fix (prompts/rationale.j2) are answered by
`rationale`, the same answer each time, unless a test sets it to None to script them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookshop"
MODEL = "scripted-coder"
RATIONALE_REQUEST = "Explain the fix to a reviewer, from the diff below."
BOOKSHOP_RATIONALE = """WRONG: `start = page * per_page`
FIXED: `start = (page - 1) * per_page`
WHY: Pages are numbered from 1, so page 1 must start at offset 0."""


class Cut(str):
    """A scripted answer the server ends at its token limit (finish_reason "length")."""

    __slots__ = ()


class ScriptedModel:
    def __init__(self, server: HTTPServer, models: tuple[str, ...] = (MODEL,)) -> None:
        self.server = server
        self.answers: list[str] = []
        self.requests: list[dict[str, object]] = []
        self.exhausted = False
        self.rationale: str | None = BOOKSHOP_RATIONALE
        server.expect_request("/v1/models").respond_with_json(
            {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "tests"}
                                        for name in models]}
        )
        server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
            self._complete
        )

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v1")

    def script(self, *answers: str) -> None:
        self.answers.extend(answers)

    def repair_requests(self) -> list[dict[str, object]]:
        """The requests for fixes and tests: every request but the rationale's."""
        return [r for r in self.requests if RATIONALE_REQUEST not in _asked(r)]

    def rationale_prompts(self) -> list[str]:
        return [_asked(r) for r in self.requests if RATIONALE_REQUEST in _asked(r)]

    def prompts(self) -> list[str]:
        """The last message of each repair request (the rationale's are left out)."""
        return [_asked(r) for r in self.repair_requests()]

    def _complete(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.requests.append(body)
        asked = _asked(body)
        if self.rationale is not None and RATIONALE_REQUEST in asked:
            return self._answer(body, self.rationale)
        if not self.answers:
            self.exhausted = True
            return Response(json.dumps({"error": {"message": "script exhausted"}}), status=400,
                            content_type="application/json")
        return self._answer(body, self.answers.pop(0))

    def _answer(self, body: dict[str, object], text: str) -> Response:
        finish = "length" if isinstance(text, Cut) else "stop"
        if not body.get("stream"):
            return Response(json.dumps(_completion(text, finish)),
                            content_type="application/json")
        return Response(_sse(text, finish), content_type="text/event-stream")


def _asked(request: dict[str, object]) -> str:
    return str(request["messages"][-1]["content"])  # type: ignore[index]


def _chunk(delta: dict[str, str], finish: str | None) -> dict[str, object]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _sse(text: str, finish: str) -> str:
    pieces = [_chunk({"role": "assistant", "content": ""}, None)]
    pieces += [_chunk({"content": text[i : i + 40]}, None) for i in range(0, len(text), 40)]
    pieces.append(_chunk({}, finish))
    usage = {"prompt_tokens": 100, "completion_tokens": max(1, len(text) // 4),
             "total_tokens": 100 + max(1, len(text) // 4)}
    pieces.append({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                   "model": MODEL, "choices": [], "usage": usage})
    return "".join(f"data: {json.dumps(p)}\n\n" for p in pieces) + "data: [DONE]\n\n"


def _completion(text: str, finish: str) -> dict[str, object]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": MODEL,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}


@pytest.fixture
def scripted_model(httpserver: HTTPServer) -> Iterator[ScriptedModel]:
    model = ScriptedModel(httpserver)
    yield model
    assert not model.exhausted, "redfix asked the model more often than the test scripted"


@pytest.fixture
def bookshop(tmp_path: Path) -> Path:
    """A fresh git copy of the bundled example, with its real failing tests."""
    repo = tmp_path / "bookshop"
    shutil.copytree(EXAMPLE, repo)
    return commit_all(repo)


def commit_all(repo: Path) -> Path:
    """Make `repo` a git repository whose one commit holds all its files."""
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "bug"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    return repo
