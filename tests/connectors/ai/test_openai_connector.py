"""OpenAICompatibleConnector against a local server speaking the chat-completions API.

The server side follows OpenAI's documented stream: `data: {chunk}` events
separated by blank lines, deltas in `choices[0].delta.content`, a finish_reason
on the last content chunk, then (with stream_options.include_usage) a chunk
with `choices: []` and `usage`, then `data: [DONE]`. GET /models answers
`{"object": "list", "data": [{"id": ...}]}`; llama.cpp lists the GGUF path.
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
    ConfigError,
    ModelNotFound,
    ModelRequestRejected,
    ModelServiceError,
    ModelServiceUnreachable,
)
from bot.core.models import ChatMessage, GenerationOptions
from connectors.ai.openai_compat import OpenAICompatibleConnector
from connectors.ai.openai_models import pick_served_model
from connectors.ai.tokens import estimate_prompt_tokens

MODEL_ID = "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
MESSAGES = (
    ChatMessage("system", "You fix failing tests."),
    ChatMessage("user", "test_add fails: add(2, 2) returned 5."),
)
OPTIONS = GenerationOptions(temperature=0.2, max_tokens=512, seed=7)
TOKENS = ["def add(a, b):", "\n    return", " a + b\n"]
API_KEY = "sk-local-test-key"
QWEN = "Qwen2.5-Coder-1.5B-Instruct"


def chunk(
    content: str | None = None, *, finish: str | None = None, role: bool = False
) -> dict[str, Any]:
    delta: dict[str, Any] = {"role": "assistant"} if role else {}
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1733000000,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


USAGE_CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1733000000,
    "model": MODEL_ID,
    "choices": [],
    "usage": {"prompt_tokens": 31, "completion_tokens": 3, "total_tokens": 34},
}


def content_chunks() -> list[dict[str, Any]]:
    return [chunk("", role=True), *(chunk(token) for token in TOKENS), chunk(finish="stop")]


def sse(events: Iterable[dict[str, Any]], *, done: bool = True) -> Response:
    def stream() -> Iterator[str]:
        for event in events:
            yield f"data: {json.dumps(event)}\n\n"
        if done:
            yield "data: [DONE]\n\n"

    return Response(stream(), content_type="text/event-stream")


def models_reply(*ids: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 1, "owned_by": "llamacpp"} for i in ids],
    }


def replies(*responses: Response | Callable[[], Response]) -> Callable[[Request], Response]:
    """A handler giving each response in turn (callables are called for fresh bodies)."""
    remaining = iter(responses)

    def handle(_: Request) -> Response:
        reply = next(remaining)
        return reply if isinstance(reply, Response) else reply()

    return handle


def error(status: int, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "type": "invalid_request_error"}}
    return Response(json.dumps(body), status=status, content_type="application/json")


def sent(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def connect(server: HTTPServer, **settings: Any) -> OpenAICompatibleConnector:
    return OpenAICompatibleConnector(server.url_for("/v1"), backoff_s=0, **settings)


def test_streamed_chat_reads_tokens_and_the_usage_chunk(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([*content_chunks(), USAGE_CHUNK])
    )
    received: list[str] = []

    completion = connect(httpserver, api_key=API_KEY).complete(
        MESSAGES, model=MODEL_ID, options=OPTIONS, on_token=received.append
    )

    assert received == TOKENS
    assert completion.text == "".join(TOKENS)
    assert completion.model == MODEL_ID
    assert (completion.prompt_tokens, completion.completion_tokens) == (31, 3)


def test_chat_request_body_and_credentials(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([*content_chunks(), USAGE_CHUNK])
    )

    connect(httpserver, api_key=API_KEY).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    [request] = sent(httpserver, "/v1/chat/completions")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.get_json() == {
        "model": MODEL_ID,
        "messages": [
            {"role": "system", "content": "You fix failing tests."},
            {"role": "user", "content": "test_add fails: add(2, 2) returned 5."},
        ],
        "stream": True,
        "temperature": 0.2,
        "max_tokens": 512,
        "seed": 7,
        "stream_options": {"include_usage": True},
    }


def test_without_a_key_no_authorization_header_is_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse(content_chunks())
    )

    connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=GenerationOptions(seed=None))

    [request] = sent(httpserver, "/v1/chat/completions")
    assert "Authorization" not in request.headers
    assert "seed" not in request.get_json()


def test_without_a_usage_chunk_tokens_are_estimated(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse(content_chunks())
    )

    completion = connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert completion.text == "".join(TOKENS)
    assert completion.prompt_tokens == estimate_prompt_tokens(MESSAGES)
    assert completion.completion_tokens == len(TOKENS)


def test_a_usage_chunk_with_null_choices_is_read(httpserver: HTTPServer) -> None:
    usage_only = {**USAGE_CHUNK, "choices": None}
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([*content_chunks(), usage_only])
    )

    completion = connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert (completion.prompt_tokens, completion.completion_tokens) == (31, 3)


def test_a_server_rejecting_stream_options_is_asked_again_without_them(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        replies(
            error(422, "Failed to deserialize the JSON body: unknown field `stream_options`"),
            lambda: sse(content_chunks()),
            lambda: sse(content_chunks()),
        )
    )
    connector = connect(httpserver, attempts=1)

    first = connector.complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    connector.complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    bodies = [request.get_json() for request in sent(httpserver, "/v1/chat/completions")]
    assert ["stream_options" in body for body in bodies] == [True, False, False]
    assert first.text == "".join(TOKENS)


def test_a_reply_that_is_not_streamed_is_accepted(httpserver: HTTPServer) -> None:
    whole = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL_ID,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 31, "completion_tokens": 1, "total_tokens": 32},
    }
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(whole)

    completion = connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert (completion.text, completion.completion_tokens) == ("x", 1)


@pytest.mark.parametrize(
    ("wanted", "served", "expected"),
    [
        ("gpt-4o-mini", ["gpt-4o-mini", "other"], "gpt-4o-mini"),
        ("SmolLM2-135M-Instruct.Q4_1", [MODEL_ID], MODEL_ID),
        ("SmolLM2-135M-Instruct.Q4_1.gguf", [MODEL_ID], MODEL_ID),
        ("Qwen2.5-Coder-1.5B-Instruct", [f"Qwen/{QWEN}"], f"Qwen/{QWEN}"),
        ("", [MODEL_ID], MODEL_ID),
    ],
)
def test_model_names_match_served_ids(wanted: str, served: list[str], expected: str) -> None:
    assert pick_served_model(wanted, served, where="http://h/v1") == expected


@pytest.mark.parametrize(
    ("wanted", "served", "problem"),
    [
        ("mistral", ["a.gguf", "b"], "serves a.gguf, b: pass one of these with --model"),
        ("", ["a", "b"], "serves a, b: name one with --model"),
        ("m", ["/x/m.gguf", "/y/m.gguf"], "matches several models"),
        ("SmolLM2", [MODEL_ID], "serves /models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    ],
)
def test_model_names_that_match_no_single_id_are_refused(
    wanted: str, served: list[str], problem: str
) -> None:
    with pytest.raises(ModelNotFound, match=problem):
        pick_served_model(wanted, served, where="http://h/v1")


def test_ensure_model_resolves_the_served_id_used_by_complete(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models", method="GET").respond_with_json(models_reply(MODEL_ID))
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse(content_chunks())
    )
    connector = connect(httpserver)

    connector.ensure_model("SmolLM2-135M-Instruct.Q4_1")
    connector.complete(MESSAGES, model="SmolLM2-135M-Instruct.Q4_1", options=OPTIONS)

    [request] = sent(httpserver, "/v1/chat/completions")
    assert request.get_json()["model"] == MODEL_ID


def test_an_empty_model_name_picks_the_only_served_model(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models", method="GET").respond_with_json(models_reply(MODEL_ID))
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse(content_chunks())
    )

    completion = connect(httpserver).complete(MESSAGES, model="", options=OPTIONS)

    [request] = sent(httpserver, "/v1/chat/completions")
    assert request.get_json()["model"] == MODEL_ID
    assert completion.model == MODEL_ID


def test_ensure_model_lists_what_the_server_serves(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models", method="GET").respond_with_json(
        models_reply("llama-3.1-8b", "qwen-coder")
    )

    with pytest.raises(ModelNotFound, match=r"serves llama-3\.1-8b, qwen-coder"):
        connect(httpserver).ensure_model("mistral")


def test_a_base_url_without_v1_is_a_config_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/models", method="GET").respond_with_data("not found", status=404)

    with pytest.raises(ConfigError, match="usually ending in /v1"):
        connect(httpserver).ensure_model(MODEL_ID)


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (401, "Invalid API key", "refused the credentials .*REDFIX_API_KEY"),
        (400, "max_tokens must be at most 4096", "rejected the request \\(400: max_tokens"),
    ],
)
def test_client_errors_are_not_retried(
    httpserver: HTTPServer, status: int, message: str, expected: str
) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        error(status, message)
    )

    with pytest.raises(ModelRequestRejected, match=expected) as caught:
        connect(httpserver, api_key=API_KEY, attempts=3).complete(
            MESSAGES, model=MODEL_ID, options=OPTIONS
        )

    assert API_KEY not in str(caught.value)
    assert len(sent(httpserver, "/v1/chat/completions")) == 1


def test_service_unavailable_is_retried_until_it_answers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        replies(error(503, "loading model"), error(503, "loading model"), sse(content_chunks()))
    )

    completion = connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert completion.text == "".join(TOKENS)
    assert len(sent(httpserver, "/v1/chat/completions")) == 3


def test_service_unavailable_gives_up_after_the_last_attempt(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        lambda _: error(503, "loading model")
    )

    with pytest.raises(ModelServiceUnreachable, match="503"):
        connect(httpserver, attempts=2).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert len(sent(httpserver, "/v1/chat/completions")) == 2


def test_a_stream_cut_before_it_finished_is_retried(httpserver: HTTPServer) -> None:
    cut = [chunk("", role=True), chunk(TOKENS[0])]
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        replies(sse(cut, done=False), sse(content_chunks()))
    )

    completion = connect(httpserver, attempts=2).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)

    assert completion.text == "".join(TOKENS)
    assert len(sent(httpserver, "/v1/chat/completions")) == 2


def test_a_cut_stream_fails_as_unreachable_when_attempts_run_out(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([chunk(TOKENS[0])], done=False)
    )

    with pytest.raises(ModelServiceUnreachable, match=r"finish_reason or `data: \[DONE\]`"):
        connect(httpserver, attempts=1).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)


def test_an_error_event_inside_the_stream_is_translated(httpserver: HTTPServer) -> None:
    failure = {"error": {"code": 400, "message": "the request exceeds the available context size"}}
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([chunk("", role=True), failure], done=False)
    )

    with pytest.raises(ModelRequestRejected, match="exceeds the available context size"):
        connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)


def test_a_slow_server_hits_the_timeout(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def slow(_: Request) -> Response:
        release.wait(timeout=5)
        return sse(content_chunks())

    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(slow)
    connector = connect(httpserver, timeout_s=0.05, attempts=1)

    try:
        with pytest.raises(ModelServiceUnreachable, match=r"within the 0\.05s timeout"):
            connector.complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    finally:
        release.set()
        deadline = time.monotonic() + 5
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.005)


def test_a_generation_past_its_deadline_is_not_retried(httpserver: HTTPServer) -> None:
    def slow_tokens(_: Request) -> Response:
        def stream() -> Iterator[str]:
            for event in content_chunks():
                time.sleep(0.03)
                yield f"data: {json.dumps(event)}\n\n"

        return Response(stream(), content_type="text/event-stream")

    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        slow_tokens
    )
    options = GenerationOptions(timeout_s=0.05)

    with pytest.raises(ModelServiceError, match=r"still generating after 0\.05s") as caught:
        connect(httpserver, attempts=3).complete(MESSAGES, model=MODEL_ID, options=options)

    assert not caught.value.retryable
    assert len(sent(httpserver, "/v1/chat/completions")) == 1


def test_refused_connection_names_the_url_and_what_to_do(closed_port_url: str) -> None:
    connector = OpenAICompatibleConnector(f"{closed_port_url}/v1", attempts=2, backoff_s=0)

    with pytest.raises(ModelServiceUnreachable) as caught:
        connector.ensure_model(MODEL_ID)

    assert f"no model server is answering at {closed_port_url}/v1" in str(caught.value)
    assert "--base-url/REDFIX_BASE_URL" in str(caught.value)


def test_the_key_never_shows_in_the_connector_repr() -> None:
    connector = OpenAICompatibleConnector("http://127.0.0.1:1/v1", api_key=API_KEY)
    assert API_KEY not in repr(connector)


@pytest.mark.parametrize(("finish", "cut"), [("length", True), ("stop", False)])
def test_an_answer_stopped_at_max_tokens_is_marked_cut(
    httpserver: HTTPServer, finish: str, cut: bool
) -> None:
    chunks = [chunk("", role=True), *(chunk(token) for token in TOKENS), chunk(finish=finish)]
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        sse([*chunks, USAGE_CHUNK])
    )
    completion = connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    assert completion.cut is cut and completion.text == "".join(TOKENS)
