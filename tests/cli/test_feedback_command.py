"""`redfix stats` and `redfix export-feedback` through the CLI's main(argv)."""

from __future__ import annotations

import json

from bot.cli.main import main
from bot.core.records import FixState
from connectors.records.sql import SqlRecords, database_url
from tests.stages.learn.test_feedback import record


def test_stats_and_export_from_the_database(tmp_path, capsys):
    env = {"REDFIX_DATA_DIR": str(tmp_path)}
    store = SqlRecords(database_url(env, tmp_path))
    for number, state in ((1, FixState.ACCEPTED), (2, FixState.REJECTED), (3, FixState.ACCEPTED)):
        store.record_fix(record(number, state))
    store.close()
    assert main(["stats", "--by", "class", "--period", "all", "--png",
                 str(tmp_path / "chart.png")], env) == 0
    out = capsys.readouterr().out
    assert "code bug  all              2         1     0     67%" in out
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert main(["export-feedback", "--out", str(tmp_path / "train.jsonl")], env) == 0
    lines = (tmp_path / "train.jsonl").read_text().splitlines()
    assert [json.loads(line)["pull_request"] for line in lines] == [1, 3]
    assert main(["export-feedback", "--out", str(tmp_path / "missing" / "x.jsonl")], env) == 2
    assert main(["stats", "--by", "colour"], env) == 2
