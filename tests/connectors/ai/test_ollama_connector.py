"""OllamaServiceConnector against a local HTTP server speaking Ollama's documented API.

The server side follows docs/api.md of ollama/ollama: /api/chat streams NDJSON
whose last object has `done: true` and the counts (prompt_eval_count,
eval_count); /api/tags lists `models[].model`; /api/show has `model_info` with
`<arch>.context_length`; errors are `{"error": "..."}` with an HTTP status.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.core.errors import (
    ModelNotFound,
    ModelRequestRejected,
    ModelServiceError,
    ModelServiceUnreachable,
)
from bot.core.models import ChatMessage, GenerationOptions
from connectors.ai.ollama import OllamaServiceConnector, context_length_of
from connectors.ai.tokens import context_window_for

MODEL = "qwen2.5-coder:1.5b"
MESSAGES = (
    ChatMessage("system", "You fix failing tests."),
    ChatMessage("user", "test_add fails: add(2, 2) returned 5."),
)
OPTIONS = GenerationOptions(temperature=0.2, max_tokens=512, seed=7)


def chat_chunk(content: str, **fields: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "created_at": "2024-08-07T03:57:33.0365888Z",
        "message": {"role": "assistant", "content": content},
        "done": False,
        **fields,
    }


FINAL_CHUNK = chat_chunk(
    "",
    done=True,
    done_reason="stop",
    total_duration=4883583458,
    load_duration=1334875,
    prompt_eval_count=26,
    prompt_eval_duration=342546000,
    eval_count=3,
    eval_duration=4535599000,
)
TOKENS = ["def add(a, b):", "\n    return", " a + b\n"]


def show_reply(context_length: int) -> dict[str, Any]:
    return {
        "modelfile": "FROM /models/blobs/sha256-1",
        "parameters": 'stop "<|im_end|>"',
        "template": "{{ .Prompt }}",
        "details": {"format": "gguf", "family": "qwen2", "parameter_size": "1.5B"},
        "model_info": {
            "general.architecture": "qwen2",
            "general.parameter_count": 1543714304,
            "qwen2.context_length": context_length,
            "qwen2.embedding_length": 1536,
        },
    }


def tags_reply(*names: str) -> dict[str, Any]:
    return {
        "models": [
            {
                "name": name,
                "model": name,
                "modified_at": "2024-12-07T09:32:18.757212583-08:00",
                "size": 986061892,
                "digest": "9f438cb9cd581fc025612d27f7c1a6669ff83a8bb0ed86c94fcf4c5440555697",
                "details": {"format": "gguf", "family": "qwen2", "parameter_size": "1.5B"},
            }
            for name in names
        ]
    }


def ndjson(chunks: Iterable[dict[str, Any]], *, pause_s: float = 0.0) -> Response:
    def lines() -> Iterator[str]:
        for chunk in chunks:
            if pause_s:
                time.sleep(pause_s)
            yield json.dumps(chunk) + "\n"

    return Response(lines(), content_type="application/x-ndjson")


def streamed_answer() -> Response:
    return ndjson([*(chat_chunk(token) for token in TOKENS), FINAL_CHUNK])


def serve_show(server: HTTPServer, *, model: str = MODEL, context_length: int = 32768) -> None:
    server.expect_request("/api/show", method="POST", json={"model": model}).respond_with_json(
        show_reply(context_length)
    )


def sent(server: HTTPServer, path: str) -> list[dict[str, Any]]:
    return [request.get_json() for request, _ in server.log if request.path == path]


def failing_then(
    statuses: list[int], then: Callable[[], Response]
) -> Callable[[Request], Response]:
    """A handler answering each status in turn (with Ollama's error body), then `then()`."""
    remaining = list(statuses)

    def handle(_: Request) -> Response:
        if remaining:
            status = remaining.pop(0)
            body = json.dumps({"error": f"runner failed with status {status}"})
            return Response(body, status=status, content_type="application/json")
        return then()

    return handle


def let_the_server_finish(server: HTTPServer, release: threading.Event) -> None:
    """Unblock a held handler and wait until it is done, so no later test sees it."""
    release.set()
    deadline = time.monotonic() + 5
    while not server.log and time.monotonic() < deadline:
        time.sleep(0.005)


def connect(server: HTTPServer, **settings: Any) -> OllamaServiceConnector:
    return OllamaServiceConnector(server.url_for("/"), backoff_s=0, **settings)


def test_streamed_chat_passes_tokens_on_and_reads_counts_from_final_chunk(
    httpserver: HTTPServer,
) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(streamed_answer())
    received: list[str] = []

    completion = connect(httpserver).complete(
        MESSAGES, model=MODEL, options=OPTIONS, on_token=received.append
    )

    assert received == TOKENS
    assert completion.text == "".join(TOKENS)
    assert completion.model == MODEL
    assert (completion.prompt_tokens, completion.completion_tokens) == (26, 3)
    assert completion.seconds > 0


def test_chat_request_carries_messages_and_sampling_options(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(streamed_answer())

    connect(httpserver).complete(MESSAGES, model=MODEL, options=OPTIONS)

    [body] = sent(httpserver, "/api/chat")
    assert body["model"] == MODEL
    assert body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": "You fix failing tests."},
        {"role": "user", "content": "test_add fails: add(2, 2) returned 5."},
    ]
    assert body["options"] == {"temperature": 0.2, "num_predict": 512, "num_ctx": 2048, "seed": 7}


@pytest.mark.parametrize(
    ("prompt_chars", "model_context", "expected_num_ctx"),
    [
        (300, 32768, 2048),  # small prompt: the minimum window
        (30_000, 32768, 11264),  # 10008 prompt tokens + 512 + 256 margin, rounded up to 1024s
        (30_000, 8192, 8192),  # never above what the model was trained for
        (300, 1024, 1024),  # even when the model's context is below the minimum
    ],
)
def test_num_ctx_is_sized_from_the_prompt_and_capped_by_the_model(
    httpserver: HTTPServer, prompt_chars: int, model_context: int, expected_num_ctx: int
) -> None:
    serve_show(httpserver, context_length=model_context)
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(streamed_answer())
    messages = [ChatMessage("user", "x" * prompt_chars)]

    connect(httpserver).complete(messages, model=MODEL, options=OPTIONS)

    [body] = sent(httpserver, "/api/chat")
    assert body["options"]["num_ctx"] == expected_num_ctx


def test_context_length_is_read_once_per_model(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        lambda _: streamed_answer()
    )
    connector = connect(httpserver)

    connector.complete(MESSAGES, model=MODEL, options=OPTIONS)
    connector.complete(MESSAGES, model=MODEL, options=OPTIONS)

    assert len(sent(httpserver, "/api/show")) == 1
    assert len(sent(httpserver, "/api/chat")) == 2


def test_explicit_context_tokens_override_the_estimate(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(streamed_answer())
    options = GenerationOptions(max_tokens=256, seed=None, context_tokens=16384)

    connect(httpserver).complete(MESSAGES, model=MODEL, options=options)

    [body] = sent(httpserver, "/api/chat")
    assert body["options"] == {"temperature": 0.0, "num_predict": 256, "num_ctx": 16384}
    assert sent(httpserver, "/api/show") == []


def test_a_reply_that_is_not_streamed_is_accepted(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    whole = {**FINAL_CHUNK, "message": {"role": "assistant", "content": "return a + b"}}
    # Ollama answers `stream: false` with one compact JSON object.
    httpserver.expect_request("/api/chat", method="POST").respond_with_data(
        json.dumps(whole), content_type="application/json"
    )
    received: list[str] = []

    completion = connect(httpserver).complete(
        MESSAGES, model=MODEL, options=OPTIONS, on_token=received.append
    )

    assert completion.text == "return a + b"
    assert received == ["return a + b"]
    assert completion.completion_tokens == 3


@pytest.mark.parametrize("wanted", ["qwen2.5-coder:1.5b", "llama3", "llama3:latest"])
def test_ensure_model_accepts_installed_names_with_or_without_latest(
    httpserver: HTTPServer, wanted: str
) -> None:
    httpserver.expect_request("/api/tags", method="GET").respond_with_json(
        tags_reply("qwen2.5-coder:1.5b", "llama3:latest")
    )
    serve_show(httpserver, model=wanted)

    connect(httpserver).ensure_model(wanted)

    assert sent(httpserver, "/api/show") == [{"model": wanted}]


def test_ensure_model_names_the_pull_command_and_what_is_installed(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/api/tags", method="GET").respond_with_json(
        tags_reply("llama3:latest")
    )

    with pytest.raises(ModelNotFound) as caught:
        connect(httpserver).ensure_model(MODEL)

    assert f"run `ollama pull {MODEL}` on the Ollama host" in str(caught.value)
    assert "installed there: llama3:latest" in str(caught.value)
    assert caught.value.model == MODEL


def test_ensure_model_reports_a_404_from_show_as_missing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/tags", method="GET").respond_with_json(tags_reply(MODEL))
    httpserver.expect_request("/api/show", method="POST").respond_with_json(
        {"error": f"model '{MODEL}' not found"}, status=404
    )

    with pytest.raises(ModelNotFound, match="ollama pull"):
        connect(httpserver).ensure_model(MODEL)


def test_chat_with_a_missing_model_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat", method="POST").respond_with_json(
        {"error": f'model "{MODEL}" not found, try pulling it first'}, status=404
    )
    options = GenerationOptions(context_tokens=4096)

    with pytest.raises(ModelNotFound, match=f"ollama pull {MODEL}"):
        connect(httpserver).complete(MESSAGES, model=MODEL, options=options)

    assert len(sent(httpserver, "/api/chat")) == 1


def test_server_errors_are_retried_until_the_server_recovers(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        failing_then([500, 503], streamed_answer)
    )

    completion = connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL, options=OPTIONS)

    assert completion.text == "".join(TOKENS)
    assert len(sent(httpserver, "/api/chat")) == 3
    assert "attempt 2 of 3" in caplog.text


def test_server_errors_give_up_after_the_last_attempt(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        failing_then([500] * 5, streamed_answer)
    )

    with pytest.raises(ModelServiceUnreachable, match="500: runner failed"):
        connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL, options=OPTIONS)

    assert len(sent(httpserver, "/api/chat")) == 3


