"""What the image runs: the service by default, the Action inside a workflow step."""

from __future__ import annotations

import sys

from action.container import SERVE_COMMAND, command_for

STEP = {"GITHUB_ACTIONS": "true", "GITHUB_ACTION": "__run_2"}


def test_default_is_the_service():
    assert command_for([], {}) == list(SERVE_COMMAND)
    assert command_for(list(SERVE_COMMAND), {}) == list(SERVE_COMMAND)


def test_a_workflow_step_without_a_command_runs_the_action():
    expected = [sys.executable, "-P", "-m", "action"]
    assert command_for([], STEP) == expected
    assert command_for(list(SERVE_COMMAND), STEP) == expected


def test_an_explicit_command_always_runs_as_given():
    assert command_for(["redfix", "--version"], STEP) == ["redfix", "--version"]
    assert command_for(["redfix", "worker"], {}) == ["redfix", "worker"]


def test_a_job_container_is_not_a_step():
    assert command_for([], {"GITHUB_ACTIONS": "true"}) == list(SERVE_COMMAND)
