"""The chat-completions exchange of OpenAICompatibleConnector: request body, SSE stream, reply.

OpenAIChatStream, a base class of the connector, builds the request body (asking
for a usage chunk while the server accepts `stream_options`), posts it, and reads
the server-sent events into a _Reply, telling a finished answer (`data: [DONE]` or
a finish_reason) from one cut short; it also takes the single chat.completion
object of a server that ignored `stream: true`. _UsageOptionRejected and
_SilentStream tell the connector when the request is worth repeating differently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.core.errors import ModelServiceError, ModelServiceUnreachable
from bot.core.models import ChatMessage, GenerationOptions
from bot.core.ports import TokenCallback
from connectors.ai.openai_errors import OpenAIErrorTranslation


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


class OpenAIChatStream(OpenAIErrorTranslation):
    """The streamed chat request of OpenAICompatibleConnector, over its `_http` client."""

    _http: httpx.Client
    _ask_for_usage: bool

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
