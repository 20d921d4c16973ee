"""REDFIX_CHROMA_URL: the same index in a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import gc
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.stages.localize.knowledge.indexing import index_repository
from connectors.vector.chroma_store import ChromaChunkStore, chroma_client
from tests.connectors.vector.conftest import write_tree

pytestmark = pytest.mark.embedding


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    beside_python = str(Path(sys.executable).parent)
    program = shutil.which("chroma", path=beside_python) or shutil.which("chroma")
    assert program, "the chromadb package installs a `chroma` command next to python"
    port = _free_port()
    server = subprocess.Popen(
        [program, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not answer within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        # chromadb 1.5's HTTP client leaves sockets to the garbage collector even after
        # close(): collect them here, where their ResourceWarning is expected.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


# chromadb's HTTP client leaves its sockets to the garbage collector even after close();
# when a collection runs during the test, their ResourceWarning is reported here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_index_and_search_through_a_chroma_server(chroma_url, tmp_path, minilm):
    repo = write_tree(tmp_path / "repo", {
        "lib/text.py": "def shout(words):\n    return words.upper() + '!'\n",
        "lib/money.py": "def add_tax(price, rate):\n    return price * (1 + rate)\n",
    })
    client = chroma_client(data_dir=tmp_path / "unused", url=chroma_url)
    try:
        store = ChromaChunkStore(client, repository="served", embedder=minilm.name)
        snapshot = index_repository(repo, store=store, embedder=minilm)
    finally:
        client.close()
    assert snapshot.stats.embedded == 2
    assert not (tmp_path / "unused" / "chroma").exists()  # nothing stored locally
    client = chroma_client(data_dir=tmp_path, url=chroma_url)  # another process, later
    try:
        reopened = ChromaChunkStore(client, repository="served", embedder=minilm.name)
        assert reopened.load_manifest(snapshot.manifest.key) == snapshot.manifest
        found = reopened.nearest(minilm.embed(["price including VAT"]),
                                 among=sorted(snapshot.manifest.chunk_ids()), limit=2)
    finally:
        client.close()
    names = {c.chunk_id: c.symbol for c in snapshot.chunks}
    assert names[found[0][0]] == "add_tax"
