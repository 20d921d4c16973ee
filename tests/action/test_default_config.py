"""The Action's .github/redfix.yml comes from the default branch: a pull request cannot
loosen the policy it is judged by. Real git checkouts shaped as actions/checkout leaves
them; the end-to-end runs use the simulated runner and the scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from action.default_config import read_default_config
from action.main import main
from bot.core.config import REPO_CONFIG_PATH
from bot.core.errors import ConfigError
from tests.action.conftest import CONFIG, REPO, Runner, read_outputs, run_step
from tests.app.conftest import git
from tests.e2e.test_fix_scenarios import DELETES_ASSERTS
from tests.github_simulator.payloads import example

LOOSENED = CONFIG + "allow_test_edits: true\nmax_attempts: 7\n"


def commit_config(work: Path, text: str | None, message: str) -> None:
    path = work / REPO_CONFIG_PATH
    if text is None:
        path.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository whose default branch `main` sets max_attempts: 2."""
    work = tmp_path / "upstream"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "app.py").write_text("VALUE = 1\n")
    commit_config(work, "max_attempts: 2\n", "policy")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return bare


def open_pull(origin: Path, tmp_path: Path, text: str | None) -> str:
    """Push branch `loosen` changing the policy file to `text` (None: removing it)."""
    work = tmp_path / "contributor"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "loosen")
    commit_config(work, text, "loosen the policy")
    git(work, "push", "-q", "origin", "loosen")
    return git(work, "rev-parse", "HEAD")


def pull_checkout(origin_url: str, workspace: Path, branch: str = "loosen") -> Path:
    """What actions/checkout leaves for a pull_request: the pull request's commit alone,
    shallow, detached, with no origin/<default branch>."""
    workspace.mkdir()
    git(workspace, "init", "-q")
    git(workspace, "remote", "add", "origin", origin_url)
    git(workspace, "fetch", "-q", "--depth", "1", "origin",
        f"+refs/heads/{branch}:refs/remotes/pull/1/merge")
    git(workspace, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    return workspace


def refs(workspace: Path) -> str:
    return git(workspace, "for-each-ref", "--format=%(refname) %(objectname)")


def test_a_pull_requests_own_policy_is_ignored(origin, tmp_path):
    head = open_pull(origin, tmp_path, LOOSENED)
    workspace = pull_checkout(f"file://{origin}", tmp_path / "workspace")
    before = refs(workspace)

    found = read_default_config(workspace, "main")

    assert found.config.allow_test_edits is None and found.config.max_attempts == 2
    assert not found.unreadable
    assert found.note.startswith(f"redfix: settings from {REPO_CONFIG_PATH} on the default "
                                 "branch main (")
    assert "this checkout's own .github/redfix.yml differs and is ignored" in found.note
    assert git(workspace, "rev-parse", "HEAD") == head
    assert refs(workspace) == before, "no branch or remote-tracking ref is added or moved"


def test_a_default_branch_without_the_file_means_the_defaults(origin, tmp_path):
    upstream = tmp_path / "upstream"
    commit_config(upstream, None, "no policy")
    git(upstream, "push", "-q", str(origin), "main")
    open_pull(origin, tmp_path, LOOSENED)
    workspace = pull_checkout(f"file://{origin}", tmp_path / "workspace")

    found = read_default_config(workspace, "main")

    assert found.config.model_dump(exclude_defaults=True) == {}
    assert found.note.startswith(f"redfix: no {REPO_CONFIG_PATH} on the default branch main (")
    assert "redfix's defaults; this checkout's own" in found.note


def test_a_push_to_the_default_branch_uses_the_pushed_file(origin, tmp_path):
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(workspace))
    commit_config(workspace, "max_attempts: 5\n", "a newer policy, pushed and being built")
    git(workspace, "push", "-q", "origin", "main")
    git(workspace, "fetch", "-q", "origin")

    found = read_default_config(workspace, "main")

    assert found.config.max_attempts == 5 and "differs" not in found.note


def test_a_full_clone_stays_full_when_the_default_branch_is_fetched(origin, tmp_path):
    open_pull(origin, tmp_path, LOOSENED)
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--branch", "loosen", f"file://{origin}", str(workspace))
    git(workspace, "update-ref", "-d", "refs/remotes/origin/main")

    found = read_default_config(workspace, "main")

    assert found.config.max_attempts == 2 and found.config.allow_test_edits is None
    assert git(workspace, "rev-parse", "--is-shallow-repository") == "false"


