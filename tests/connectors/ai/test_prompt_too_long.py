"""A prompt longer than the model's context window, as each server says it, and the window
as each server reports it.

The bodies are the servers' own: llama.cpp's server answers 400 with type
`exceed_context_size_error` and the counts `n_prompt_tokens` / `n_ctx` (older builds:
only "the request exceeds the available context size"); llama-cpp-python's server turns
its ValueError "Requested tokens (N) exceed context window of M" into OpenAI's 400
`context_length_exceeded`, but only for unstreamed requests: streamed, it has already
answered 200 and the stream ends without an event. Ollama says "the input length exceeds
the context length". llama.cpp reports its window in GET /props
(`default_generation_settings.n_ctx`), vLLM in GET /v1/models (`max_model_len`), Ollama
in POST /api/show (`model_info["<arch>.context_length"]`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.core.errors import (
    ModelNotFound,
    ModelRequestRejected,
    ModelServiceUnreachable,
    PromptTooLong,
)
from bot.core.models import ChatMessage, GenerationOptions
from bot.core.results import RunOutcome
from bot.evaluation.metering import MeteredConnector
from bot.evaluation.naive import run_naive
from bot.evaluation.results import Verdict
from bot.evaluation.taskrepo import TaskRepo, TestsRun
from bot.evaluation.tasks import EvalTask
from bot.stages.generate.ask import context_window
from connectors.ai.failures import error_for_status, prompt_too_long
from connectors.ai.ollama import OllamaServiceConnector
from connectors.ai.openai_compat import OpenAICompatibleConnector
from connectors.sandbox.local import LocalRunner

SERVER = "the model server at http://127.0.0.1:8790/v1"
MODEL_ID = "/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MESSAGES = (ChatMessage("system", "You fix failing tests."), ChatMessage("user", "x" * 40))
OPTIONS = GenerationOptions(max_tokens=1024)

LLAMA_CPP = {"error": {
    "code": 400,
    "message": "request (9029 tokens) exceeds the available context size (8192 tokens), "
               "try increasing it",
    "type": "exceed_context_size_error", "n_prompt_tokens": 9029, "n_ctx": 8192,
}}
LLAMA_CPP_OLD = {"error": {
    "code": 400, "message": "the request exceeds the available context size, try increasing it",
    "type": "invalid_request_error",
}}
LLAMA_CPP_PYTHON = {"error": {
    "message": "This model's maximum context length is 8192 tokens. However, you requested "
               "10053 tokens (9029 in the messages, 1024 in the completion). Please reduce the "
               "length of the messages or completion.",
    "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded",
}}
LLAMA_CPP_PYTHON_RAW = {"error": {
    "message": "Requested tokens (9029) exceed context window of 8192",
    "type": "internal_server_error", "param": None, "code": None,
}}
OPENAI = {"error": {
    "message": "This model's maximum context length is 8192 tokens. However, your messages "
               "resulted in 9029 tokens. Please reduce the length of the messages.",
    "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded",
}}
OLLAMA = {"error": "the input length exceeds the context length"}


@pytest.mark.parametrize(("body", "limit", "prompt"), [
    (LLAMA_CPP, 8192, 9029),
    (LLAMA_CPP_OLD, None, None),
    (LLAMA_CPP_PYTHON, 8192, 9029),
    (LLAMA_CPP_PYTHON_RAW, 8192, 9029),
    (OPENAI, 8192, 9029),
    (OLLAMA, None, None),
], ids=["llama.cpp", "llama.cpp-old", "llama-cpp-python", "llama-cpp-python-raw", "openai",
        "ollama"])
def test_each_servers_refusal_for_length_is_read_with_its_numbers(
    body: dict[str, Any], limit: int | None, prompt: int | None
) -> None:
    refusal = prompt_too_long(json.dumps(body), server=SERVER)
    assert refusal is not None
    assert (refusal.limit, refusal.prompt_tokens) == (limit, prompt)
    assert not refusal.retryable
    window = f"its {limit}-token context window" if limit else "its context window"
    assert f"{SERVER} refused the prompt" in str(refusal) and window in str(refusal)


@pytest.mark.parametrize("body", [
    {"error": {"message": "Invalid API key", "type": "invalid_request_error"}},
    {"error": {"message": "Failed to deserialize the JSON body: unknown field `stream_options`"}},
    {"error": "llama runner process has terminated: CUDA error: out of memory"},
    {"detail": "max_tokens must be at least 1"},
])
def test_other_errors_are_not_taken_for_a_prompt_too_long(body: dict[str, Any]) -> None:
    assert prompt_too_long(json.dumps(body), server=SERVER) is None


@pytest.mark.parametrize("status", [400, 500, -1])
def test_a_refusal_for_length_is_prompt_too_long_whatever_the_status(status: int) -> None:
    message = LLAMA_CPP_PYTHON_RAW["error"]["message"]
    error = error_for_status(status, message, server=SERVER, model=MODEL_ID, not_found_hint="")
    assert isinstance(error, PromptTooLong) and isinstance(error, ModelRequestRejected)
    assert not isinstance(error, ModelServiceUnreachable)


def test_not_found_stays_not_found_whatever_its_words() -> None:
    error = error_for_status(404, "maximum context length", server=SERVER, model=MODEL_ID,
                             not_found_hint="pull it")
    assert isinstance(error, ModelNotFound)


def chat_requests(server: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(r.get_data()) for r, _ in server.log if r.path == "/v1/chat/completions"]


def connect(server: HTTPServer) -> OpenAICompatibleConnector:
    return OpenAICompatibleConnector(server.url_for("/v1"), attempts=3, backoff_s=0)


def test_a_400_for_length_is_raised_at_once_and_never_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        LLAMA_CPP, status=400
    )
    with pytest.raises(PromptTooLong) as refused:
        connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    assert (refused.value.limit, refused.value.prompt_tokens) == (8192, 9029)
    assert len(chat_requests(httpserver)) == 1


def test_an_error_event_for_length_inside_the_stream_keeps_the_servers_numbers(
    httpserver: HTTPServer,
) -> None:
    event = {"error": {**LLAMA_CPP["error"], "message": "the request exceeds the available "
                       "context size, try increasing it"}}
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_data(
        f"data: {json.dumps(event)}\n\n", content_type="text/event-stream"
    )
    with pytest.raises(PromptTooLong) as refused:
        connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    assert (refused.value.limit, refused.value.prompt_tokens) == (8192, 9029)
    assert len(chat_requests(httpserver)) == 1


def llama_cpp_python(request: Request) -> Response:
    """llama-cpp-python's server: streamed, 200 and an empty stream; else its 400."""
    if json.loads(request.get_data())["stream"]:
        return Response("", content_type="text/event-stream")
    return Response(json.dumps(LLAMA_CPP_PYTHON), status=400, content_type="application/json")


