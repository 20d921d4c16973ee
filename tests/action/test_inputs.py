"""Inputs as the runner passes them (INPUT_<NAME>, dashes kept) and what redfix makes of them."""

from __future__ import annotations

import pytest

from action.inputs import ActionInputs, input_value, read_inputs
from bot.core.errors import ConfigError


def test_documented_dashed_name_and_the_underscore_spelling_are_both_read():
    assert input_value({"INPUT_GITHUB-TOKEN": " t1 "}, "github-token") == "t1"
    assert input_value({"INPUT_GITHUB_TOKEN": "t2"}, "github-token") == "t2"
    assert input_value({"INPUT_GITHUB-TOKEN": "t1", "INPUT_GITHUB_TOKEN": "t2"},
                       "github-token") == "t1"
    assert input_value({}, "github-token") == ""


def test_report_globs_may_be_one_per_line_or_comma_separated():
    inputs = read_inputs({"INPUT_REPORTS": "reports/*.xml\n  build/**/TEST-*.xml, junit.xml\n"})
    assert inputs.reports == ("reports/*.xml", "build/**/TEST-*.xml", "junit.xml")


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("True", True), ("TRUE", True),
                                               ("false", False), ("FALSE", False), ("", True)])
def test_booleans_follow_the_yaml_core_schema_like_the_toolkit(raw, expected):
    assert read_inputs({"INPUT_OPEN-PR": raw}).open_pr is expected


def test_defaults_leave_every_setting_to_the_repository_file():
    inputs = read_inputs({})
    assert inputs.setting_options() == {}
    assert (inputs.open_pr, inputs.draft) == (True, False)


def test_given_inputs_become_settings():
    inputs = read_inputs({"INPUT_MODEL": "qwen2.5-coder:7b", "INPUT_MAX-ATTEMPTS": "2",
                          "INPUT_SANDBOX": "Docker", "INPUT_TEST-COMMAND": "tox -e py311"})
    assert inputs.setting_options() == {"model": "qwen2.5-coder:7b", "max_attempts": 2,
                                        "sandbox": "docker", "test_command": "tox -e py311"}


@pytest.mark.parametrize(("connector", "expected"), [
    ("", "http://gpu:8080/v1"),  # auto: the OpenAI-compatible URL first
    ("ollama", "http://gpu:11434"),
    ("openai", "http://gpu:8080/v1"),
])
def test_one_model_server_url_is_chosen_by_connector(connector, expected):
    inputs = ActionInputs(connector=connector, ollama_url="http://gpu:11434",
                          base_url="http://gpu:8080/v1")
    assert inputs.model_server_url() == expected


def test_auto_without_base_url_uses_ollama_url():
    assert ActionInputs(ollama_url="http://ollama:11434").model_server_url() == (
        "http://ollama:11434")


def test_secrets_never_show_in_the_inputs_repr():
    inputs = read_inputs({"INPUT_GITHUB-TOKEN": "ghs_abcdefghijklmnop", "INPUT_API-KEY": "sk-1"})
    assert "ghs_" not in repr(inputs) and "sk-1" not in repr(inputs)
    assert inputs.secrets == ("ghs_abcdefghijklmnop", "sk-1")


@pytest.mark.parametrize(("env", "named"), [
    ({"INPUT_MAX-ATTEMPTS": "0"}, "max-attempts"),
    ({"INPUT_MAX-ATTEMPTS": "11"}, "max-attempts"),
    ({"INPUT_DRAFT": "yes"}, "draft"),
    ({"INPUT_SANDBOX": "vm"}, "sandbox"),
    ({"INPUT_OLLAMA-URL": "ftp://x"}, "ollama-url"),
])
def test_a_bad_input_is_named(env, named):
    with pytest.raises(ConfigError, match=f"^input {named}: "):
        read_inputs(env)
