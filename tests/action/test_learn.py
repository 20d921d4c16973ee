"""`redfix learn` on a simulated runner: the Action's fix recorded in a shared database when
it opens its pull request, then a workflow on `pull_request: closed` grading the merge (the
diff's survival read from the merge commit through the GitHub simulator) or the close, into
the same database and fix memory the App and the CLI use."""

from __future__ import annotations

from pathlib import Path

from bot.cli.main import main
from bot.core.records import EventKind, FixState
from bot.wiring.memory import fix_memory_factory
from connectors.records.sql import SqlRecords
from tests.action.conftest import REPO, Runner, run_step
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, FIXED_CATALOG_LINE
from tests.github_simulator.payloads import pull_request_closed
from tests.github_simulator.world import merge_pull


def shared(runner: Runner) -> dict[str, str]:
    """The store the fixing and the learning workflows share."""
    return {"REDFIX_DATABASE_URL": f"sqlite:///{runner.tmp / 'shared' / 'redfix.db'}",
            "REDFIX_FIX_MEMORY": "hashing", "REDFIX_DATA_DIR": str(runner.tmp / "shared")}


def fixed_by_the_action(runner: Runner, scripted_model) -> tuple[object, SqlRecords]:
    scripted_model.script(CORRECT_SEARCH_REPLACE, CORRECT_SEARCH_REPLACE)
    env = {**runner.env(reports="reports/*.xml", github_token=runner.token,
                        **runner.model_inputs(scripted_model)), **shared(runner)}
    done = run_step(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fix recorded in redfix's database" in done.stdout
    (pull,) = runner.repo.pulls.values()
    records = SqlRecords(shared(runner)["REDFIX_DATABASE_URL"])
    record = records.fix(REPO, pull.number)
    assert record is not None and record.state is FixState.OPEN
    assert record.branch == pull.head and FIXED_CATALOG_LINE.strip() in record.diff
    return pull, records


def learn(runner: Runner, payload: dict) -> tuple[int, dict[str, str]]:
    env = {**runner.env(event="pull_request", payload=payload), **shared(runner),
           "GITHUB_TOKEN": runner.token}
    return main(["learn"], env=env), env


def test_a_merged_action_fix_is_graded_and_becomes_a_worked_example(
    runner, scripted_model, octokit, tmp_path, capsys
):
    pull, records = fixed_by_the_action(runner, scripted_model)
    try:
        merge_pull(runner.repo, pull, scratch=tmp_path / "merge")
        payload = pull_request_closed(runner.simulator.world, runner.repo, pull)
        code, env = learn(runner, payload)
        assert code == 0
        assert f"{REPO}#{pull.number} merged: the fix is accepted" in capsys.readouterr().out
        record = records.fix(REPO, pull.number)
        assert record.state is FixState.ACCEPTED and record.survival == 1.0
        assert record.score > 0.7
        assert [(e.kind, e.actor) for e in records.events(REPO, pull.number)] == [
            (EventKind.MERGED, "maintainer")]

        assert learn(runner, payload)[0] == 0  # the workflow re-run: counted once
        assert "recorded before" in capsys.readouterr().out
        assert len(records.events(REPO, pull.number)) == 1
    finally:
        records.close()
    memory = fix_memory_factory(env, Path(env["REDFIX_DATA_DIR"]))()
    assert memory is not None
    lessons = memory.lessons(record.failure_text, repository=REPO, installation_id=0)
    (example,) = lessons.examples
    assert FIXED_CATALOG_LINE.strip() in example.diff and example.similarity > 0.9


def test_a_closed_action_fix_is_rejected_and_other_events_are_refused(
    runner, scripted_model, octokit, capsys
):
    pull, records = fixed_by_the_action(runner, scripted_model)
    try:
        pull.state = "closed"
        world = runner.simulator.world
        assert learn(runner, pull_request_closed(world, runner.repo, pull))[0] == 0
        assert records.fix(REPO, pull.number).state is FixState.REJECTED

        elsewhere = pull_request_closed(world, runner.repo, pull)
        elsewhere["pull_request"]["head"]["ref"] = "feature/paging"
        capsys.readouterr()
        assert learn(runner, elsewhere)[0] == 0
        assert "not a redfix pull request" in capsys.readouterr().out

        opened = pull_request_closed(world, runner.repo, pull)
        opened["action"] = "opened"
        assert learn(runner, opened)[0] == 2
        assert "pull_request: types: [closed]" in capsys.readouterr().err
    finally:
        records.close()
