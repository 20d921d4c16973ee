from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core.errors import InfrastructureError, UsageError
from bot.stages.localize.knowledge.indexing import index_repository
from bot.stages.localize.knowledge.repository import RepositoryKnowledge
from connectors.vector.chroma_store import ChromaChunkStore, chroma_client
from tests.connectors.vector.conftest import write_tree

pytestmark = pytest.mark.embedding

GEOMETRY = """\
import math


def circle_area(radius):
    return math.pi * radius ** 2


def rectangle_area(width, height):
    return width * height
"""
MAILER = """\
def send_email(to, subject, body):
    message = f"To: {to}\\nSubject: {subject}\\n\\n{body}"
    return deliver(message)


def deliver(message):
    return len(message)
"""
TESTS = """\
from shapes.geometry import circle_area


def test_circle():
    assert circle_area(1) > 3
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", {
        "shapes/geometry.py": GEOMETRY,
        "shapes/mailer.py": MAILER,
        "tests/test_geometry.py": TESTS,
    })


def open_store(data_dir: Path, name: str = "example") -> ChromaChunkStore:
    client = chroma_client(data_dir=data_dir, url=None)
    return ChromaChunkStore(client, repository=name, embedder="all-MiniLM-L6-v2")


def by_symbol(snapshot):
    return {chunk.symbol: chunk for chunk in snapshot.chunks}


def test_first_index_embeds_every_source_chunk_but_not_tests(repo, tmp_path, minilm):
    store = open_store(tmp_path / "data")
    snapshot = index_repository(repo, store=store, embedder=minilm, commit="c1")
    assert sorted((c.path, c.symbol) for c in snapshot.chunks) == [
        ("shapes/geometry.py", "<module>"),
        ("shapes/geometry.py", "circle_area"),
        ("shapes/geometry.py", "rectangle_area"),
        ("shapes/mailer.py", "deliver"),
        ("shapes/mailer.py", "send_email"),
        ("tests/test_geometry.py", "<module>"),
        ("tests/test_geometry.py", "test_circle"),
    ]
    source_ids = {c.chunk_id for c in snapshot.chunks if not c.path.startswith("tests/")}
    assert store.stored_ids() == source_ids
    assert snapshot.stats.embedded == len(source_ids) == 5
    assert snapshot.stats.parsed_files == 3
    assert store.load_manifest(snapshot.manifest.key) == snapshot.manifest
    assert snapshot.manifest.commit == "c1"


def test_reindex_embeds_only_the_changed_chunk_and_reparses_only_its_file(repo, tmp_path, minilm):
    store = open_store(tmp_path / "data")
    first = index_repository(repo, store=store, embedder=minilm)
    before = store.stored_ids()
    (repo / "shapes/geometry.py").write_text(GEOMETRY.replace("width * height", "width + height"))
    (repo / "shapes/mailer.py").write_text("\n\n" + MAILER)  # lines move, code does not
    second = index_repository(repo, store=store, embedder=minilm)
    assert second.manifest.key != first.manifest.key
    assert second.stats.embedded == 1
    assert second.stats.parsed_files == 2
    assert store.stored_ids() - before == {by_symbol(second)["rectangle_area"].chunk_id}
    assert by_symbol(second)["send_email"].chunk_id == by_symbol(first)["send_email"].chunk_id
    assert by_symbol(second)["send_email"].start == by_symbol(first)["send_email"].start + 2
    again = index_repository(repo, store=store, embedder=minilm)
    assert (again.stats.embedded, again.stats.parsed_files) == (0, 0)


def test_deleted_file_disappears_from_search_and_from_the_store(repo, tmp_path, minilm):
    store = open_store(tmp_path / "data")
    first = index_repository(repo, store=store, embedder=minilm)
    mail_ids = {c.chunk_id for c in first.chunks if c.path == "shapes/mailer.py"}
    (repo / "shapes/mailer.py").unlink()
    second = index_repository(repo, store=store, embedder=minilm, keep=1)
    assert not any(c.path == "shapes/mailer.py" for c in second.chunks)
    assert second.stats.pruned == len(mail_ids) == 2
    assert not mail_ids & store.stored_ids()
    query = minilm.embed(["send an email message"])
    among = sorted(second.manifest.chunk_ids() & store.stored_ids())
    assert not {chunk_id for chunk_id, _ in store.nearest(query, among=among, limit=10)} & mail_ids


def test_an_old_commit_reads_its_own_code_not_the_newer_one(repo, tmp_path, minilm):
    store = open_store(tmp_path / "data")
    old = index_repository(repo, store=store, embedder=minilm, commit="old")
    (repo / "shapes/geometry.py").write_text(GEOMETRY.replace("radius ** 2", "radius * 2"))
    new = index_repository(repo, store=store, embedder=minilm, commit="new")
    (repo / "shapes/geometry.py").write_text(GEOMETRY)  # check the old commit out again
    fresh = RepositoryKnowledge(open_store(tmp_path / "data"), minilm)  # another process
    checkout = fresh.snapshot(repo)
    assert checkout.manifest.key == old.manifest.key
    assert checkout.manifest.commit == "old"
    assert (checkout.stats.embedded, checkout.stats.parsed_files) == (0, 0)
    assert "radius ** 2" in by_symbol(checkout)["circle_area"].text
    old_area = by_symbol(old)["circle_area"].chunk_id
    new_area = by_symbol(new)["circle_area"].chunk_id
    sources = [c for c in checkout.chunks if not c.path.startswith("tests/")]
    found = [chunk_id for chunk_id, _ in fresh.nearest("area of a circle", among=sources,
                                                         limit=10)]
    assert found[0] == old_area and new_area not in found


def test_embedding_search_finds_the_chunk_about_the_query(repo, tmp_path, minilm):
    knowledge = RepositoryKnowledge(open_store(tmp_path / "data"), minilm)
    snapshot = knowledge.snapshot(repo)
    names = {c.chunk_id: c.symbol for c in snapshot.chunks}
    among = [c for c in snapshot.chunks if not c.path.startswith("tests/")]
    found = knowledge.nearest("compose and send a mail to someone", among=among, limit=3)
    assert names[found[0][0]] == "send_email"
    assert found[0][1] > found[-1][1]
    assert knowledge.nearest("   ", among=among, limit=3) == []


def test_on_demand_a_snapshot_embeds_nothing_until_a_search_asks(repo, tmp_path, minilm):
    store = open_store(tmp_path / "data")
    knowledge = RepositoryKnowledge(store, minilm, embed_on_demand=True)
    snapshot = knowledge.snapshot(repo)
    assert snapshot.stats.embedded == 0 and not store.stored_ids()
    mail = [c for c in snapshot.chunks if c.path == "shapes/mailer.py"]
    found = knowledge.nearest("compose and send a mail to someone", among=mail, limit=3)
    assert {c.chunk_id: c.symbol for c in mail}[found[0][0]] == "send_email"
    assert store.stored_ids() == {c.chunk_id for c in mail}, "only the chunks searched"
    everything = RepositoryKnowledge(store, minilm).snapshot(repo)  # `redfix index`
    assert everything.stats.embedded == len({c.chunk_id for c in everything.chunks
                                             if not c.path.startswith("tests/")}) - len(mail)


def test_embeddings_are_unit_vectors_of_the_model_dimension(minilm):
    vectors = minilm.embed(["def add(a, b): return a + b", "hello"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


def test_each_repository_has_its_own_collections(repo, tmp_path, minilm):
    mine = open_store(tmp_path / "data", "mine")
    index_repository(repo, store=mine, embedder=minilm)
    theirs = open_store(tmp_path / "data", "theirs")
    assert theirs.latest_manifest() is None and theirs.stored_ids() == set()
    assert mine.latest_manifest() is not None


def test_unreachable_chroma_server_says_what_to_do(closed_port_url, tmp_path):
    with pytest.raises(InfrastructureError, match="REDFIX_CHROMA_URL"):
        chroma_client(data_dir=tmp_path, url=closed_port_url)


def test_a_chroma_url_that_is_not_http_is_bad_input(tmp_path):
    with pytest.raises(UsageError, match="not an http"):
        chroma_client(data_dir=tmp_path, url="localhost:8000")
