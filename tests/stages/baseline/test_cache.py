from bot.stages.baseline.cache import BaselineCache, tree_fingerprint


def test_fingerprint_follows_content_and_ignores_caches(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    first = tree_fingerprint(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"\0")
    assert tree_fingerprint(tmp_path) == first
    (tmp_path / "a.py").write_text("x = 2\n")
    assert tree_fingerprint(tmp_path) != first


def test_cache_round_trip_is_keyed_by_command_and_sandbox(tmp_path):
    cache = BaselineCache(tmp_path / "cache")
    cache.store("tree", ("pytest",), "docker", b"<testsuite/>")
    assert cache.load("tree", ("pytest",), "docker") == b"<testsuite/>"
    assert cache.load("tree", ("pytest",), "local") is None
    assert cache.load("tree", ("pytest", "-x"), "docker") is None
    assert BaselineCache(None).load("tree", ("pytest",), "docker") is None
