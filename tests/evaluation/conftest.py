from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "data" / "humanevalfix_sample.jsonl"


@pytest.fixture(scope="session")
def records() -> dict[str, dict[str, str]]:
    """The sample HumanEvalFix records by task id."""
    lines = SAMPLE.read_text().splitlines()
    return {record["task_id"]: record for record in map(json.loads, lines)}
