"""bot.stages.ingest.junit: JUnit XML as real tools write it, and hostile files, into TestReports.

Each fixture in tests/fixtures/reports has a golden file beside it
(`<stem>.expected.json`). Regenerate them after a deliberate change with
`REDFIX_REGEN_GOLDEN=1 .venv/bin/pytest tests/stages/ingest/test_junit.py`, then review the diff.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import ReportError
from bot.core.results import Outcome, TestCase, TestReport
from bot.stages.ingest import report_text
from bot.stages.ingest.junit import (
    case_to_json,
    parse_report_bytes,
    parse_report_file,
    parse_report_files,
)
from bot.stages.ingest.junit_limits import ReportLimits

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reports"
GOLDEN_SUFFIX = ".expected.json"
REGENERATE = os.environ.get("REDFIX_REGEN_GOLDEN") == "1"


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if not p.name.endswith(GOLDEN_SUFFIX))


def _golden_path(fixture: Path) -> Path:
    return fixture.with_name(fixture.stem + GOLDEN_SUFFIX)


def _observed(fixture: Path) -> dict[str, object]:
    try:
        report = parse_report_file(fixture)
    except ReportError as exc:
        return {"error": exc.problem}
    return {
        "cases": [f"{case.key} [{case.outcome}]" for case in report.cases],
        "skipped": {case.key: case.message for case in report.cases if case.kind == "skipped"},
        "failures": [case_to_json(case) for case in report.failures],
    }


@pytest.mark.parametrize("fixture", _fixtures(), ids=lambda path: path.name)
def test_parse_matches_golden_file(fixture: Path) -> None:
    observed = _observed(fixture)
    golden = _golden_path(fixture)
    if REGENERATE:
        text = json.dumps(observed, indent=2, ensure_ascii=False) + "\n"
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file for {fixture.name}: run with REDFIX_REGEN_GOLDEN=1"
    assert observed == json.loads(golden.read_text(encoding="utf-8"))


def test_every_golden_file_has_its_fixture() -> None:
    stems = {path.stem for path in _fixtures()}
    orphans = [
        path.name
        for path in FIXTURES.glob(f"*{GOLDEN_SUFFIX}")
        if path.name.removesuffix(GOLDEN_SUFFIX) not in stems
    ]
    assert orphans == []


PRODUCERS = [
    "pytest_xunit1",
    "pytest_xunit2",
    "jest_junit",
    "mocha_junit_reporter",
    "surefire",
    "gradle",
    "go_junit_report",
    "gotestsum",
    "phpunit",
    "rspec",
    "dotnet_junit_logger",
    "cargo_nextest",
    "playwright",
]


def _parse(name: str, suffix: str = ".xml") -> TestReport:
    return parse_report_file(FIXTURES / f"{name}{suffix}")


def _case(report: TestReport, name: str) -> TestCase:
    (case,) = [case for case in report.cases if case.name == name]
    return case


@pytest.mark.parametrize("producer", PRODUCERS)
def test_every_producer_report_yields_failures_with_message_and_signature(producer: str) -> None:
    report = _parse(producer)
    assert report.failures
    for case in report.failures:
        assert case.message
        assert len(case.signature) == 16
    assert all(case.signature == "" for case in report.cases if not case.outcome.is_failing)


def test_cases_keep_document_order_across_nested_suites() -> None:
    report = _parse("phpunit")
    assert [case.name for case in report.cases] == [
        "testLowercases",
        "testTransliterates",
        "testIntl",
        "testFindsByEmail",
        'testFindsByEmail with data set "uppercase"',
    ]


def test_file_and_line_come_from_attributes_and_stay_none_when_absent() -> None:
    failing = _case(_parse("pytest_xunit1"), "test_total_with_discount")
    assert (failing.file, failing.line) == ("tests/test_cart.py", 22)
    jest = _case(_parse("jest_junit"), "Cart persists to localStorage")
    assert (jest.file, jest.line) == (None, None)


def test_message_falls_back_to_first_line_of_the_text() -> None:
    case = _case(_parse("jest_junit"), "Cart persists to localStorage")
    assert case.message == "TypeError: Cannot read properties of undefined (reading 'setItem')"
    assert case.traceback.startswith(case.message)
    assert "src/cart.ts:42:24" in case.traceback


def test_failure_and_teardown_error_in_one_case_are_both_kept() -> None:
    case = _case(_parse("pytest_xunit2"), "test_rejects_unclosed_tag")
    assert case.outcome is Outcome.FAILED
    assert case.message == "Failed: DID NOT RAISE <class 'parser.ParseError'>"
    assert "DID NOT RAISE" in case.traceback
    assert "PermissionError: [Errno 13]" in case.traceback
    assert case.traceback.index("DID NOT RAISE") < case.traceback.index("PermissionError")


def test_error_elements_make_error_outcomes() -> None:
    case = _case(_parse("pytest_xunit1"), "test_checkout_sends_receipt")
    assert (case.outcome, case.kind) == (Outcome.ERROR, "error")
    assert case.stderr == "WARNING: mail server not configured, using localhost:1025"


def test_rerun_and_flaky_elements() -> None:
    report = _parse("surefire")
    assert _case(report, "appliesVat").outcome is Outcome.FAILED
    # <flakyFailure> only: failed, then passed on a rerun.
    assert _case(report, "sendsReminder").outcome is Outcome.PASSED
    # <rerunFailure> only: every attempt failed.
    rerun_only = _case(report, "roundsTotals")
    assert rerun_only.outcome is Outcome.FAILED
    assert rerun_only.message == "expected: <10.00> but was: <9.99>"
    assert "InvoiceServiceTest.java:80" in rerun_only.traceback
    nextest_flaky = _case(_parse("cargo_nextest"), "lexer::tests::unicode_escapes")
    assert nextest_flaky.outcome is Outcome.PASSED


def test_suite_output_goes_to_its_failing_cases_without_output() -> None:
    report = _parse("go_junit_report")
    assert _case(report, "TestRefill").stdout == "FAIL\nexit status 1"
    assert _case(report, "TestAllow").stdout == ""
    gradle = _parse("gradle")
    assert _case(gradle, "parisToLondon()").stdout.startswith("DistanceCalculator: using")


def test_skipped_cases_carry_their_reason() -> None:
    report = _parse("pytest_xunit1")
    skipped = _case(report, "test_currency_rounding")
    assert (skipped.outcome, skipped.message) == (Outcome.SKIPPED, "needs babel")


def test_ansi_codes_are_removed_raw_escaped_and_orphaned() -> None:
    report = _parse("content_ansi_codes")
    case = _case(report, "adds decimals")
    for text in (case.message, case.traceback, case.stdout):
        for residue in ("\x1b", "\u241b", "[31m", "[39m", "[2m", "]8;;"):
            assert residue not in text
    assert case.message == "expected 0.30000000000000004 to be 0.3"
    assert "src/math.test.ts:5:20" in case.traceback
    assert case.stdout.startswith("warn using float arithmetic")
    jest = _case(_parse("jest_junit"), "formatPrice › rounding rounds half up")
    assert jest.message == "Error: expect(received).toBe(expected) // Object.is equality"


def test_control_characters_and_references_to_them_are_dropped() -> None:
    case = _case(_parse("content_control_characters"), "test_decode_header")
    assert "ValueError: bad header  after NUL" in case.traceback
    assert case.stdout == "raw: end"


def test_cdata_sections_are_read_as_text() -> None:
    case = _case(_parse("content_cdata_sections"), "escapesMarkup")
    assert "expected <p>&lt;b&gt;</p> but was <p><b></p>" in case.traceback
    assert case.traceback.endswith("section two ends with ]]> kept literally")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("encoding_bom_no_declaration", 'Expected: "Bonjour, Zoë !"'),
        ("encoding_latin1_declared", "AssertionError: prix 7,50 ¤ attendu"),
        ("encoding_utf16_bom", "Expected:<C:\\data\\日本>"),
        ("encoding_latin1_undeclared", "AssertionError: 'Jos\ufffd' != 'José'"),
    ],
)
def test_encodings_are_decoded_and_bad_bytes_replaced(name: str, expected: str) -> None:
    (failure,) = _parse(name).failures
    assert expected in failure.message


@pytest.mark.parametrize("declared", ["rot13", "base64", "UTF-16", "x-no-such-codec"])
def test_impossible_declared_encodings_fall_back_to_utf8(declared: str) -> None:
    data = (
        f'<?xml version="1.0" encoding="{declared}"?>'
        "<testsuite><testcase classname='c' name='caf\u00e9'/></testsuite>"
    ).encode()
    (case,) = parse_report_bytes(data, source="odd.xml").cases
    assert case.name == "café"


def test_missing_and_malformed_attributes_do_not_stop_parsing() -> None:
    report = _parse("content_testcase_without_attributes")
    assert [(c.classname, c.name) for c in report.cases] == [
        ("", ""),
        ("", "only_name"),
        ("only.classname", ""),
    ]
    assert [(c.seconds, c.line, c.file) for c in report.cases] == [
        (None, None, None),
        (None, None, None),
        (1234.5, None, None),
    ]
    assert report.cases[2].outcome is Outcome.ERROR


@pytest.mark.parametrize(
    ("name", "suffix", "problem"),
    [
        ("hostile_xxe_file_entity", ".xml", "declares a DTD"),
        ("hostile_billion_laughs", ".xml", "declares a DTD"),
        ("hostile_html_root", ".xml", "is an HTML page"),
        ("hostile_html_root_no_doctype", ".xml", "has root element <html>"),
        ("hostile_truncated", ".xml", "ends early"),
        ("hostile_binary_junk", ".bin", "is not XML"),
        ("hostile_console_log", ".txt", "is not XML (it starts with '====="),
        ("hostile_empty", ".xml", "is empty"),
        ("hostile_undefined_entity", ".xml", "undefined entity"),
    ],
)
def test_hostile_files_raise_report_error_naming_file_and_remedy(
    name: str, suffix: str, problem: str
) -> None:
    path = FIXTURES / f"{name}{suffix}"
    with pytest.raises(ReportError) as caught:
        parse_report_file(path)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.source == str(path)
    assert caught.value.exit_code == 2


def test_external_entities_are_never_resolved() -> None:
    data = (FIXTURES / "hostile_xxe_file_entity.xml").read_bytes()
    with pytest.raises(ReportError) as caught:
        parse_report_bytes(data, source="upload")
    assert "root:" not in str(caught.value)
    assert caught.value.source == "upload"


def test_reports_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    data = (FIXTURES / "pytest_xunit2.xml").read_bytes()
    small = ReportLimits(max_bytes=len(data) - 1)
    with pytest.raises(ReportError, match=r"over the \d+-byte limit"):
        parse_report_bytes(data, source="report.xml", limits=small)
    path = tmp_path / "report.xml"
    path.write_bytes(data)
    with pytest.raises(ReportError, match="raise the limit"):
        parse_report_file(path, limits=small)
    assert len(parse_report_file(path, limits=ReportLimits(max_bytes=len(data))).cases) == 5


def _report_with(*, system_out: str = "", failure_text: str = "") -> bytes:
    failure = f"<failure message='boom'>{failure_text}</failure>" if failure_text else ""
    return (
        "<testsuite name='s'><testcase classname='c' name='t'>"
        f"{failure}<system-out>{system_out}</system-out></testcase></testsuite>"
    ).encode()


def test_huge_system_out_keeps_the_tail_and_says_how_much_was_cut() -> None:
    lines = [f"log line {i}" for i in range(400_000)]
    output = "\n".join(lines)
    (case,) = parse_report_bytes(_report_with(system_out=output), source="big").cases
    limit = ReportLimits().max_output_chars
    assert case.stdout.startswith(f"[truncated {len(output) - limit} characters]\n")
    assert case.stdout.endswith("log line 399999")
    assert len(case.stdout) < limit + 100


def test_huge_failure_text_keeps_head_and_tail() -> None:
    trace = "Traceback (most recent call last):\n" + "x" * 500_000 + "\nValueError: at the end"
    (case,) = parse_report_bytes(_report_with(failure_text=trace), source="big").cases
    assert case.traceback.startswith("Traceback (most recent call last):")
    assert case.traceback.endswith("ValueError: at the end")
    assert "[truncated " in case.traceback
    assert len(case.traceback) < ReportLimits().max_trace_chars + 100


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 7, 64, 4096])
def test_references_and_multibyte_characters_split_by_read_chunks_survive(
    chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small reads put every chunk edge inside some reference or character.
    monkeypatch.setattr(report_text, "_CHUNK_BYTES", chunk_bytes)
    unit = "é&#27;[31mred&#x1B;[0m&#0;\x1b[1m日本&amp;"
    (case,) = parse_report_bytes(_report_with(system_out=unit * 40), source="r").cases
    assert case.stdout == "éred日本&" * 40


def test_memory_stays_bounded_by_the_biggest_element(tmp_path: Path) -> None:
    chunk = "y" * 200_000
    cases = "".join(
        f"<testcase classname='c' name='t{i}'><system-out>{chunk}</system-out></testcase>"
        for i in range(100)
    )
    path = tmp_path / "wide.xml"
    path.write_text(f"<testsuite name='s'>{cases}</testsuite>", encoding="utf-8")
    del cases
    tracemalloc.start()
    try:
        report = parse_report_file(path, limits=ReportLimits(max_output_chars=1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(report.cases) == 100
    # 20 MB of output went through; a parser holding the whole tree needs more.
    assert peak < 10 * 1024 * 1024


def test_parse_report_files_keeps_order_and_names_each_source() -> None:
    paths = [FIXTURES / "rspec.xml", FIXTURES / "gradle.xml"]
    reports = parse_report_files(paths)
    assert [report.source for report in reports] == [str(path) for path in paths]
    assert parse_report_files([]) == ()


def test_unreadable_paths_raise_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot be read"):
        parse_report_file(tmp_path / "missing.xml")
    with pytest.raises(ReportError, match="is a directory"):
        parse_report_file(tmp_path)


def test_case_to_json_describes_a_failure() -> None:
    case = _case(_parse("surefire"), "rejectsNegativeAmount")
    data = case_to_json(case)
    assert data["kind"] == "error"
    assert data["classname"] == "com.acme.billing.InvoiceServiceTest"
    assert data["file"] is None and data["line"] is None
    assert data["signature"] == case.signature
    assert str(data["traceback"]).startswith("java.lang.NullPointerException")
    assert json.loads(json.dumps(data)) == data


_VALID = (FIXTURES / "surefire.xml").read_bytes()


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    cut=st.integers(min_value=0, max_value=len(_VALID)),
    noise=st.binary(max_size=64),
    position=st.integers(min_value=0, max_value=len(_VALID)),
)
def test_damaged_reports_parse_or_raise_report_error_only(
    cut: int, noise: bytes, position: int
) -> None:
    damaged = _VALID[:position] + noise + _VALID[position:cut]
    try:
        report = parse_report_bytes(damaged, source="damaged.xml")
    except ReportError as exc:
        assert exc.source == "damaged.xml" and exc.problem
    else:
        assert all(isinstance(case, TestCase) for case in report.cases)
