"""bot.stages.ingest.junit against reports real tools wrote, kept outside the repository.

The reports and their expected counts live in shared/reports beside the repository
checkout (EXPECTED.tsv: one row per example failing case). They are never copied
into the repository; without that folder these tests skip.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.results import Outcome
from bot.stages.ingest.junit import parse_report_file

REPORTS = Path(__file__).resolve().parents[4] / "shared" / "reports"
EXPECTED = REPORTS / "EXPECTED.tsv"
# EXPECTED.tsv cuts the first line of long messages at this many characters.
MESSAGE_PREFIX_CHARS = 200


@dataclass(frozen=True)
class Example:
    classname: str
    name: str
    file: str
    message_first_line: str


@dataclass(frozen=True)
class Expectation:
    n_tests: int
    n_failed_or_error: int
    n_skipped: int
    examples: tuple[Example, ...]


def _expectations() -> dict[str, Expectation]:
    if not EXPECTED.is_file():
        return {}
    rows: dict[str, list[dict[str, str]]] = {}
    with EXPECTED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.setdefault(row["file"], []).append(row)
    return {
        name: Expectation(
            n_tests=int(group[0]["n_tests"]),
            n_failed_or_error=int(group[0]["n_failed_or_error"]),
            n_skipped=int(group[0]["n_skipped"]),
            examples=tuple(
                Example(
                    row["example_classname"],
                    row["example_name"],
                    row["example_file"],
                    row["example_message_first_line"],
                )
                for row in group
            ),
        )
        for name, group in rows.items()
    }


EXPECTATIONS = _expectations()
pytestmark = pytest.mark.skipif(
    not EXPECTATIONS, reason=f"the shared real reports are not present at {REPORTS}"
)


def test_every_report_in_the_folder_has_expectations() -> None:
    reports = sorted(path.name for path in REPORTS.glob("*.xml"))
    assert reports == sorted(EXPECTATIONS)
    assert len(reports) == 11


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_counts_match_expected(name: str) -> None:
    expected = EXPECTATIONS[name]
    report = parse_report_file(REPORTS / name)
    counts = (
        len(report.cases),
        len(report.failures),
        sum(case.outcome is Outcome.SKIPPED for case in report.cases),
    )
    assert counts == (expected.n_tests, expected.n_failed_or_error, expected.n_skipped)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_example_failures_match_expected(name: str) -> None:
    report = parse_report_file(REPORTS / name)
    for example in EXPECTATIONS[name].examples:
        matches = [
            case
            for case in report.failures
            if (case.classname, case.name) == (example.classname, example.name)
        ]
        assert len(matches) == 1, f"{example.classname}::{example.name}"
        case = matches[0]
        assert (case.file or "") == example.file
        first_line = case.message.split("\n", 1)[0]
        assert first_line[:MESSAGE_PREFIX_CHARS] == example.message_first_line
        assert case.signature
