"""The scripted fakes of bot.testing: order, recording, running out, and reports that
redfix's own parser reads back under the keys and node ids the pipeline uses."""

from pathlib import Path

import pytest

from bot.core.errors import RedfixError
from bot.core.models import ChatMessage, Completion, GenerationOptions
from bot.core.results import Outcome, RunSpec
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.reproduce.testrun import node_id
from bot.testing import (
    CaseResult,
    Result,
    ScriptedConnector,
    ScriptedSandbox,
    ScriptExhausted,
    case_key,
    junit_outcome,
    junit_xml,
)

ASK = [ChatMessage("system", "be careful"), ChatMessage("user", "fix cart.py")]
GREEDY = GenerationOptions(temperature=0.0, max_tokens=512)


def spec(*argv: str) -> RunSpec:
    return RunSpec(source=Path("/nowhere"), argv=argv)


def test_answers_come_in_order_as_completions_of_the_asked_model():
    connector = ScriptedConnector(["first", "second"])
    texts = [connector.complete(ASK, model="m1", options=GREEDY),
             connector.complete(ASK, model="m2", options=GREEDY)]
    assert texts == [Completion("first", "m1", prompt_tokens=5, completion_tokens=1),
                     Completion("second", "m2", prompt_tokens=5, completion_tokens=1)]
    assert connector.remaining == 0


def test_every_call_is_recorded_and_streamed():
    connector = ScriptedConnector(["the answer"])
    streamed: list[str] = []
    connector.complete(ASK, model="m", options=GREEDY, on_token=streamed.append)
    assert [(c.messages, c.model, c.options) for c in connector.calls] == [
        (tuple(ASK), "m", GREEDY)]
    assert connector.calls[0].prompt == "fix cart.py"
    assert streamed == ["the answer"]


def test_a_function_answers_from_the_messages_and_a_completion_is_returned_as_is():
    cut = Completion("<<<<<<< SEARCH", "m", completion_tokens=512, cut=True)
    connector = ScriptedConnector([lambda messages: messages[-1].content.upper(), cut])
    assert connector.complete(ASK, model="m", options=GREEDY).text == "FIX CART.PY"
    assert connector.complete(ASK, model="m", options=GREEDY) is cut


def test_running_out_of_answers_names_the_call_and_still_records_it():
    connector = ScriptedConnector(["only one"])
    connector.complete(ASK, model="m", options=GREEDY)
    with pytest.raises(ScriptExhausted, match=r"complete\(\) call 2 has no scripted answer "
                                              r"\(the script holds 1\); it asked: 'fix cart.py'"):
        connector.complete(ASK, model="m", options=GREEDY)
    assert len(connector.calls) == 2
    assert issubclass(ScriptExhausted, AssertionError)
    assert not issubclass(ScriptExhausted, RedfixError), "no redfix handler may swallow it"


def test_models_are_accepted_and_the_window_is_the_configured_one():
    connector = ScriptedConnector(context_tokens=4096, name="fake")
    connector.ensure_model("qwen")
    assert connector.ensured == ["qwen"]
    assert connector.context_tokens("qwen") == 4096
    assert ScriptedConnector().context_tokens("qwen") is None
    assert (connector.name, ScriptedConnector().name) == ("fake", "scripted")


def test_the_sandbox_answers_in_order_and_records_every_spec():
    first, second = junit_outcome({"t.py::a": "failed"}), junit_outcome({"t.py::a": "passed"})
    sandbox = ScriptedSandbox([first, second])
    specs = [spec("pytest", "--junitxml={report}", "t.py::a"),
             spec("pytest", "--junitxml={report}")]
    assert [sandbox.run(s) for s in specs] == [first, second]
    assert sandbox.runs == specs
    assert (sandbox.kind, sandbox.remaining) == ("scripted", 0)