def test_a_stream_ended_before_its_first_event_is_asked_unstreamed_to_learn_why(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        llama_cpp_python
    )
    with pytest.raises(PromptTooLong) as refused:
        connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    assert (refused.value.limit, refused.value.prompt_tokens) == (8192, 9029)
    assert [r["stream"] for r in chat_requests(httpserver)] == [True, False], (
        "not the three streamed tries of an outage")
    assert "stream_options" not in chat_requests(httpserver)[1]


def test_an_empty_stream_that_was_a_real_cut_gets_its_answer_unstreamed(
    httpserver: HTTPServer,
) -> None:
    answer = {"id": "c", "object": "chat.completion", "created": 0, "model": MODEL_ID,
              "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": "def add(a, b):"}}]}

    def cut_then_whole(request: Request) -> Response:
        if json.loads(request.get_data())["stream"]:
            return Response("", content_type="text/event-stream")
        return Response(json.dumps(answer), content_type="application/json")

    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(
        cut_then_whole
    )
    completion = connect(httpserver).complete(MESSAGES, model=MODEL_ID, options=OPTIONS)
    assert completion.text == "def add(a, b):"


def test_llama_cpp_reports_its_window_in_props_and_is_asked_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/props").respond_with_json(
        {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1}
    )
    connector = connect(httpserver)
    assert connector.context_tokens(MODEL_ID) == 4096
    assert connector.context_tokens(MODEL_ID) == 4096
    assert len([r for r, _ in httpserver.log if r.path == "/props"]) == 1


