"""`redfix eval` arguments and suite selection."""

from __future__ import annotations

import argparse
import sys

import pytest

from bot.core.errors import UsageError
from bot.evaluation.command import add_eval_parser, load_suite
from bot.evaluation.runner import eval_settings
from tests.evaluation.conftest import SAMPLE


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="redfix")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["eval", *argv])


def test_arguments_and_their_defaults():
    args = parse("humanevalfix", "--limit", "20", "--seed", "0", "--baseline",
                 "--connector", "openai", "--base-url", "http://127.0.0.1:8790/v1")
    assert (args.suite, args.limit, args.seed, args.jobs) == ("humanevalfix", 20, 0, 1)
    assert args.baseline and not args.baseline_only and not args.resume
    assert args.max_attempts is None, "unset: the pipeline's defaults apply"


def test_suites_come_from_a_file_an_option_or_the_environment():
    assert len(load_suite(str(SAMPLE), data=None, env={})) == 7
    assert len(load_suite("humanevalfix", data=SAMPLE, env={})) == 7
    assert len(load_suite("humanevalfix", data=None, env={"REDFIX_HUMANEVALFIX": str(SAMPLE)})) == 7
    with pytest.raises(UsageError, match="--data PATH or REDFIX_HUMANEVALFIX"):
        load_suite("humanevalfix", data=None, env={})
    with pytest.raises(UsageError, match="unknown suite 'swebench'"):
        load_suite("swebench", data=None, env={})


def test_the_cli_runs_eval_and_names_bad_input(capsys):
    from bot.cli.main import main

    assert main(["eval", "swebench"], env={}) == 2
    assert "unknown suite 'swebench'" in capsys.readouterr().err
    assert main(["eval", "humanevalfix"], env={}) == 2
    assert "REDFIX_HUMANEVALFIX" in capsys.readouterr().err


def test_sandbox_option_picks_the_runner_and_its_test_command():
    assert parse("humanevalfix").sandbox == "local", "recorded runs stay comparable"
    assert parse("humanevalfix", "--sandbox", "docker").sandbox == "docker"
    with pytest.raises(SystemExit):
        parse("humanevalfix", "--sandbox", "podman")
    local = eval_settings(SAMPLE.parent, {"sandbox": "local"}, {}, test_args=("-x",))
    assert local.test_command[:3] == (sys.executable, "-m", "pytest")
    assert "no:hypothesispytest" in local.test_command and local.test_command[-1] == "-x"
    docker = eval_settings(SAMPLE.parent, {"sandbox": "auto"}, {}, runner_kind="docker")
    assert docker.test_command == ("python", "-m", "pytest"), "the image's venv, not the host's"


def test_docker_sandbox_with_the_daemon_down_exits_3(monkeypatch, tmp_path, capsys):
    from bot.cli.main import main

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    argv = ["eval", str(SAMPLE), "--sandbox", "docker", "--out", str(tmp_path / "eval"),
            "--connector", "openai", "--base-url", "http://127.0.0.1:9/v1"]
    assert main(argv, env={}) == 3, "found before any model server is asked"
    assert "setup-docker" in capsys.readouterr().err