def test_the_sandbox_names_the_run_past_its_script():
    sandbox = ScriptedSandbox([junit_outcome({})], kind="fake")
    sandbox.run(spec("pytest", "--junitxml={report}"))
    with pytest.raises(ScriptExhausted, match=r"ScriptedSandbox 'fake': run\(\) call 2 .*"
                                              r"holds 1\); argv pytest -x --junitxml=\{report\}"):
        sandbox.run(spec("pytest", "-x", "--junitxml={report}"))
    assert len(sandbox.runs) == 2


def test_a_function_script_answers_every_run_from_its_spec():
    sandbox = ScriptedSandbox(lambda s: junit_outcome({s.argv[-1]: "failed"}))
    outcome = sandbox.run(spec("pytest", "--junitxml={report}", "tests/test_a.py::test_b"))
    report = parse_report_bytes(outcome.report_xml or b"", source="run")
    assert [case.key for case in report.cases] == ["tests.test_a::test_b"]
    assert sandbox.remaining is None and len(sandbox.runs) == 1


def test_a_command_with_nowhere_to_write_its_report_returns_none():
    sandbox = ScriptedSandbox([junit_outcome({"t.py::a": "passed"})])
    outcome = sandbox.run(spec("npm", "test"))
    assert outcome.report_xml is None and outcome.exit_code == 0


RESULTS: dict[str, Result] = {
    "tests/test_cart.py::test_total": "failed",
    "tests/test_cart.py::TestCart::test_add[two-items]": "passed",
    "tests/shop/test_tax.py::test_rate": CaseResult(
        Outcome.ERROR, message="failed on setup with \"KeyError: 'rate'\"",
        traceback="tests/shop/test_tax.py:3: in rate\n    return RATES['rate']\nE   KeyError"),
    "tests/test_cart.py::test_slow": CaseResult("skipped", message="needs a network"),
}


def test_the_report_is_read_back_by_redfix_under_the_pipeline_keys():
    report = parse_report_bytes(junit_xml(RESULTS), source="scripted")
    assert [case.key for case in report.cases] == [case_key(node) for node in RESULTS] == [
        "tests.test_cart::test_total", "tests.test_cart.TestCart::test_add[two-items]",
        "tests.shop.test_tax::test_rate", "tests.test_cart::test_slow"]
    assert [case.outcome for case in report.cases] == [
        Outcome.FAILED, Outcome.PASSED, Outcome.ERROR, Outcome.SKIPPED]
    total, _, rate, slow = report.cases
    assert (total.message, total.file) == ("AssertionError: assert False", "tests/test_cart.py")
    assert rate.message == "failed on setup with \"KeyError: 'rate'\""
    assert rate.traceback.startswith("tests/shop/test_tax.py:3: in rate")
    assert slow.message == "needs a network"
    assert [c.key for c in report.failures] == ["tests.test_cart::test_total",
                                                "tests.shop.test_tax::test_rate"]


def test_the_pipeline_finds_the_node_ids_back_in_a_repository(tmp_path):
    for path in ("tests/test_cart.py", "tests/shop/test_tax.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("def test_x():\n    pass\n")
    report = parse_report_bytes(junit_xml(RESULTS), source="scripted")
    assert [node_id(case, tmp_path) for case in report.cases] == list(RESULTS)


def test_the_run_outcome_is_what_pytest_exits_with_and_prints():
    failing = junit_outcome({"t.py::a": "failed", "t.py::b": "passed", "t.py::c": "error",
                             "t.py::d": "error"}, sandbox="docker", seconds=1.5)
    assert (failing.exit_code, failing.sandbox, failing.seconds) == (1, "docker", 1.5)
    assert failing.output == "1 failed, 1 passed, 2 errors in 1.50s\n"
    assert junit_outcome({"t.py::a": "passed", "t.py::b": "skipped"}).exit_code == 0
    empty = junit_outcome({})
    assert (empty.exit_code, empty.output) == (5, "no tests ran in 0.00s\n")
    assert parse_report_bytes(empty.report_xml or b"", source="empty").cases == ()