def test_a_rejected_request_is_not_retried(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_json(
        {"error": "invalid options: num_ctx must be positive"}, status=400
    )

    with pytest.raises(ModelRequestRejected, match="400: invalid options"):
        connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL, options=OPTIONS)

    assert len(sent(httpserver, "/api/chat")) == 1


def test_an_error_inside_the_stream_is_retried(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    broken = [chat_chunk("def"), {"error": "llama runner process has terminated"}]
    replies = iter([ndjson(broken), streamed_answer()])
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        lambda _: next(replies)
    )
    received: list[str] = []

    completion = connect(httpserver).complete(
        MESSAGES, model=MODEL, options=OPTIONS, on_token=received.append
    )

    assert completion.text == "".join(TOKENS)
    assert received == ["def", *TOKENS]  # the retry streams its answer from the start


def test_a_slow_server_hits_the_timeout(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def slow(_: Request) -> Response:
        release.wait(timeout=5)
        return streamed_answer()

    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(slow)
    connector = connect(httpserver, timeout_s=0.05, attempts=1)
    options = GenerationOptions(context_tokens=4096)

    try:
        with pytest.raises(ModelServiceUnreachable, match=r"within the 0\.05s timeout"):
            connector.complete(MESSAGES, model=MODEL, options=options)
    finally:
        let_the_server_finish(httpserver, release)


def test_a_stream_without_its_final_chunk_is_a_cut_stream_and_retried(
    httpserver: HTTPServer,
) -> None:
    serve_show(httpserver)
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        lambda _: ndjson(chat_chunk(token) for token in TOKENS[:2])
    )

    with pytest.raises(ModelServiceUnreachable, match=r"without its final chunk \(done: true\)"):
        connect(httpserver, attempts=2).complete(MESSAGES, model=MODEL, options=OPTIONS)

    assert len(sent(httpserver, "/api/chat")) == 2


