"""Choose and build the AIServiceConnector the user asked for (or the one that answers)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bot.core.errors import ConfigError, ModelServiceUnreachable
from bot.core.ports import AIServiceConnector
from connectors.ai.ollama import DEFAULT_OLLAMA_URL, OllamaServiceConnector
from connectors.ai.openai_compat import OpenAICompatibleConnector

CONNECTOR_KINDS = ("ollama", "openai", "auto")
PROBE_TIMEOUT_S = 2.0


def probe_ollama(base_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when an Ollama server answers GET /api/version at `base_url`."""
    payload = _get_json(f"{base_url.rstrip('/')}/api/version", timeout_s=timeout_s)
    return isinstance(payload, dict) and isinstance(payload.get("version"), str)


def probe_openai_compatible(
    base_url: str, *, api_key: str | None = None, timeout_s: float = PROBE_TIMEOUT_S
) -> bool:
    """True when GET /models at `base_url` answers like an OpenAI-compatible server.

    A 401/403 counts: something that guards /models is such a server, and the
    connector then explains the credentials problem precisely.
    """
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=timeout_s)
        if response.status_code in (401, 403):
            return True
        payload = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(payload, dict) and isinstance(payload.get("data"), list)


def build_connector(
    kind: str,
    *,
    base_url: str | None,
    api_key: str | None = None,
    timeout_s: float = 600,
) -> AIServiceConnector:
    """The connector for `kind` ("ollama", "openai" or "auto") at `base_url`.

    "auto" asks `base_url` (default: Ollama's http://localhost:11434) whether it
    is Ollama (GET /api/version), then whether it is OpenAI-compatible (GET /models).
    """
    chosen = kind.strip().lower()
    if base_url is not None:
        _require_http_url(base_url)
    if chosen == "ollama":
        return OllamaServiceConnector(base_url or DEFAULT_OLLAMA_URL, timeout_s=timeout_s)
    if chosen == "openai":
        if not base_url:
            raise ConfigError(
                "--connector openai needs the server's /v1 URL: pass --base-url or set "
                "REDFIX_BASE_URL (e.g. http://127.0.0.1:8080/v1)"
            )
        return OpenAICompatibleConnector(base_url, api_key=api_key, timeout_s=timeout_s)
    if chosen == "auto":
        return _detect(base_url, api_key=api_key, timeout_s=timeout_s)
    raise ConfigError(f"unknown connector {kind!r}: use one of {', '.join(CONNECTOR_KINDS)}")


def _detect(base_url: str | None, *, api_key: str | None, timeout_s: float) -> AIServiceConnector:
    url = (base_url or DEFAULT_OLLAMA_URL).rstrip("/")
    probe_timeout = min(timeout_s, PROBE_TIMEOUT_S)
    for ollama_url in _ollama_candidates(url):
        if probe_ollama(ollama_url, probe_timeout):
            return OllamaServiceConnector(ollama_url, timeout_s=timeout_s)
    if base_url and probe_openai_compatible(url, api_key=api_key, timeout_s=probe_timeout):
        return OpenAICompatibleConnector(url, api_key=api_key, timeout_s=timeout_s)
    asked = "as Ollama (/api/version) or an OpenAI-compatible server (/models)"
    if not base_url:
        asked = "as Ollama (/api/version)"
    raise ModelServiceUnreachable(
        f"no model server answers at {url} {asked}: start Ollama (`ollama serve`, then "
        "`ollama pull MODEL`), or point redfix at an OpenAI-compatible server with "
        "--connector openai --base-url URL/v1 (or REDFIX_BASE_URL)"
    )


def _ollama_candidates(url: str) -> list[str]:
    """`url`, and for Ollama's own OpenAI-compatible `/v1` URL its root as well.

    Ollama's /v1 endpoints ignore num_ctx, so a long prompt sent there is cut
    silently; its native API through OllamaServiceConnector sizes the context.
    """
    if url.endswith("/v1"):
        return [url, url.removesuffix("/v1")]
    return [url]


def _require_http_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base URL {url!r} must start with http:// or https:// "
            "(e.g. http://localhost:11434 or http://127.0.0.1:8080/v1)"
        )


def _get_json(url: str, *, timeout_s: float) -> object:
    try:
        response = httpx.get(url, timeout=timeout_s)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
