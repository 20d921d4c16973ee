"""The culprit bisection with every test run in the Docker sandbox (fails, never skips,
when the engine is down, like the other Docker tests)."""

from __future__ import annotations

import pytest

from bot.core.history import Step
from bot.core.ports import SilentProgress
from bot.core.results import Outcome, TestCase
from bot.stages.culprit.search import Limits
from bot.stages.culprit.stage import search_culprit
from bot.stages.reproduce.suite import Suite
from connectors.git_history import GitHistory
from tests.connectors.sandbox.test_docker_runner import docker_client, runner  # noqa: F401
from tests.stages.culprit.history_repo import BUG, LATER, UNRELATED, history

pytestmark = pytest.mark.docker

RECTANGLE = TestCase("tests.test_shapes", "test_rectangle", Outcome.FAILED,
                     file="tests/test_shapes.py")


def test_bisection_in_docker_names_the_commit_that_broke_the_test(runner, tmp_path):  # noqa: F811
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED, BUG, *LATER)
    suite = Suite(runner, repo, ("python", "-m", "pytest", "-p", "no:cacheprovider"), 120)
    found = search_culprit(shas[0], [RECTANGLE], suite=suite, history=GitHistory(), reruns=1,
                           progress=SilentProgress(), limits=Limits(12, 600))
    assert found.culprit is not None and found.culprit.commit.sha == shas[3]
    assert found.steps[0] == (shas[0], Step.GOOD)
    assert found.culprit.lines == {"shapes/area.py": (11,)}
