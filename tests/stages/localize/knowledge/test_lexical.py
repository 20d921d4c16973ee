from __future__ import annotations

import numpy as np
import pytest

from bot.stages.localize.knowledge.lexical import LexicalIndex, split_identifier, tokenize


@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("parse_date", ["parse", "date"]),
        ("parseDate", ["parse", "date"]),
        ("HTTPResponseCode", ["http", "response", "code"]),
        ("__init__", ["init"]),
        ("getV2Value", ["get", "v", "2", "value"]),
        ("MAX_RETRIES", ["max", "retries"]),
    ],
)
def test_split_identifier(identifier, words):
    assert split_identifier(identifier) == words


def test_tokenize_keeps_whole_identifiers_and_words_without_stopwords():
    assert tokenize("def parse_date(self, text): return None") == [
        "parse_date", "parse", "date", "text",
    ]
    assert tokenize("assert getItem(x) == 3") == ["getitem", "get", "item"]


def test_bm25_ranks_the_document_sharing_rare_identifiers_first():
    index = LexicalIndex([
        "def add(a, b):\n    return a + b",
        "def parse_date(text):\n    return datetime.strptime(text, FORMAT)",
        "def parse_number(text):\n    return int(text)",
    ])
    scores = index.scores("AssertionError in test_parse_date: strptime failed")
    assert int(np.argmax(scores)) == 1
    assert scores[0] == 0.0
    assert scores[2] > 0.0  # shares `parse`


def test_bm25_of_a_query_without_known_words_is_all_zero():
    index = LexicalIndex(["def add(a, b): return a + b"])
    assert index.scores("the of and").tolist() == [0.0]
    assert index.scores("zebra").tolist() == [0.0]
    assert LexicalIndex([]).scores("anything").tolist() == []