def test_the_evaluation_harness_asks_the_server_too(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/props").respond_with_json(
        {"default_generation_settings": {"n_ctx": 4096}}
    )
    metered = MeteredConnector(connect(httpserver))
    assert context_window(metered, MODEL_ID, configured=0).tokens == 4096
    assert context_window(metered, MODEL_ID, configured=2048).tokens == 2048, "the cap"


def test_the_naive_baseline_never_sends_a_file_its_window_cannot_hold(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """llama-cpp-python's server dropped the connection on tornado's whole-file prompt, and
    the baseline's run was an error instead of what it is: a prompt too long."""
    httpserver.expect_request("/props").respond_with_json(
        {"default_generation_settings": {"n_ctx": 2048}}
    )
    source = "".join(f"def f{n}(x):\n    return x + {n}\n\n\n" for n in range(400))
    task = EvalTask("big-1", "realbugs", {"big.py": source}, {"big.py": source}, ("t.py",), {},
                    (), "big.py")
    bench = TaskRepo(task, tmp_path, LocalRunner(), ("python", "-m", "pytest"), 30.0)
    before = TestsRun(RunOutcome(1, "1 failed", None, 0.1, "local"), None)
    run = run_naive(bench, before, connector=connect(httpserver), model=MODEL_ID,
                    scratch=tmp_path, timeout_s=30.0)
    assert (run.verdict, run.cause, run.model_calls) == (Verdict.NO_FIX, "prompt too long", 0)
    assert "does not fit the model's 2048-token window" in run.explanation
    assert not [r for r, _ in httpserver.log if r.path.endswith("/chat/completions")]


def test_vllm_reports_its_window_as_max_model_len(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/props").respond_with_data("not found", status=404)
    httpserver.expect_request("/v1/models").respond_with_json({"object": "list", "data": [
        {"id": "other", "object": "model", "max_model_len": 131072},
        {"id": MODEL_ID, "object": "model", "max_model_len": 32768},
    ]})
    assert connect(httpserver).context_tokens(MODEL_ID) == 32768


def test_a_server_that_does_not_say_gives_no_window(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/props").respond_with_data("not found", status=404)
    httpserver.expect_request("/v1/models").respond_with_json(
        {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "me"}]}
    )
    assert connect(httpserver).context_tokens(MODEL_ID) is None


def test_ollama_refusing_for_length_is_prompt_too_long_and_its_window_is_the_models(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/api/show", method="POST").respond_with_json({
        "modelfile": "", "parameters": "", "template": "{{ .Prompt }}",
        "details": {"format": "gguf", "family": "qwen2"},
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
    })
    httpserver.expect_request("/api/chat", method="POST").respond_with_json(OLLAMA, status=400)
    connector = OllamaServiceConnector(httpserver.url_for("/"), attempts=3, backoff_s=0)
    assert connector.context_tokens("qwen2.5-coder:1.5b") == 32768
    with pytest.raises(PromptTooLong):
        connector.complete(MESSAGES, model="qwen2.5-coder:1.5b", options=OPTIONS)
    assert len([r for r, _ in httpserver.log if r.path == "/api/chat"]) == 1


def test_ollama_without_the_model_gives_no_window(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/show", method="POST").respond_with_json(
        {"error": "model 'qwen2.5-coder:1.5b' not found"}, status=404
    )
    connector = OllamaServiceConnector(httpserver.url_for("/"), attempts=1, backoff_s=0)
    assert connector.context_tokens("qwen2.5-coder:1.5b") is None
