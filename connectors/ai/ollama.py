"""OllamaServiceConnector: chat with a model served by Ollama, through the official client.

Every call goes through this connector's own `ollama.Client` (never the module
singleton), and every failure leaves as an error from bot.core.errors with what to do.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import pydantic
from ollama import ChatResponse, Client, ResponseError

from bot.core.errors import ModelNotFound, ModelServiceError, ModelServiceUnreachable
from bot.core.models import ChatMessage, Completion, GenerationOptions
from bot.core.ports import TokenCallback
from connectors.ai.failures import error_for_status
from connectors.ai.retry import call_with_retries
from connectors.ai.tokens import context_window_for, estimate_prompt_tokens, estimate_tokens

_log = logging.getLogger(__name__)

DEFAULT_OLLAMA_URL = "http://localhost:11434"
# An unreachable host should fail fast even when generation may take minutes.
CONNECT_TIMEOUT_S = 10.0

Result = TypeVar("Result")


def same_model(wanted: str, installed: str) -> bool:
    """Ollama names without a tag mean the `latest` tag: `llama3` is `llama3:latest`."""
    return _with_tag(wanted) == _with_tag(installed)


def _with_tag(name: str) -> str:
    last_segment = name.rsplit("/", 1)[-1]
    return name if ":" in last_segment else f"{name}:latest"


def context_length_of(model_info: Mapping[str, Any]) -> int | None:
    """The trained context length from /api/show's `model_info` (`<arch>.context_length`)."""
    arch = model_info.get("general.architecture")
    candidates = [f"{arch}.context_length"] if isinstance(arch, str) else []
    candidates += sorted(key for key in model_info if key.endswith(".context_length"))
    for key in candidates:
        value = model_info.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


