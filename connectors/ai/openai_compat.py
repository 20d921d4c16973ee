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

The connector's parts live beside it: the request and the SSE stream in
connectors.ai.openai_stream, the translation of failures into bot.core.errors in
connectors.ai.openai_errors, and served-model names and context windows in
connectors.ai.openai_models.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import httpx

from bot.core.errors import ConfigError
from bot.core.models import ChatMessage, Completion, GenerationOptions
from bot.core.ports import TokenCallback
from connectors.ai.openai_models import (
    pick_served_model,
    server_root,
    window_from_models,
    window_from_props,
)
from connectors.ai.openai_stream import (
    OpenAIChatStream,
    _Reply,
    _SilentStream,
    _UsageOptionRejected,
)
from connectors.ai.retry import call_with_retries
from connectors.ai.tokens import estimate_prompt_tokens

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
# Asking for the context window is an extra; it must not hold up the run.
WINDOW_QUERY_TIMEOUT_S = 5.0

Result = TypeVar("Result")


class OpenAICompatibleConnector(OpenAIChatStream):
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
