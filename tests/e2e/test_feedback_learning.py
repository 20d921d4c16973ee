"""`redfix feedback accept|reject` end to end: a real outcome written by `redfix fix` (the
bookshop's real failing test, a scripted model), recorded into a SQLite store and fix memory
(the hashing embedder in a real Chroma store), then shown to the model for the next similar
failure: the accepted fix as a worked example with the hint that led to it, the rejected
one as the reviewer's objection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.records import EventKind, FixState
from connectors.records.sql import SqlRecords, database_url
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, fix

HINT = "pages are numbered from 1, not 0"
OBJECTION = "do not touch the offset: the caller passes the wrong page"


def store_env(tmp_path: Path) -> dict[str, str]:
    return {"REDFIX_DATA_DIR": str(tmp_path / "store"), "REDFIX_FIX_MEMORY": "hashing",
            "GITHUB_REPOSITORY": "octo-org/bookshop"}


def records_of(env: dict[str, str]) -> SqlRecords:
    return SqlRecords(database_url({}, Path(env["REDFIX_DATA_DIR"])))


def first_fix(bookshop: Path, scripted_model, tmp_path: Path, env: dict[str, str],
              *extra: str) -> Path:
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    run = tmp_path / "first"
    run.mkdir()
    code, result = fix(bookshop, scripted_model, run, *extra, env=env)
    assert code == 0 and result["status"] == "fixed"
    assert not any("reviewers accepted" in p for p in scripted_model.prompts()), \
        "an empty memory teaches nothing"
    return run / "result.json"


def next_prompt(bookshop: Path, scripted_model, tmp_path: Path, env: dict[str, str]) -> str:
    """The fix prompt of the same failure found again (a second red build)."""
    asked = len(scripted_model.prompts())
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    run = tmp_path / "second"
    run.mkdir(parents=True)
    code, _ = fix(bookshop, scripted_model, run, env=env)
    assert code == 0
    return scripted_model.prompts()[asked]


def test_an_accepted_cli_fix_is_the_next_worked_example_with_its_hint(
    bookshop, scripted_model, tmp_path, capsys
):
    env = store_env(tmp_path)
    outcome = first_fix(bookshop, scripted_model, tmp_path, env, "--hint", HINT)
    assert json.loads(outcome.read_text())["hint"] == HINT

    assert main(["feedback", "accept", str(outcome), "--comment", "clean, thanks"], env=env) == 0
    assert "is accepted (score 0.80); kept in fix memory as a worked example" in \
        capsys.readouterr().out
    assert main(["feedback", "accept", str(outcome)], env=env) == 0  # again: nothing new
    assert "already recorded" in capsys.readouterr().out

    records = records_of(env)
    try:
        (record,) = records.fixes()
        assert record.repository == "octo-org/bookshop" and record.pr_number < 0
        assert record.state is FixState.ACCEPTED and record.hint == HINT
        assert "+    start = (page - 1) * per_page" in record.diff and record.score > 0.7
        assert [e.kind for e in records.events(record.repository, record.pr_number)] == [
            EventKind.MERGED]
    finally:
        records.close()

    train = tmp_path / "train.jsonl"
    assert main(["export-feedback", "--out", str(train)], env=env) == 0
    (line,) = [json.loads(text) for text in train.read_text().splitlines()]
    assert line["repository"] == "octo-org/bookshop" and line["pull_request"] is None

    prompt = next_prompt(bookshop, scripted_model, tmp_path, env)
    assert "## Fixes reviewers accepted for similar failures" in prompt
    example = prompt.split("## Fixes reviewers accepted for similar failures")[1]
    assert "test_first_page_starts_with_first_item" in example
    assert "+    start = (page - 1) * per_page" in example
    assert f"A person's hint that led to this fix:\n<data>\n{HINT}\n</data>" in example


def test_a_rejected_cli_fix_comes_back_as_the_reviewers_objection(
    bookshop, scripted_model, tmp_path
):
    env = store_env(tmp_path)
    outcome = first_fix(bookshop, scripted_model, tmp_path, env)
    assert main(["feedback", "reject", str(outcome), "--comment", OBJECTION], env=env) == 0

    prompt = next_prompt(bookshop, scripted_model, tmp_path, env)
    assert "## Fixes reviewers accepted for similar failures" not in prompt
    assert "## Reviewers rejected fixes like these before" in prompt and OBJECTION in prompt

    # A changed mind: accepted after all, the same record and memory entry turn over.
    assert main(["feedback", "accept", str(outcome)], env=env) == 0
    records = records_of(env)
    try:
        (record,) = records.fixes()
        assert record.state is FixState.ACCEPTED
    finally:
        records.close()
    prompt = next_prompt(bookshop, scripted_model, tmp_path / "again", env)
    assert "## Fixes reviewers accepted for similar failures" in prompt
    assert "## Reviewers rejected fixes like these before" not in prompt


@pytest.mark.parametrize(("content", "says"), [
    (None, "cannot read it"),
    ("{not json", "not JSON"),
    ('{"schema": 1, "status": "fixed"}', "not a redfix outcome record"),
    ('[1, 2]', "not a redfix outcome record"),
])
def test_a_file_that_is_not_an_outcome_is_named_with_what_to_pass(
    tmp_path, capsys, content, says
):
    path = tmp_path / "outcome.json"
    if content is not None:
        path.write_text(content)
    assert main(["feedback", "accept", str(path)], env=store_env(tmp_path)) == 2
    error = capsys.readouterr().err
    assert str(path) in error and says in error and "redfix fix --json FILE" in error


def test_only_a_fixed_outcome_can_be_accepted(tmp_path, capsys):
    not_fixed = {"schema": 1, "status": "not-fixed", "failures": [], "patch": "--- a\n+++ b\n"}
    path = tmp_path / "outcome.json"
    path.write_text(json.dumps(not_fixed))
    env = store_env(tmp_path)
    assert main(["feedback", "accept", str(path)], env=env) == 2
    assert "the outcome is not-fixed, not fixed" in capsys.readouterr().err
    assert main(["feedback", "reject", str(path), "--comment", "wrong"], env=env) == 0
    assert "is rejected" in capsys.readouterr().out
    off = {**env, "REDFIX_FIX_MEMORY": "off", "REDFIX_DATA_DIR": str(tmp_path / "other")}
    assert main(["feedback", "reject", str(path)], env=off) == 0
    assert "fix memory is off" in capsys.readouterr().out