def test_a_connection_dropped_mid_body_is_retryable(httpserver: HTTPServer) -> None:
    serve_show(httpserver)
    first = json.dumps(chat_chunk("def")) + "\n"
    # Announces more bytes than it sends, then the server closes the connection.
    cut = Response([first], headers={"Content-Length": str(len(first) + 500)})
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(cut)

    with pytest.raises(ModelServiceUnreachable, match="broke mid-answer"):
        connect(httpserver, attempts=1).complete(MESSAGES, model=MODEL, options=OPTIONS)


def test_a_generation_past_its_deadline_stops_without_retry(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat", method="POST").respond_with_handler(
        lambda _: ndjson([chat_chunk("a"), chat_chunk("b"), FINAL_CHUNK], pause_s=0.06)
    )
    options = GenerationOptions(context_tokens=4096, timeout_s=0.05)

    with pytest.raises(ModelServiceError, match=r"still generating after 0\.05s") as caught:
        connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL, options=options)

    assert not caught.value.retryable
    assert len(sent(httpserver, "/api/chat")) == 1


def test_an_answer_that_is_not_ollama_json_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat", method="POST").respond_with_data(
        "<html>proxy login</html>", content_type="text/html"
    )

    with pytest.raises(ModelServiceError, match="not Ollama's API") as caught:
        connect(httpserver).complete(
            MESSAGES, model=MODEL, options=GenerationOptions(context_tokens=4096)
        )

    assert not caught.value.retryable
    assert len(sent(httpserver, "/api/chat")) == 1


