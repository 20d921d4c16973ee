"""How OpenAICompatibleConnector turns what a server or httpx says into bot.core.errors.

error_detail() digs the message out of an error body (OpenAI's, TGI's, FastAPI's),
and OpenAIErrorTranslation, a base class of the connector, holds the methods that
map an error status, an error event inside a stream, a reply that is not OpenAI's
format, and the exceptions httpx raises, to the error tree, with what to do about
them. It reads the connector's `base_url` and `timeout_s`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bot.core.errors import ModelServiceError, ModelServiceUnreachable
from connectors.ai.failures import error_for_status, prompt_too_long, shorten


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


class OpenAIErrorTranslation:
    """The error mapping of OpenAICompatibleConnector, for the server at `base_url`."""

    base_url: str
    timeout_s: float

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
        """Turn what httpx raises into bot.core.errors, with what to do."""
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
