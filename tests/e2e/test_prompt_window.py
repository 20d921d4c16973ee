"""A prompt too long for the model's window is a prompt to shrink, never an outage.

The model server here is a real HTTP server with a small window: it counts a prompt's
tokens its own way (denser than redfix's estimate, as real tokenizers can be) and
refuses one that does not fit with llama.cpp's own answer (400,
`exceed_context_size_error`, `n_prompt_tokens`, `n_ctx`).
"""

from __future__ import annotations

import json
import math
from contextlib import closing
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.core.models import GenerationOptions
from bot.core.results import CodeSpan, Outcome, TestCase, TestReport
from bot.stages.generate.ask import MAX_SHRINKS, AttemptContext, generate
from bot.stages.generate.prompting import Window
from bot.stages.localize.traceback_localizer import Localization
from connectors.ai.openai_compat import OpenAICompatibleConnector
from tests.e2e.conftest import RATIONALE_REQUEST, ScriptedModel
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, fix

MODEL = "scripted-coder"
CHARS_PER_SERVER_TOKEN = 3.0  # the server's tokenizer: denser than redfix's 3.5 estimate
OPTIONS = GenerationOptions(max_tokens=512)
ANSWER = """The helper must add, not subtract.

pkg/helper_0.py
```python
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE
```
"""


def server_tokens(body: dict[str, object]) -> int:
    messages = body["messages"]
    assert isinstance(messages, list)
    return math.ceil(sum(len(m["content"]) for m in messages) / CHARS_PER_SERVER_TOKEN)


def refusal(counted: int, n_ctx: int) -> Response:
    error = {"code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": counted,
             "n_ctx": n_ctx, "message": f"request ({counted} tokens) exceeds the available "
                                        f"context size ({n_ctx} tokens), try increasing it"}
    return Response(json.dumps({"error": error}), status=400, content_type="application/json")


class NarrowServer:
    """Answers ANSWER to a prompt that leaves `max_tokens` free in its window, else refuses."""

    def __init__(self, server: HTTPServer, n_ctx: int) -> None:
        self.n_ctx = n_ctx
        self.requests: list[dict[str, object]] = []
        server.expect_request("/v1/models").respond_with_json(
            {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        server.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
            self._complete)

    def _complete(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.requests.append(body)
        counted = server_tokens(body)
        if counted + int(body["max_tokens"]) > self.n_ctx:
            return refusal(counted, self.n_ctx)
        answer = {"id": "c", "object": "chat.completion", "model": MODEL, "choices": [
            {"index": 0, "message": {"role": "assistant", "content": ANSWER},
             "finish_reason": "stop"}]}
        if not body.get("stream"):
            return Response(json.dumps(answer), content_type="application/json")
        chunk = {"id": "c", "object": "chat.completion.chunk", "model": MODEL, "choices": [
            {"index": 0, "delta": {"content": ANSWER}, "finish_reason": "stop"}]}
        return Response(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n",
                        content_type="text/event-stream")


def big_context(repo: Path) -> AttemptContext:
    """Twelve suspect helpers of about 1,500 characters each: 18,000 characters of code."""
    spans = []
    for number in range(12):
        path = f"pkg/helper_{number}.py"
        text = f"def helper_{number}(a, b):\n    return a - b\n" + "# padding line\n" * 95
        (repo / "pkg").mkdir(exist_ok=True)
        (repo / path).write_text(text)
        spans.append(CodeSpan(path, 1, text.count("\n"), text, score=1.0 - number / 100))
    failure = TestCase("tests.test_helpers", "test_helper_adds", Outcome.FAILED,
                       file="tests/test_helpers.py", message="assert -1 == 3",
                       traceback="E       assert -1 == 3")
    return AttemptContext(
        repo=repo, failures=(failure,), target_ids=(failure.key,),
        baseline=TestReport("baseline", ()), localization=Localization(tuple(spans), 0.9),
        model=MODEL, allow_test_edits=False,
    )


class Stages:
    def __init__(self) -> None:
        self.said: list[str] = []

    def stage(self, message: str) -> None:
        self.said.append(message)

    def token(self, text: str) -> None:
        pass


def test_a_refused_prompt_is_sent_again_smaller_and_its_answer_is_used(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = NarrowServer(httpserver, n_ctx=4096)
    stages = Stages()
    with closing(OpenAICompatibleConnector(httpserver.url_for("/v1"))) as connector:
        generated = generate(big_context(tmp_path), (), connector=connector, progress=stages,
                             options=OPTIONS, window=Window(8192))

    first, second = server.requests
    assert server_tokens(first) + OPTIONS.max_tokens > server.n_ctx, "the first was refused"
    assert server_tokens(second) + OPTIONS.max_tokens <= server.n_ctx, "the second fitted"
    assert "pkg/helper_0.py" in json.dumps(second), "the best-ranked span is kept"
    assert generated.candidate is not None and generated.candidate.edits
    assert generated.candidate.edits[0].path == "pkg/helper_0.py"
    assert generated.window.tokens == 4096 and generated.window.scale > 1.0
    assert any("did not fit the model's window; shrinking it" in s for s in stages.said)


def test_a_window_too_small_for_any_prompt_ends_the_attempt_with_the_reason(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = NarrowServer(httpserver, n_ctx=1024)
    with closing(OpenAICompatibleConnector(httpserver.url_for("/v1"))) as connector:
        generated = generate(big_context(tmp_path), (), connector=connector,
                             progress=Stages(), options=OPTIONS, window=Window(8192))

    assert generated.candidate is None
    assert "1024-token window" in generated.unfit and "REDFIX_CONTEXT_TOKENS" in generated.unfit
    assert 1 <= len(server.requests) <= 1 + MAX_SHRINKS
    sent = [json.dumps(r["messages"]) for r in server.requests]
    assert len(set(sent)) == len(sent), "never the same prompt twice"


class RefusingModel(ScriptedModel):
    """A server whose window holds no fix prompt at all (the rationale is never reached)."""

    def _complete(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        if RATIONALE_REQUEST in str(body["messages"][-1]["content"]):
            return super()._complete(request)
        self.requests.append(body)
        return refusal(server_tokens(body), 600)


def test_a_run_whose_prompts_never_fit_ends_not_fixed_never_as_an_outage(
    httpserver: HTTPServer, bookshop: Path, tmp_path: Path
) -> None:
    model = RefusingModel(httpserver)
    model.script(CORRECT_SEARCH_REPLACE)  # never asked for

    code, result = fix(bookshop, model, tmp_path, "--max-attempts", "2")

    assert code == 1 and result["status"] == "not-fixed", result.get("explanation")
    statuses = {attempt["status"] for attempt in result["attempts"]}
    assert statuses == {"prompt-too-long"}, result["attempts"]
    assert "600-token window" in result["attempts"][0]["detail"]
    assert model.answers == [CORRECT_SEARCH_REPLACE]
