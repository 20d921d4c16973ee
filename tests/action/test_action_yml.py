"""action.yml agrees with the entry point: every input reaches it, every output is written."""

from __future__ import annotations

from pathlib import Path

import yaml

from action.inputs import input_value, read_inputs
from tests.action.conftest import ROOT

OUTPUTS = {"status", "pr-url", "patch-path", "json-path"}
REQUIRED_INPUTS = {"reports", "github-token", "ollama-url", "model", "connector", "base-url",
                   "test-command", "max-attempts", "open-pr", "draft", "sandbox"}


def metadata() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def entry_step() -> dict:
    return next(step for step in metadata()["runs"]["steps"] if step.get("id") == "redfix")


def test_it_is_a_composite_action_whose_steps_name_their_shell():
    runs = metadata()["runs"]
    assert runs["using"] == "composite"
    assert all(step.get("shell") == "bash" for step in runs["steps"])
    assert "-P -m action" in entry_step()["run"]


def test_every_input_reaches_the_entry_point_under_a_name_it_reads():
    inputs = metadata()["inputs"]
    assert set(inputs) >= REQUIRED_INPUTS
    env = entry_step()["env"]
    for name in set(inputs) - {"python"}:
        variable = next(v for v, value in env.items() if value == f"${{{{ inputs.{name} }}}}")
        assert input_value({variable: "x"}, name) == "x", name


def test_the_defaults_of_action_yml_are_valid_inputs():
    env = {f"INPUT_{name.upper()}": str(spec.get("default", ""))
           for name, spec in metadata()["inputs"].items() if "${{" not in str(spec.get("default"))}
    inputs = read_inputs(env)
    assert (inputs.open_pr, inputs.draft, inputs.setting_options()) == (True, False, {})


def test_outputs_come_from_the_entry_step():
    """(test_action_run checks that a run writes exactly these names.)"""
    outputs = metadata()["outputs"]
    assert set(outputs) == OUTPUTS
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.redfix.outputs.{name} }}}}"


def test_installing_uses_the_action_checkout_itself():
    install = next(s for s in metadata()["runs"]["steps"] if s.get("id") == "install")
    assert '"$GITHUB_ACTION_PATH"' in install["run"] and Path(ROOT / "pyproject.toml").is_file()