class OllamaServiceConnector:
    """AIServiceConnector for an Ollama server (local or remote)."""

    name = "ollama"

    def __init__(
        self,
        base_url: str = DEFAULT_OLLAMA_URL,
        *,
        timeout_s: float = 600,
        attempts: int = 3,
        backoff_s: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._attempts = attempts
        self._backoff_s = backoff_s
        # httpx semantics: `timeout_s` bounds the connection and each wait for
        # the next bytes, so a streamed answer may take longer than it in total.
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S))
        self._client = Client(host=self.base_url, timeout=timeout)
        self._context_limits: dict[str, int | None] = {}

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]  # ollama leaves it unannotated

    def ensure_model(self, model: str) -> None:
        self._retrying(lambda: self._check_model(model), what=f"checking model {model!r}")

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

    def _retrying(self, operation: Callable[[], Result], *, what: str) -> Result:
        return call_with_retries(
            operation,
            attempts=self._attempts,
            backoff_s=self._backoff_s,
            what=f"Ollama at {self.base_url}: {what}",
        )

    def _check_model(self, model: str) -> None:
        with self._translated_errors(model):
            listed = self._client.list()
        installed = sorted(entry.model for entry in listed.models if entry.model)
        if not any(same_model(model, name) for name in installed):
            raise ModelNotFound(model, self._pull_hint(model, installed))
        self._context_limit(model)

    def _pull_hint(self, model: str, installed: Sequence[str] | None = None) -> str:
        if not model.strip():
            hint = "name a model with --model"
        else:
            hint = f"run `ollama pull {model}` on the Ollama host ({self.base_url})"
        if installed is not None:
            hint += f"; installed there: {', '.join(installed) or 'none'}"
        return hint

    def context_tokens(self, model: str) -> int | None:
        """The model's context length as /api/show reports it (asked once), None if unknown.

        The connector sets num_ctx per request up to this length (see _context_window).
        """
        try:
            return self._context_limit(model)
        except ModelServiceError as exc:
            _log.warning("Ollama at %s did not tell %s's context length: %s", self.base_url,
                         model, exc)
            return None

    def _context_limit(self, model: str) -> int | None:
        """The model's trained context length, read once per model from /api/show."""
        if model in self._context_limits:
            return self._context_limits[model]
        try:
            with self._translated_errors(model, unreadable_is_error=False):
                shown = self._client.show(model)
        except _UnreadableResponse:
            _log.warning("Ollama at %s reports no context length for %s", self.base_url, model)
            limit = None
        else:
            limit = context_length_of(shown.modelinfo or {})
        self._context_limits[model] = limit
        return limit

    def _request_options(
        self, messages: Sequence[ChatMessage], *, model: str, options: GenerationOptions
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "temperature": options.temperature,
            "num_predict": options.max_tokens,
            "num_ctx": options.context_tokens or self._context_window(messages, model, options),
        }
        if options.seed is not None:
            request["seed"] = options.seed
        return request

    def _context_window(
        self, messages: Sequence[ChatMessage], model: str, options: GenerationOptions
    ) -> int:
        # Ollama silently drops the start of a prompt longer than num_ctx, so
        # size it per request instead of trusting the server's default (2k-4k).
        limit = self._context_limit(model)
        needed = estimate_prompt_tokens(messages) + options.max_tokens
        if limit is not None and needed > limit:
            _log.warning(
                "prompt (~%d tokens with the answer) exceeds %s's context length %d: "
                "Ollama will cut the start of the prompt",
                needed,
                model,
                limit,
            )
        return context_window_for(messages, max_tokens=options.max_tokens, model_limit=limit)

    def _complete_once(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None,
    ) -> Completion:
        request_options = self._request_options(messages, model=model, options=options)
        started = time.monotonic()
        with self._translated_errors(model):
            chunks = self._client.chat(
                model=model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                options=request_options,
            )
            try:
                text, final = self._collect(chunks, on_token=on_token, options=options)
            finally:
                if isinstance(chunks, Generator):
                    chunks.close()
        if final.done_reason == "length":
            _log.info("%s stopped at max_tokens=%d: answer cut", model, options.max_tokens)
        return Completion(
            text=text,
            model=final.model or model,
            # Ollama omits prompt_eval_count when the whole prompt came from its cache.
            prompt_tokens=final.prompt_eval_count or estimate_prompt_tokens(messages),
            completion_tokens=final.eval_count or estimate_tokens(text),
            seconds=time.monotonic() - started,
            cut=final.done_reason == "length",
        )

    def _collect(
        self,
        chunks: Iterator[ChatResponse],
        *,
        on_token: TokenCallback | None,
        options: GenerationOptions,
    ) -> tuple[str, ChatResponse]:
        deadline = time.monotonic() + options.timeout_s
        parts: list[str] = []
        for chunk in chunks:
            token = chunk.message.content or ""
            if token:
                parts.append(token)
                if on_token is not None:
                    on_token(token)
            if chunk.done:
                return "".join(parts), chunk
            if time.monotonic() > deadline:
                raise ModelServiceError(
                    f"Ollama at {self.base_url} was still generating after {options.timeout_s:g}s "
                    "(the generation timeout): lower max_tokens, use a faster model or raise "
                    "the timeout"
                )
        raise ModelServiceUnreachable(
            f"Ollama at {self.base_url} ended the stream after {len(parts)} tokens without its "
            "final chunk (done: true): the server or a proxy cut the answer short"
        )

    @contextmanager
    def _translated_errors(self, model: str, *, unreadable_is_error: bool = True) -> Iterator[None]:
        """Turn what the ollama client raises into bot.core.errors, with what to do."""
        try:
            yield
        except ResponseError as exc:
            raise error_for_status(
                exc.status_code,
                str(exc.error),
                server=f"Ollama at {self.base_url}",
                model=model,
                not_found_hint=self._pull_hint(model),
            ) from exc
        except httpx.TimeoutException as exc:
            raise ModelServiceUnreachable(
                f"Ollama at {self.base_url} did not answer within the {self.timeout_s:g}s timeout "
                f"({type(exc).__name__}): the model may still be loading or the host is "
                "overloaded; raise the timeout or use a smaller model"
            ) from exc
        except (httpx.ConnectError, ConnectionError) as exc:
            raise ModelServiceUnreachable(
                f"Ollama is not answering at {self.base_url}: start it with `ollama serve` "
                "or pass --base-url/REDFIX_BASE_URL"
            ) from exc
        except httpx.TransportError as exc:
            raise ModelServiceUnreachable(
                f"the connection to Ollama at {self.base_url} broke mid-answer ({exc}): "
                "check the server's log"
            ) from exc
        except (json.JSONDecodeError, pydantic.ValidationError) as exc:
            if not unreadable_is_error:
                raise _UnreadableResponse from exc
            raise ModelServiceError(
                f"the server at {self.base_url} sent a response that is not Ollama's API "
                f"({type(exc).__name__}): check that the URL points at Ollama, or use "
                "--connector openai for an OpenAI-compatible server"
            ) from exc


class _UnreadableResponse(Exception):
    """A response without the fields this client version expects (older Ollama)."""
