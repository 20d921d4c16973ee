"""OpenAICompatibleConnector: chat with vLLM, LocalAI, TGI or llama.cpp's server.

Speaks the OpenAI chat-completions wire format with plain httpx rather than the
`openai` SDK: the SDK falls back to OPENAI_API_KEY / OPENAI_BASE_URL from the
environment (a real OpenAI key must never be sent to a self-hosted server), and
redfix needs exact control over the SSE stream to tell a finished answer
(`data: [DONE]` or a finish_reason) from one a proxy cut short, and to retry a
server that rejects `stream_options`. The format itself is two endpoints.

A prompt too long for the context window is PromptTooLong, whichever way the
server says so: an error status (llama.cpp, vLLM, OpenAI), an error event inside
the stream, or, for llama-cpp-python, a stream that ends before its first event
(its server has already answered 200 when the model refuses the prompt), which is
asked once more without streaming to get the error it then returns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from bot.errors import ConfigError, ModelNotFound, ModelServiceError, ModelServiceUnreachable
from bot.models import ChatMessage, Completion, GenerationOptions
from bot.ports import TokenCallback
from connectors.ai.failures import error_for_status, prompt_too_long, shorten
from connectors.ai.retry import call_with_retries
from connectors.ai.tokens import estimate_prompt_tokens

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
# Asking for the context window is an extra; it must not hold up the run.
WINDOW_QUERY_TIMEOUT_S = 5.0
# llama.cpp lists the model file it loaded; users name it without the path.
_WEIGHT_FILE_SUFFIXES = (".gguf", ".ggml", ".bin", ".safetensors")

Result = TypeVar("Result")


def short_names(model_id: str) -> set[str]:
    """Names a served id also answers to: its basename, without a weight-file suffix."""
    base = model_id.replace("\\", "/").rsplit("/", 1)[-1]
    names = {base}
    for suffix in _WEIGHT_FILE_SUFFIXES:
        if base.lower().endswith(suffix):
            names.add(base[: -len(suffix)])
    return names


def pick_served_model(wanted: str, served: Sequence[str], *, where: str) -> str:
    """The id among `served` that `wanted` names; an empty name picks the only model."""
    listing = ", ".join(served) or "no models"
    if not wanted.strip():
        if len(served) == 1:
            return served[0]
        raise ModelNotFound(wanted, f"{where} serves {listing}: name one with --model")
    if wanted in served:
        return wanted
    matches = [model_id for model_id in served if wanted in short_names(model_id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ModelNotFound(wanted, f"it matches several models at {where}: {', '.join(matches)}")
    raise ModelNotFound(wanted, f"{where} serves {listing}: pass one of these with --model")


def error_detail(body: str) -> str:
    """The message inside an error body: OpenAI's error.message, TGI's error, FastAPI's detail."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if not isinstance(parsed, dict):
        return body
    error = parsed.get("error")
    if isinstance(error, dict) and "message" in error:
        return str(error["message"])
    if isinstance(error, str):
        return error
    return str(parsed.get("detail") or parsed.get("message") or body)


def server_root(base_url: str) -> str:
    """The server's own root, where llama.cpp answers /props: the base URL without /v1."""
    stripped = base_url.rstrip("/")
    return stripped.removesuffix("/v1")


def window_from_props(payload: object) -> int | None:
    """llama.cpp's GET /props: `default_generation_settings.n_ctx`, the context of a slot."""
    settings = payload.get("default_generation_settings") if isinstance(payload, dict) else None
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    return n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None


def window_from_models(payload: object, served_id: str) -> int | None:
    """vLLM's GET /models: `max_model_len` of the entry for `served_id`."""
    listed = payload.get("data") if isinstance(payload, dict) else None
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and entry.get("id") == served_id:
            length = entry.get("max_model_len")
            return length if isinstance(length, int) and length > 0 else None
    return None


@dataclass
class _Reply:
    parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    model: str | None = None
    done: bool = False
    started: bool = False  # the server answered 200 and began the stream
    events: int = 0  # `data:` events read

    @property
    def finished(self) -> bool:
        return self.done or self.finish_reason is not None


class _UsageOptionRejected(Exception):
    """The server refused `stream_options`; the request is worth repeating without it."""


class _SilentStream(Exception):
    """The server answered 200 and the stream ended before its first event."""


