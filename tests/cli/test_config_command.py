"""`redfix init`, `redfix config check` and `redfix config schema` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.cli.main import main
from bot.core.config import REPO_CONFIG_PATH

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookshop"


def example(tmp_path: Path) -> Path:
    repo = tmp_path / "bookshop"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns(".github"))
    return repo


def test_init_writes_a_file_that_check_accepts_and_will_not_overwrite_it(tmp_path, capsys):
    repo = example(tmp_path)
    assert main(["init", "--repo", str(repo)]) == 0
    written = (repo / REPO_CONFIG_PATH).read_text()
    assert "test_command: python -m pytest" in written
    assert main(["config", "check", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{REPO_CONFIG_PATH}: valid")
    (repo / REPO_CONFIG_PATH).write_text("model: mine\n")
    assert main(["init", "--repo", str(repo)]) == 2
    assert "exists" in capsys.readouterr().err
    assert (repo / REPO_CONFIG_PATH).read_text() == "model: mine\n"
    assert main(["init", "--repo", str(repo), "--force"]) == 0
    assert (repo / REPO_CONFIG_PATH).read_text() == written


def test_check_prints_each_problem_as_file_line_key(tmp_path, capsys):
    config = tmp_path / "redfix.yml"
    config.write_text("model: m\ncandidates: 99\nmax_attemps: 3\n")
    assert main(["config", "check", str(config)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{config}:2: candidates: Input should be less than or equal to 10")
    assert lines[1].startswith(
        f"{config}:3: max_attemps: unknown setting; did you mean max_attempts?"
    )
    assert lines[2] == f"{config}: 2 problem(s)"


def test_check_without_a_file_says_how_to_get_one(tmp_path, capsys):
    assert main(["config", "check", "--repo", str(tmp_path)]) == 2
    assert "`redfix init` writes a commented one" in capsys.readouterr().err
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\xff\xfe\x00model")
    assert main(["config", "check", str(binary)]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err


def test_schema_prints_the_json_schema(capsys):
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == REPO_CONFIG_PATH
    assert schema["additionalProperties"] is False
    assert "max_attempts" in schema["properties"]
