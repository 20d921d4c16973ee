from __future__ import annotations

import pytest

from bot.core.errors import UsageError
from bot.core.manifest import (
    ChunkEntry,
    FileEntry,
    Manifest,
    manifest_from_json,
    manifest_to_json,
    snapshot_key,
)


def test_manifest_round_trips_through_json():
    manifest = Manifest(
        key="k1", commit="abc", created=12.5,
        files={"a.py": FileEntry("a.py", "sha-a", "python",
                                 (ChunkEntry("id1", "f", "function", 1, 3),
                                  ChunkEntry("id2", "C.m", "method", 5, 9)))},
    )
    again = manifest_from_json(manifest_to_json(manifest), source="test")
    assert again == manifest
    assert again.chunk_ids() == {"id1", "id2"} and again.chunk_count == 2


def test_snapshot_key_depends_on_content_not_order():
    one = snapshot_key([("a.py", "1"), ("b.py", "2")])
    assert one == snapshot_key([("b.py", "2"), ("a.py", "1")])
    assert one != snapshot_key([("a.py", "1"), ("b.py", "3")])
    assert one != snapshot_key([("a.py", "1")])


def test_a_broken_manifest_says_how_to_rebuild():
    with pytest.raises(UsageError, match="run `redfix index`"):
        manifest_from_json('{"format": 1}', source="snapshot k of repo")
    with pytest.raises(UsageError, match="snapshot k of repo"):
        manifest_from_json("[1, 2", source="snapshot k of repo")
    with pytest.raises(UsageError, match="snapshot k of repo"):
        manifest_from_json("[1, 2]", source="snapshot k of repo")


def test_a_manifest_of_another_format_is_ignored():
    assert manifest_from_json('{"format": 0, "files": {}}', source="old") is None
