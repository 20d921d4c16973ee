"""A model per task through `redfix fix`: the fix from the default model, the explanation
and the regression test from another server and other models, as the settings say."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from bot.core.config import Settings
from bot.wiring.settings import resolve_settings
from tests.e2e.conftest import MODEL, ScriptedModel
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, fix
from tests.e2e.test_regression_scenarios import GOOD_TEST

EXPLAINER, TEST_WRITER = "small-explainer", "test-writer"


@pytest.fixture
def second_server() -> Iterator[ScriptedModel]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    model = ScriptedModel(server, models=(EXPLAINER, TEST_WRITER))
    yield model
    server.clear()
    server.stop()
    assert not model.exhausted


def test_each_task_asks_the_model_its_settings_name(bookshop, scripted_model, second_server,
                                                    tmp_path):
    (bookshop / ".github").mkdir(exist_ok=True)
    (bookshop / ".github" / "redfix.yml").write_text(
        f"tasks:\n  regression_test:\n    model: {TEST_WRITER}\n"
        f"    base_url: {second_server.base_url}\n    connector: openai\n")
    commit_all_again(bookshop)
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    second_server.script(GOOD_TEST)
    env = {"REDFIX_EXPLAIN_MODEL": EXPLAINER, "REDFIX_EXPLAIN_BASE_URL": second_server.base_url,
           "REDFIX_EXPLAIN_CONNECTOR": "openai"}
    code, result = fix(bookshop, scripted_model, tmp_path, "--regression-test", env=env)
    assert code == 0 and result["status"] == "fixed"
    assert [t["kept"] for t in result["regression_tests"]] == [True]
    assert [r["model"] for r in scripted_model.requests] == [MODEL], "only the fix asked it"
    asked = {str(r["model"]) for r in second_server.requests}
    assert asked == {EXPLAINER, TEST_WRITER}
    assert len(second_server.rationale_prompts()) == 1
    [test_request] = second_server.repair_requests()
    assert test_request["model"] == TEST_WRITER


def commit_all_again(repo) -> None:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-q", "-m", "settings"], check=True)


def test_a_task_without_its_own_model_uses_the_default(tmp_path):
    settings = resolve_settings(tmp_path, options={"model": "big"},
                                env={"REDFIX_EXPLAIN_MODEL": "small"})
    assert settings.for_task("explain").model == "small"
    assert settings.for_task("fix").model == settings.for_task("regression_test").model == "big"
    assert settings.for_task("explain").base_url is None
    assert Settings().for_task("fix") == Settings()


def test_a_tasks_connector_is_checked_like_the_default_one(tmp_path):
    from bot.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"explain_connector='grpc' from environment: choose"):
        resolve_settings(tmp_path, options={}, env={"REDFIX_EXPLAIN_CONNECTOR": "grpc"})


def test_an_unknown_task_in_the_file_fails_clearly(tmp_path):
    from bot.core.errors import ConfigError

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "redfix.yml").write_text("tasks:\n  review:\n    model: x\n")
    with pytest.raises(ConfigError, match=r"tasks\.review"):
        resolve_settings(tmp_path, options={}, env={})
