"""Fix memory in a real Chroma store: accepted fixes come back as worked examples for
similar failures, rejected ones never do (their objections do)."""

from __future__ import annotations

import pytest

from bot.core.memory import MemoryEntry, Scope
from bot.core.records import FixState
from bot.core.results import Outcome, TestCase
from bot.stages.generate.prompting import fix_messages
from bot.stages.learn.recall import FixMemory
from bot.stages.localize.knowledge.embedding import HashingEmbedder
from connectors.vector.chroma_store import chroma_client
from connectors.vector.fix_memory import ChromaFixMemory

PAGING = """tests/test_catalog.py::test_first_page_starts_with_first_item
AssertionError: assert ['c', 'd'] == ['a', 'b']
tests/test_catalog.py:9: in test_first_page_starts_with_first_item
    assert page(items, 1, per_page=2) == ['a', 'b']
bookshop/catalog.py:6: in page
    start = page_number * per_page"""
CONFIG = """tests/test_settings.py::test_reads_port_from_file
KeyError: 'port'
shop/settings.py:21: in load
    return Settings(port=int(raw['port']))"""
DATES = """tests/test_invoice.py::test_due_date_is_thirty_days_later
AssertionError: assert '2024-02-30' == '2024-03-01'
shop/invoice.py:40: in due_date
    return f'{year}-{month:02}-{day + 30:02}'"""
REJECTED = """tests/test_orders.py::test_first_orders_page_lists_newest
AssertionError: assert [13, 14] == [11, 12]
tests/test_orders.py:12: in test_first_orders_page_lists_newest
    assert orders_page(orders, 1, size=2) == [11, 12]
shop/orders.py:30: in orders_page
    first = page * size"""
QUERY = """tests/test_orders.py::test_first_orders_page_lists_newest_first
AssertionError: assert [13, 14] == [11, 12]
tests/test_orders.py:15: in test_first_orders_page_lists_newest_first
    assert orders_page(orders, 1, size=2) == [11, 12]
shop/orders.py:31: in orders_page
    first = page * size"""


def entry(key, text, state, *, repo="o/shop", installation=1, score=0.8, reasons=()):
    return MemoryEntry(key, repo, installation, key, text, f"diff of {key}", f"why {key}", state,
                       score, reasons)


def fill(memory: FixMemory) -> None:
    memory.remember(entry("o/shop#1", PAGING, FixState.ACCEPTED))
    memory.remember(entry("o/shop#2", CONFIG, FixState.ACCEPTED, score=1.0))
    memory.remember(entry("o/shop#3", DATES, FixState.ACCEPTED, score=1.0))
    memory.remember(entry("o/shop#4", REJECTED, FixState.REJECTED, score=-0.6,
                          reasons=("Do not change the page size: the offset is wrong",)))
    memory.remember(entry("o/other#1", REJECTED, FixState.ACCEPTED, repo="o/other"))
    memory.remember(entry("o/shop#5", QUERY, FixState.OPEN))  # open: never stored


def test_rejected_and_open_fixes_are_never_examples(tmp_path):
    store = ChromaFixMemory(chroma_client(data_dir=tmp_path, url=None), embedder="hashing")
    memory = FixMemory(store, HashingEmbedder())
    fill(memory)
    accepted, rejected = memory.recall(QUERY, repository="o/shop", installation_id=1)
    assert {h.entry.key for h in accepted} == {"o/shop#1", "o/shop#2", "o/shop#3"}
    assert [h.entry.key for h in rejected] == ["o/shop#4"]
    lessons = memory.lessons(QUERY, repository="o/shop", installation_id=1)
    assert all("o/shop#4" not in e.diff for e in lessons.examples)
    assert lessons.avoid == ("Do not change the page size: the offset is wrong",)
    wide = FixMemory(store, HashingEmbedder(), Scope.INSTALLATION)
    accepted, _ = wide.recall(QUERY, repository="o/shop", installation_id=1)
    assert accepted[0].entry.key == "o/other#1", "an installation-wide scope sees other repos"


@pytest.mark.embedding
def test_accepted_fix_is_the_top_example_for_a_similar_failure(tmp_path, minilm):
    """The measured case, with all-MiniLM-L6-v2: the paging fix ranks first for an
    orders-paging failure elsewhere in the repository; the rejected orders fix, the most
    similar text of all, is never an example."""
    store = ChromaFixMemory(chroma_client(data_dir=tmp_path, url=None), embedder=minilm.name)
    memory = FixMemory(store, minilm)
    fill(memory)
    accepted, rejected = memory.recall(QUERY, repository="o/shop", installation_id=1)
    ranking = [(h.entry.key, round(h.similarity, 3), round(h.rank, 3)) for h in accepted]
    print("accepted ranking:", ranking, "rejected:",
          [(h.entry.key, round(h.similarity, 3)) for h in rejected])
    assert accepted[0].entry.key == "o/shop#1", ranking
    assert rejected[0].similarity > accepted[0].similarity, "the rejected one is closest"
    lessons = memory.lessons(QUERY, repository="o/shop", installation_id=1)
    assert lessons.examples[0].diff == "diff of o/shop#1"
    assert "diff of o/shop#4" not in {e.diff for e in lessons.examples}
    failure = TestCase("tests.test_orders", "test_first_orders_page_lists_newest_first",
                       Outcome.FAILED, message="AssertionError: assert [13, 14] == [11, 12]")
    prompt = fix_messages([failure], [], lessons=lessons)[1].content
    examples = prompt.split("## Fixes reviewers accepted for similar failures")[1]
    assert "diff of o/shop#1" in examples and "o/shop#4" not in prompt
    assert "Do not change the page size" in prompt.split("## Reviewers rejected")[1]
