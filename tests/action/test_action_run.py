"""`python -m action` end to end on a simulated runner: the bookshop's real failing test, a
scripted OpenAI-compatible model, the GitHub simulator for the API and git over HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from action.main import main
from tests.action.conftest import REPO, RUN_ID, Runner, read_outputs, run_step
from tests.action.test_action_yml import OUTPUTS
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, FIXED_CATALOG_LINE
from tests.github_simulator.openapi import problems_in
from tests.github_simulator.payloads import workflow_run_failure
from tests.github_simulator.world import SimPull

FAILING = "tests.test_catalog::test_first_page_starts_with_first_item"
ANNOTATION = ("::error file=tests/test_catalog.py,line=17,"
              "title=tests.test_catalog%3A%3Atest_first_page_starts_with_first_item failure")


def status_of(workspace: Path) -> tuple[str, str]:
    head = subprocess.run(["git", "-C", str(workspace), "rev-parse", "HEAD"], text=True,
                          capture_output=True, check=True).stdout
    tracked = subprocess.run(["git", "-C", str(workspace), "status", "--porcelain",
                              "--untracked-files=no"], text=True, capture_output=True,
                             check=True).stdout
    return head, tracked


def test_red_push_build_gets_one_validated_pull_request_and_a_report(
    runner: Runner, scripted_model, octokit
):
    world = runner.simulator.world
    scripted_model.script(CORRECT_SEARCH_REPLACE, CORRECT_SEARCH_REPLACE)
    env = runner.env(reports="reports/*.xml", github_token=runner.token,
                     **runner.model_inputs(scripted_model))
    before = status_of(runner.workspace)

    done = run_step(env)

    assert done.returncode == 0, done.stdout + done.stderr
    outputs = read_outputs(runner.output_file)
    (pull,) = runner.repo.pulls.values()
    assert set(outputs) == OUTPUTS and outputs["status"] == "fixed"
    assert outputs["pr-url"] == f"{world.base_url}/web/{REPO}/pull/{pull.number}"
    assert pull.head.startswith("redfix/main-") and pull.base == "main"
    assert FIXED_CATALOG_LINE in runner.repo.file_at(pull.head, "bookshop/catalog.py")
    body = pull.body or ""
    for part in (f"| `{FAILING}` | failed | passed |", "<!-- redfix:signature=",
                 f"/actions/runs/{RUN_ID}", "### Reproduce locally", "scripted-coder"):
        assert part in body, part
    assert FIXED_CATALOG_LINE in Path(outputs["patch-path"]).read_text()
    assert '"status": "fixed"' in Path(outputs["json-path"]).read_text()

    report = runner.summary_file.read_text()
    for part in ("## redfix: fixed", "| failure | confirmed | tests/test_catalog.py:17 |",
                 f"| `{FAILING}` | failed | passed |",
                 "```diff", f"+{FIXED_CATALOG_LINE}", f"Pull request opened: {outputs['pr-url']}"):
        assert part in report, part
    assert any(line.startswith(ANNOTATION) for line in done.stdout.splitlines())
    assert before == status_of(runner.workspace), "the job's checkout is left as it was"
    leaking = [line for line in (done.stdout + done.stderr).splitlines() if runner.token in line]
    assert leaking == [f"::add-mask::{runner.token}"]
    assert runner.token not in report + runner.output_file.read_text()
    assert "Traceback" not in done.stderr

    runner.output_file.unlink()
    again = run_step(env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(runner.repo.pulls) == 1, "the same failure updates its pull request"
    assert read_outputs(runner.output_file)["pr-url"] == outputs["pr-url"]
    assert world.requests_to("PATCH", f"/repos/{REPO}/pulls/{pull.number}")
    assert "Pull request updated" in runner.summary_file.read_text()
    assert problems_in(world.exchanges) == []


def test_open_pr_false_validates_and_reports_without_touching_github(runner, scripted_model):
    """No token and no reports: redfix runs the suite itself and only reports."""
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    env = runner.env(open_pr="false", **runner.model_inputs(scripted_model))

    done = run_step(env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "running the test suite to find the failures" in done.stdout
    assert any(line.startswith(ANNOTATION) for line in done.stdout.splitlines())
    outputs = read_outputs(runner.output_file)
    assert outputs["status"] == "fixed" and outputs["pr-url"] == ""
    assert FIXED_CATALOG_LINE in Path(outputs["patch-path"]).read_text()
    assert runner.repo.pulls == {}
    assert runner.simulator.world.exchanges == [], "no token, no API call, no push"
    assert "No pull request: open-pr is false" in runner.summary_file.read_text()


def test_workflow_run_fix_targets_the_failing_branch_and_answers_on_its_pull_request(
    runner: Runner, scripted_model, octokit
):
    world, repo = runner.simulator.world, runner.repo
    work = runner.tmp / "work"
    subprocess.run(["git", "-C", str(work), "checkout", "-q", "-b", "feature/paging"], check=True)
    (work / "NOTES.md").write_text("paging work\n")
    subprocess.run(["git", "-C", str(work), "add", "NOTES.md"], check=True)
    subprocess.run(["git", "-C", str(work), "-c", "user.name=dev", "-c", "user.email=d@e",
                    "commit", "-q", "-m", "notes"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", str(repo.bare), "feature/paging"],
                   check=True)
    feature = repo.ref("feature/paging")
    repo.pulls[1] = SimPull(1, "feature/paging", "main", "Paging", "", feature, repo.ref("main"))
    repo.next_issue = 2
    run = world.add_run(repo, head_branch="feature/paging", reports={})
    payload = workflow_run_failure(world, repo, run, pull_requests=(1,))
    for args in (("fetch", "-q", "--depth", "1", "origin", "feature/paging"),
                 ("checkout", "-q", "--detach", "FETCH_HEAD")):
        subprocess.run(["git", "-C", str(runner.workspace), *args], check=True)
    downloaded = runner.tmp / "runner" / "temp" / "artifacts"
    downloaded.mkdir()
    (runner.workspace / "reports" / "junit.xml").rename(downloaded / "junit.xml")
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    env = runner.env(event="workflow_run", payload=payload, reports=f"{downloaded}/*.xml",
                     github_token=runner.token, **runner.model_inputs(scripted_model))

    done = run_step(env)

    assert done.returncode == 0, done.stdout + done.stderr
    fix = next(p for p in repo.pulls.values() if p.number != 1)
    assert fix.base == "feature/paging" and fix.head.startswith("redfix/feature-paging-")
    assert repo.file_at(fix.head, "NOTES.md") == "paging work", "built on the failing commit"
    assert run.head_sha[:7] in (fix.body or "") and f"/actions/runs/{run.run_id}" in fix.body
    (comment,) = repo.comments.values()
    assert comment.issue == 1 and f"/pull/{fix.number}" in comment.body
    assert problems_in(world.exchanges) == []


def test_build_of_a_redfix_branch_is_skipped_without_asking_the_model(runner, scripted_model):
    env = runner.env(branch="redfix/main-0123456789ab", reports="reports/*.xml",
                     github_token=runner.token, **runner.model_inputs(scripted_model))

    done = run_step(env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert read_outputs(runner.output_file)["status"] == "skipped"
    assert "::notice title=redfix::redfix skipped this build" in done.stdout
    assert "avoid a loop" in runner.summary_file.read_text()
    assert scripted_model.requests == []


def test_missing_token_fails_clearly_before_any_work(runner, scripted_model):
    env = runner.env(reports="reports/*.xml", **runner.model_inputs(scripted_model))

    done = run_step(env)

    assert done.returncode == 2
    assert "::error title=redfix::redfix: bad input: input github-token is empty" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert read_outputs(runner.output_file) == dict.fromkeys(OUTPUTS, "") | {"status": "error"}
    assert scripted_model.requests == []


def test_unreachable_model_fails_clearly_after_annotating_the_failures(runner, closed_port_url):
    env = runner.env(reports="reports/*.xml", github_token=runner.token,
                     ollama_url=closed_port_url, sandbox="local")

    done = run_step(env)

    assert done.returncode == 3, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error title=")]
    assert len(errors) == 1 and closed_port_url in errors[0] and "Ollama" in errors[0]
    assert ANNOTATION in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "## redfix: error" in runner.summary_file.read_text()


@pytest.mark.parametrize(("inputs", "message"), [
    ({"max_attempts": "lots"}, "input max-attempts: 'lots' is not a whole number from 1 to 10"),
    ({"open_pr": "maybe"}, "input open-pr: 'maybe' is not a boolean; write true or false"),
    ({"connector": "gpt"}, "input connector: 'gpt' is not one of auto, ollama, openai"),
    ({"base_url": "localhost:8080"}, "input base-url: 'localhost:8080' is not an http://"),
    ({"connector": "openai"}, "input base-url: connector openai needs the server's /v1 URL"),
    ({"reports": "build/*.xml"}, "input reports: no file matches 'build/*.xml'"),
])
def test_bad_inputs_are_named(runner, capsys, inputs, message):
    env = runner.env(**{"open_pr": "false", **inputs})

    assert main([], env) == 2

    out = capsys.readouterr().out
    assert f"::error title=redfix::redfix: bad input: {message}" in out
    assert read_outputs(runner.output_file)["status"] == "error"
