"""Which build a run is for, read from real payloads of @octokit/webhooks-examples."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from action.context import build_target, read_context
from bot.core.errors import ConfigError
from tests.github_simulator.payloads import example

ENV = {"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_SHA": "f" * 40,
       "GITHUB_REF": "refs/heads/main", "GITHUB_RUN_ID": "77",
       "GITHUB_SERVER_URL": "https://ghe.example.com"}


def test_push_to_a_branch_is_fixed_on_that_branch(octokit):
    payload = example("push")
    target = build_target({**ENV, "GITHUB_EVENT_NAME": "push"}, payload)
    assert (target.head_branch, target.head_sha) == ("main", "f" * 40)
    assert target.clone_url == payload["repository"]["clone_url"]
    assert target.default_branch == payload["repository"]["default_branch"]
    assert target.build_url == "https://ghe.example.com/Codertocat/Hello-World/actions/runs/77"
    assert (target.pull_requests, target.from_fork) == ((), False)


def test_tag_build_has_no_branch_to_propose_to(octokit):
    env = {**ENV, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v1.0"}
    assert build_target(env, example("push")).head_branch == ""


def test_pull_request_build_is_fixed_on_its_head_branch(octokit):
    payload = example("pull_request", action="opened")
    pull = payload["pull_request"]
    pull["head"]["repo"]["full_name"] = "Codertocat/Hello-World"
    env = {**ENV, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/2/merge"}
    target = build_target(env, payload)
    assert target.head_branch == pull["head"]["ref"] and target.head_sha == pull["head"]["sha"]
    assert target.pull_requests == (pull["number"],) and not target.from_fork


def test_pull_request_from_a_fork_is_marked(octokit):
    payload = example("pull_request", action="opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    assert build_target({**ENV, "GITHUB_EVENT_NAME": "pull_request"}, payload).from_fork


def test_workflow_run_is_fixed_on_the_run_that_failed(octokit):
    payload = example("workflow_run", action="completed")
    run = payload["workflow_run"]
    run["head_repository"]["full_name"] = "Codertocat/Hello-World"
    target = build_target({**ENV, "GITHUB_EVENT_NAME": "workflow_run"}, payload)
    assert (target.head_branch, target.head_sha) == (run["head_branch"], run["head_sha"])
    assert target.build_url == run["html_url"] and not target.from_fork


@pytest.mark.parametrize(("branch", "ref", "guarded"), [
    ("redfix/main-0123", "refs/heads/main", True),
    ("main", "refs/heads/redfix/main-0123", True),
    ("feature/redfix", "refs/heads/feature/redfix", False),
    ("", "refs/tags/redfix/v1", False),
])
def test_loop_guard_leaves_redfix_branches_alone(octokit, branch, ref, guarded):
    target = build_target({**ENV, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": ref},
                          example("push"))
    target = replace(target, head_branch=branch)
    assert bool(target.loop_guard(ref)) is guarded


def test_missing_workspace_says_where_to_run(tmp_path):
    with pytest.raises(ConfigError, match="GITHUB_WORKSPACE is not set: run redfix as a step"):
        read_context({})
    with pytest.raises(ConfigError, match="not a directory"):
        read_context({"GITHUB_WORKSPACE": str(tmp_path / "nope")})


def test_unreadable_event_is_named(tmp_path):
    (tmp_path / "event.json").write_text("{not json")
    env = {"GITHUB_WORKSPACE": str(tmp_path), "GITHUB_EVENT_PATH": str(tmp_path / "event.json")}
    with pytest.raises(ConfigError, match=r"GITHUB_EVENT_PATH=.*cannot read the event payload"):
        read_context(env)


def test_context_reads_the_runner_variables(tmp_path):
    (tmp_path / "event.json").write_text(json.dumps({"repository": {"default_branch": "trunk"}}))
    context = read_context({**ENV, "GITHUB_WORKSPACE": str(tmp_path),
                            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
                            "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
                            "RUNNER_TEMP": str(tmp_path)})
    assert context.api_url == "https://ghe.example.com/api/v3"
    assert context.target.default_branch == "trunk" and context.temp_dir == tmp_path
    assert context.target.clone_url == "https://ghe.example.com/Codertocat/Hello-World.git"
