"""`redfix doctor` says which parts are on, which are off and how to turn each on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bot.cli import doctor_parts
from bot.cli.doctor_parts import charts_part, knowledge_part, parts, queue_part, records_part
from bot.wiring import localizers


def without(monkeypatch, *names: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in names else real(name, *a))


def test_every_part_is_on_in_a_full_install(tmp_path):
    found = {part.name: part for part in parts({}, tmp_path)}
    assert all(part.on for part in found.values()), found
    assert str(tmp_path / "chroma") in found["hybrid localization"].detail
    assert str(tmp_path / "redfix.db") in found["records store"].detail


def test_a_missing_knowledge_package_turns_hybrid_localization_off_with_the_remedy(
    monkeypatch, tmp_path
):
    without(monkeypatch, "chromadb")
    part = knowledge_part({}, tmp_path)
    assert not part.on
    assert "chromadb not importable" in part.detail and "pip install redfix" in part.detail
    assert localizers.missing_knowledge() == ["chromadb"]


def test_charts_off_names_the_extra(monkeypatch):
    without(monkeypatch, "matplotlib")
    part = charts_part()
    assert not part.on and "pip install 'redfix[charts]'" in part.detail


def test_the_records_store_never_shows_the_password(tmp_path):
    env = {"REDFIX_DATABASE_URL": "postgresql://redfix:hunter2secret@db.internal:5432/redfix"}
    part = records_part(env, tmp_path)
    assert part.on and "db.internal:5432/redfix" in part.detail
    assert "hunter2secret" not in part.detail


def test_postgres_without_its_driver_is_off(monkeypatch, tmp_path):
    without(monkeypatch, "psycopg")
    part = records_part({"REDFIX_DATABASE_URL": "postgresql://h/db"}, tmp_path)
    assert not part.on and doctor_parts.REINSTALL_HINT in part.detail


def test_the_queue_names_redis_when_shared(tmp_path: Path):
    assert "in-process" in queue_part({}).detail
    assert "Redis at cache:6380" in queue_part({"REDFIX_REDIS_URL": "redis://cache:6380/0"}).detail