def test_refused_connection_says_how_to_start_ollama(closed_port_url: str) -> None:
    connector = OllamaServiceConnector(closed_port_url, attempts=2, backoff_s=0)
    expected = (
        f"Ollama is not answering at {closed_port_url}: start it with `ollama serve` "
        "or pass --base-url/REDFIX_BASE_URL"
    )

    with pytest.raises(ModelServiceUnreachable) as from_ensure:
        connector.ensure_model(MODEL)
    with pytest.raises(ModelServiceUnreachable) as from_complete:
        connector.complete(MESSAGES, model=MODEL, options=GenerationOptions(context_tokens=4096))

    assert str(from_ensure.value) == expected
    assert str(from_complete.value) == expected


def test_context_length_is_found_under_the_models_architecture() -> None:
    info = {"general.architecture": "llama", "llama.context_length": 8192, "x.context_length": 1}
    assert context_length_of(info) == 8192
    assert context_length_of({"gemma3.context_length": 131072}) == 131072
    assert context_length_of({"general.architecture": "llama"}) is None


def test_context_window_rounds_up_to_whole_steps() -> None:
    # 3000 chars -> 1000 tokens + 8 for the message + 1024 answer + 256 margin = 2288
    messages = [ChatMessage("user", "y" * 3000)]
    assert context_window_for(messages, max_tokens=1024, model_limit=None) == 3072
    assert context_window_for(messages, max_tokens=1024, model_limit=2500) == 2500


@pytest.mark.parametrize(("done_reason", "cut"), [("length", True), ("stop", False)])
def test_an_answer_stopped_at_num_predict_is_marked_cut(
    httpserver: HTTPServer, done_reason: str, cut: bool
) -> None:
    serve_show(httpserver)
    final = {**FINAL_CHUNK, "done_reason": done_reason}
    httpserver.expect_request("/api/chat", method="POST").respond_with_response(
        ndjson([*(chat_chunk(token) for token in TOKENS), final])
    )
    completion = connect(httpserver).complete(MESSAGES, model=MODEL, options=OPTIONS)
    assert completion.cut is cut and completion.text == "".join(TOKENS)
