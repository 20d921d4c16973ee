"""Which model an OpenAI-compatible server serves, and how large its context window is.

Pure helpers over what the server lists: the names a served id also answers to
(llama.cpp lists the loaded weight file with its path and suffix), the choice of
the served id a user's --model names, the server's root URL (where llama.cpp
answers /props), and the context window read from llama.cpp's GET /props or
vLLM's GET /models. OpenAICompatibleConnector (connectors.ai.openai_compat) uses
them to resolve a model and to answer context_tokens().
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.errors import ModelNotFound

# llama.cpp lists the model file it loaded; users name it without the path.
_WEIGHT_FILE_SUFFIXES = (".gguf", ".ggml", ".bin", ".safetensors")


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
