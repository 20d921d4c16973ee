"""Lexical search: identifiers split into words, ranked with BM25 (bm25s)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOPWORDS = frozenset(
    {
        *keyword.kwlist,
        "self",
        "cls",
        "the",
        "an",
        "of",
        "to",
        "in",
        "is",
        "it",
        "and",
        "or",
        "for",
        "on",
        "at",
        "be",
        "this",
        "that",
        "with",
        "as",
        "by",
        "we",
        "if",
        "none",
        "true",
        "false",
        "return",
        "def",
        "var",
        "let",
        "const",
        "function",
        "func",
        "new",
        "public",
        "private",
        "static",
        "void",
        "int",
        "str",
        "args",
        "kwargs",
        "py",
        "line",
        "file",
    }
)


def split_identifier(identifier: str) -> list[str]:
    """`parseHTTPResponse_v2` -> [`parse`, `http`, `response`, `v2`]-like words, lowercased."""
    words: list[str] = []
    for part in identifier.split("_"):
        words.extend(piece.lower() for piece in _CAMEL.findall(part))
    return words


def tokenize(text: str) -> list[str]:
    """Each identifier, whole and split into words, lowercased, without stopwords."""
    tokens: list[str] = []
    for identifier in _WORD.findall(text):
        whole = identifier.lower().strip("_")
        words = split_identifier(identifier)
        if len(words) > 1 and whole not in STOPWORDS:
            tokens.append(whole)
        tokens.extend(w for w in words if len(w) > 1 and w not in STOPWORDS)
    return tokens


class LexicalIndex:
    """BM25 over a fixed list of documents (chunk texts)."""

    def __init__(self, documents: Sequence[str]) -> None:
        import bm25s  # type: ignore[import-untyped]  # no type information upstream

        self._size = len(documents)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(text) or ["<empty>"] for text in documents]
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """One score per document, in document order (all zero for an empty query)."""
        tokens = list(dict.fromkeys(tokenize(query)))
        if not tokens or not self._size:
            return np.zeros(self._size)
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self._size)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float64)