@pytest.mark.parametrize(("setup", "branch", "reason"), [
    ("no-remote", "main", "cannot read the default branch main: git fetch origin main failed"),
    ("no-branch", "trunk", "cannot read the default branch trunk: git fetch origin trunk failed"),
    ("no-git", "main", "cannot read the default branch main: "),
    ("remote", "", "the event payload names no repository.default_branch"),
])
def test_an_unreadable_default_branch_means_the_defaults_never_the_checkouts_file(
    origin, tmp_path, setup, branch, reason
):
    open_pull(origin, tmp_path, LOOSENED)
    workspace = pull_checkout(f"file://{origin}", tmp_path / "workspace")
    if setup == "no-remote":
        git(workspace, "remote", "remove", "origin")
    if setup == "no-git":
        workspace = tmp_path / "plain"
        (workspace / ".github").mkdir(parents=True)
        (workspace / REPO_CONFIG_PATH).write_text(LOOSENED)

    found = read_default_config(workspace, branch)

    assert found.unreadable
    assert found.config.model_dump(exclude_defaults=True) == {}
    assert found.note.startswith(f"redfix: {reason}")
    assert f"Using redfix's default settings, not this checkout's {REPO_CONFIG_PATH}" in found.note


def test_a_broken_file_on_the_default_branch_is_named(origin, tmp_path):
    upstream = tmp_path / "upstream"
    commit_config(upstream, "max_attempts: lots\n", "typo")
    git(upstream, "push", "-q", str(origin), "main")
    open_pull(origin, tmp_path, "max_attempts: 2\n")
    workspace = pull_checkout(f"file://{origin}", tmp_path / "workspace")

    broken = r"on the default branch main \(\w{7}\): line 1: max_attempts"
    with pytest.raises(ConfigError, match=broken):
        read_default_config(workspace, "main")


# End to end: `python -m action` on a pull_request build, a candidate that deletes the
# failing test's asserts, and the policy of the default branch deciding its fate.


def pull_request_run(runner: Runner, scripted_model, pull_config: str) -> tuple[str, Any]:
    """A pull_request build of a branch whose only change is `pull_config`, checked out as
    actions/checkout does (no origin/main). The step log and the first attempt."""
    work = runner.tmp / "work"
    git(work, "checkout", "-q", "-b", "loosen")
    commit_config(work, pull_config, "my policy")
    git(work, "push", "-q", str(runner.repo.bare), "loosen")
    workspace = runner.workspace
    git(workspace, "fetch", "-q", "--depth", "1", "origin",
        "+refs/heads/loosen:refs/remotes/pull/1/merge")
    git(workspace, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    git(workspace, "update-ref", "-d", "refs/remotes/origin/main")
    payload = example("pull_request", action="opened")
    payload["repository"].update(full_name=REPO, clone_url=runner.repo.clone_url,
                                 default_branch="main")
    pull = payload["pull_request"]
    pull.update(number=1)
    pull["head"].update(ref="loosen", sha=runner.repo.ref("loosen"))
    pull["head"]["repo"]["full_name"] = REPO
    pull["base"].update(ref="main", sha=runner.repo.ref("main"))
    env = runner.env(event="pull_request", payload=payload, branch="loosen",
                     reports="reports/*.xml", open_pr="false",
                     **runner.model_inputs(scripted_model))
    env["GITHUB_REF"] = "refs/pull/1/merge"

    done = run_step(env)

    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(Path(read_outputs(runner.output_file)["json-path"]).read_text())
    return done.stdout, result["attempts"][0]


def test_a_pull_request_cannot_allow_itself_test_edits(runner, scripted_model):
    scripted_model.script(DELETES_ASSERTS)

    log, attempt = pull_request_run(runner, scripted_model, LOOSENED)

    assert "redfix: settings from .github/redfix.yml on the default branch main (" in log
    assert "redfix: test edits refused (default)" in log
    assert attempt["status"] == "policy-rejected"
    assert "test_first_page_starts_with_first_item" in attempt["detail"]


def test_the_default_branchs_policy_is_honoured(runner, scripted_model):
    work = runner.tmp / "work"
    commit_config(work, CONFIG + "allow_test_edits: true\n", "maintainers allow test edits")
    git(work, "push", "-q", str(runner.repo.bare), "main")
    scripted_model.script(DELETES_ASSERTS, "The tests expected the wrong page.")  # + rationale

    log, attempt = pull_request_run(runner, scripted_model, CONFIG)

    assert "redfix: test edits allowed (.github/redfix.yml)" in log
    assert attempt["status"] == "validated", attempt


def test_a_step_that_cannot_read_the_default_branch_warns_and_uses_the_defaults(
    runner, closed_port_url, capsys
):
    git(runner.workspace, "remote", "remove", "origin")
    (runner.workspace / REPO_CONFIG_PATH).write_text(LOOSENED)
    env = runner.env(reports="reports/*.xml", open_pr="false", ollama_url=closed_port_url,
                     sandbox="local")

    assert main([], env) == 3  # the model server is not there; the settings came first

    out = capsys.readouterr().out
    assert ("::warning title=redfix::redfix: cannot read the default branch main: git fetch "
            "origin main failed") in out
    assert "redfix: test edits refused (default)" in out