class OpenAICompatibleConnector:
    """AIServiceConnector for any server speaking OpenAI's chat-completions API."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 600,
        attempts: int = 3,
        backoff_s: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._attempts = attempts
        self._backoff_s = backoff_s
        headers = {"Accept": "application/json, text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
        )
        self._served_ids: dict[str, str] = {}
        self._ask_for_usage = True
        self._windows: dict[str, int | None] = {}

    def __repr__(self) -> str:  # never shows the API key
        return f"OpenAICompatibleConnector(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def ensure_model(self, model: str) -> None:
        self._retrying(lambda: self._resolve(model), what=f"checking model {model!r}")

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        """One streamed chat completion.

        If an attempt fails after tokens were already passed to `on_token`, the
        retry streams the new answer from its first token again.
        """
        return self._retrying(
            lambda: self._complete_once(messages, model=model, options=options, on_token=on_token),
            what=f"chat with {model!r}",
        )

    def context_tokens(self, model: str) -> int | None:
        """The context window the server reports, asked once per model; None if it says not.

        llama.cpp's server tells it in GET /props, vLLM in GET /models (`max_model_len`);
        llama-cpp-python's server has no such endpoint.
        """
        if model not in self._windows:
            served_id = self._served_ids.get(model, model)
            self._windows[model] = self._get_window(
                f"{server_root(self.base_url)}/props", window_from_props
            ) or self._get_window(
                "models", lambda payload: window_from_models(payload, served_id)
            )
            _log.info("%s reports a context window of %s tokens for %r",
                      self.base_url, self._windows[model], model)
        return self._windows[model]

    def _get_window(self, url: str, read: Callable[[object], int | None]) -> int | None:
        try:
            response = self._http.get(url, timeout=WINDOW_QUERY_TIMEOUT_S)
            return read(response.json()) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _retrying(self, operation: Callable[[], Result], *, what: str) -> Result:
        return call_with_retries(
            operation,
            attempts=self._attempts,
            backoff_s=self._backoff_s,
            what=f"model server at {self.base_url}: {what}",
        )

    def _resolve(self, model: str) -> str:
        if model not in self._served_ids:
            served = self._served_models(model)
            self._served_ids[model] = pick_served_model(model, served, where=self.base_url)
        return self._served_ids[model]

    def _served_models(self, model: str) -> list[str]:
        with self._translated_errors(model):
            response = self._http.get("models")
            if response.status_code == 404:
                raise ConfigError(
                    f"{self.base_url}/models answered 404: the base URL must be the server's "
                    "OpenAI-compatible root, usually ending in /v1 (e.g. http://127.0.0.1:8080/v1)"
                )
            self._raise_for_status(response.status_code, response.text, model=model)
            payload = response.json()
        listed = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(listed, list):
            raise self._not_openai("GET /models has no `data` list")
        return [str(entry["id"]) for entry in listed if isinstance(entry, dict) and "id" in entry]

    def _complete_once(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None,
    ) -> Completion:
        # ensure_model() resolved the name to the server's id; an empty name needs it.
        served_id = self._served_ids.get(model, model) if model.strip() else self._resolve(model)
        started = time.monotonic()
        reply = self._chat(messages, served_id, options=options, on_token=on_token)
        usage = reply.usage or {}
        prompt_tokens = usage.get("prompt_tokens")
        completion_tokens = usage.get("completion_tokens")
        return Completion(
            text="".join(reply.parts),
            model=reply.model or served_id,
            # Without a usage chunk: estimate the prompt from its length, and count
            # streamed deltas for the answer (servers send about one token each).
            prompt_tokens=prompt_tokens
            if isinstance(prompt_tokens, int)
            else estimate_prompt_tokens(messages),
            completion_tokens=completion_tokens
            if isinstance(completion_tokens, int)
            else len(reply.parts),
            seconds=time.monotonic() - started,
            cut=reply.finish_reason == "length",
        )

    def _chat(
        self,
        messages: Sequence[ChatMessage],
        served_id: str,
        *,
        options: GenerationOptions,
        on_token: TokenCallback | None,
    ) -> _Reply:
        try:
            return self._stream_chat(messages, served_id, options=options, on_token=on_token)
        except _UsageOptionRejected:
            _log.info("%s rejects stream_options; token usage will be estimated", self.base_url)
            self._ask_for_usage = False
            return self._chat(messages, served_id, options=options, on_token=on_token)
        except _SilentStream as silent:
            # llama-cpp-python refuses an over-long prompt after its 200 and ends the
            # stream; unstreamed, it answers 400 with the reason (a real cut, it answers).
            _log.warning("%s (%s); asking once more without streaming", self.base_url, silent)
            return self._stream_chat(
                messages, served_id, options=options, on_token=on_token, stream=False
            )

    def _request_body(
        self,
        messages: Sequence[ChatMessage],
        served_id: str,
        options: GenerationOptions,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": served_id,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": stream,
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
        }
        if options.seed is not None:
            body["seed"] = options.seed
        if stream and self._ask_for_usage:
            body["stream_options"] = {"include_usage": True}
        return body

    def _stream_chat(
        self,
        messages: Sequence[ChatMessage],
        served_id: str,
        *,
        options: GenerationOptions,
        on_token: TokenCallback | None,
        stream: bool = True,
    ) -> _Reply:
        body = self._request_body(messages, served_id, options, stream=stream)
        deadline = time.monotonic() + options.timeout_s
        reply = _Reply()
        try:
            with (
                self._translated_errors(served_id),
                self._http.stream("POST", "chat/completions", json=body) as response,
            ):
                if response.status_code >= 400:
                    detail = response.read().decode("utf-8", errors="replace")
                    rejected = response.status_code in (400, 422) and "stream_options" in detail
                    if rejected and "stream_options" in body:
                        raise _UsageOptionRejected
                    self._raise_for_status(response.status_code, detail, model=served_id)
                if response.headers.get("content-type", "").startswith("application/json"):
                    return self._whole_reply(response.read(), on_token=on_token)
                reply.started = True
                lines = response.iter_lines()
                return self._read_events(
                    lines, reply, on_token=on_token, deadline=deadline, options=options
                )
        except ModelServiceUnreachable as exc:
            if stream and reply.started and not reply.events:
                raise _SilentStream(str(exc)) from exc
            raise

    def _read_events(
        self,
        lines: Iterable[str],
        reply: _Reply,
        *,
        on_token: TokenCallback | None,
        deadline: float,
        options: GenerationOptions,
    ) -> _Reply:
        for line in lines:
            if not line.startswith("data:"):
                continue  # blank separators, `: keep-alive` comments, `event:` names
            reply.events += 1
            payload = line[len("data:") :].strip()
            if payload == "[DONE]":
                reply.done = True
                break
            self._absorb(json.loads(payload), reply, on_token=on_token)
            if time.monotonic() > deadline:
                raise ModelServiceError(
                    f"the model at {self.base_url} was still generating after "
                    f"{options.timeout_s:g}s (the generation timeout): lower max_tokens, use a "
                    "faster model or raise the timeout"
                )
        if not reply.finished:
            raise ModelServiceUnreachable(
                f"the model server at {self.base_url} ended the stream after {len(reply.parts)} "
                "chunks without a finish_reason or `data: [DONE]`: the server or a proxy cut "
                "the answer short"
            )
        return reply

    def _absorb(self, chunk: Any, reply: _Reply, *, on_token: TokenCallback | None) -> None:
        if not isinstance(chunk, dict):
            raise self._not_openai("a stream event is not a JSON object")
        if chunk.get("error"):
            raise self._stream_error(chunk["error"], model=reply.model or "")
        if isinstance(chunk.get("usage"), dict):
            reply.usage = chunk["usage"]
        reply.model = chunk.get("model") or reply.model
        # The usage chunk has `choices: []`; some servers send null or leave it out.
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            token = (choice.get("delta") or {}).get("content") or ""
            if token:
                reply.parts.append(token)
                if on_token is not None:
                    on_token(token)
            reply.finish_reason = choice.get("finish_reason") or reply.finish_reason

    def _whole_reply(self, raw: bytes, *, on_token: TokenCallback | None) -> _Reply:
        """A server that ignored `stream: true` and sent one chat.completion object."""
        completion = json.loads(raw)
        choices = completion.get("choices") if isinstance(completion, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise self._not_openai("the completion has no choices")
        text = (choices[0].get("message") or {}).get("content") or ""
        if text and on_token is not None:
            on_token(text)
        usage = completion.get("usage")
        return _Reply(
            parts=[text] if text else [],
            finish_reason=choices[0].get("finish_reason") or "stop",
            usage=usage if isinstance(usage, dict) else None,
            model=completion.get("model"),
        )

    def _stream_error(self, error: Any, *, model: str) -> ModelServiceError:
        """An error event inside a stream that had started with 200."""
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) else -1
        # The whole event: llama.cpp puts the window's size beside the message.
        whole = json.dumps(error) if isinstance(error, dict) else message
        too_long = prompt_too_long(whole, server=self._server)
        return too_long or self._status_error(status, message, model=model)

    def _raise_for_status(self, status: int, body: str, *, model: str) -> None:
        if status >= 400:
            too_long = prompt_too_long(body, server=self._server)
            raise too_long or self._status_error(status, error_detail(body), model=model)

    @property
    def _server(self) -> str:
        return f"the model server at {self.base_url}"

    def _status_error(self, status: int, detail: str, *, model: str) -> ModelServiceError:
        return error_for_status(
            status,
            detail,
            server=self._server,
            model=model,
            not_found_hint=f"check the ids listed at {self.base_url}/models and pass one with "
            "--model",
        )

    def _not_openai(self, problem: str) -> ModelServiceError:
        return ModelServiceError(
            f"{self.base_url} does not answer like an OpenAI-compatible server ({problem}): "
            "check --base-url (the /v1 URL), or use --connector ollama for Ollama's own API"
        )

    @contextmanager
    def _translated_errors(self, model: str) -> Iterator[None]:
        """Turn what httpx raises into bot.errors, with what to do."""
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ModelServiceUnreachable(
                f"the model server at {self.base_url} did not answer within the "
                f"{self.timeout_s:g}s timeout ({type(exc).__name__}): it may be overloaded or "
                "still loading the model; raise the timeout or use a smaller model"
            ) from exc
        except httpx.ConnectError as exc:
            raise ModelServiceUnreachable(
                f"no model server is answering at {self.base_url}: start your OpenAI-compatible "
                "server (llama.cpp, vLLM, LocalAI, TGI) or pass its /v1 URL with "
                "--base-url/REDFIX_BASE_URL"
            ) from exc
        except httpx.TransportError as exc:
            raise ModelServiceUnreachable(
                f"the connection to {self.base_url} broke mid-answer ({exc}): check the "
                "server's log"
            ) from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self._not_openai(f"{type(exc).__name__}: {shorten(str(exc))}") from exc
