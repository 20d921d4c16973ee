"""The step summary: a Markdown report of the run (failures, result, validation, the diff)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.models import FixOutcome
from bot.core.redact import redact
from bot.stages.publish.terminal import HEADLINES

MAX_DIFF_CHARS = 100_000  # GitHub keeps up to 1 MiB of summary per step
MAX_CELL_CHARS = 200


@dataclass(frozen=True)
class Publication:
    """What happened on GitHub: a pull request opened or updated, or why not."""

    pr_url: str = ""
    pr_number: int | None = None
    branch: str = ""
    updated: bool = False
    comments: tuple[str, ...] = ()
    reason: str = ""  # why no pull request was opened


def cell(text: str) -> str:
    """Text that stays inside one cell of a Markdown table."""
    flat = " ".join(text.split())[:MAX_CELL_CHARS]
    return flat.replace("\\", "\\\\").replace("|", "\\|")


def code(text: str) -> str:
    return f"`{cell(text).replace('`', chr(39))}`"


def fenced(text: str, language: str) -> list[str]:
    """A fenced block longer than any backtick run in `text`, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _failures(outcome: FixOutcome, locations: Mapping[str, str]) -> list[str]:
    if not outcome.failures:
        return []
    rows = []
    for case in outcome.failures:
        first = case.message.strip().splitlines()[0] if case.message.strip() else ""
        reported = f"{case.file}:{case.line}" if case.file and case.line else case.file or ""
        where = locations.get(case.key) or reported
        verdict = str(outcome.reproduction.get(case.key, "reported"))
        rows.append((code(case.key), cell(case.kind), cell(verdict), cell(where), cell(first)))
    header = ("test", "kind", "reproduced", "where", "message")
    return ["### Failing tests", *_table(header, rows), ""]


def _attempts(outcome: FixOutcome) -> list[str]:
    if not outcome.attempts:
        return []
    lines = ["### Attempts"]
    for attempt in outcome.attempts:
        first = attempt.detail.strip().splitlines()[0] if attempt.detail.strip() else ""
        lines.append(f"- attempt {attempt.number} (round {attempt.round}): **{attempt.status}**"
                     + (f" — {cell(first)}" if first else ""))
    return [*lines, ""]


def _validation(outcome: FixOutcome, test_command: str) -> list[str]:
    best = outcome.chosen
    if best is None or best.validation is None:
        return []
    result = best.validation
    rows = [(code(v.key), str(v.before or "absent"), str(v.after or "absent"))
            for v in result.verdicts]
    return [
        "### Validation",
        f"Ran {code(test_command)} in the **{result.sandbox}** sandbox ({result.seconds:.1f} s): "
        f"{len(result.verdicts)} test(s), {len(result.regressions)} regression(s).",
        "",
        *_table(("test", "before", "after"), rows),
        "",
    ]


def _regression_tests(outcome: FixOutcome) -> list[str]:
    if not outcome.regression_tests:
        return []
    lines = ["### Regression test"]
    tries = len(outcome.regression_tests)
    for number, test in enumerate(outcome.regression_tests, start=1):
        verdict = "added" if test.kept else "rejected"
        lines.append(f"- try {number}/{tries}: {code(f'{test.path}::{test.name}')} {verdict}: "
                     f"{cell(test.reason)}")
    if outcome.change_coverage is not None:
        lines.append(f"- coverage of the changed lines: {outcome.change_coverage.text()}")
    return [*lines, ""]


def _diff(patch: str) -> list[str]:
    if not patch:
        return []
    shown = patch[:MAX_DIFF_CHARS]
    cut = ["", f"(the diff is cut at {MAX_DIFF_CHARS} characters; "
               "the patch-path output holds all of it)"] if len(patch) > MAX_DIFF_CHARS else []
    return ["### The fix", *fenced(shown, "diff"), *cut, ""]


def _publication(publication: Publication) -> list[str]:
    if publication.pr_url:
        verb = "updated" if publication.updated else "opened"
        return [f"Pull request {verb}: {publication.pr_url} (branch `{publication.branch}`)", ""]
    if publication.reason:
        return [f"No pull request: {publication.reason}", ""]
    return []


def step_summary(
    outcome: FixOutcome,
    *,
    publication: Publication,
    build: str,
    test_command: str,
    locations: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> str:
    """The whole report, redacted; `locations` says where each failing test failed."""
    lines = [
        f"## redfix: {outcome.status}",
        f"**{HEADLINES[outcome.status]}**",
        "",
        f"Build: {build}" + (f" · model `{outcome.model}`" if outcome.model else ""),
        "",
        *_publication(publication),
        *_failures(outcome, locations or {}),
    ]
    if outcome.explanation.strip():
        lines += ["### Result", outcome.explanation.strip(), ""]
    lines += [*_attempts(outcome), *_validation(outcome, test_command),
              *_regression_tests(outcome), *_diff(outcome.patch)]
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings.items())
    if timing:
        lines.append(f"Time: {timing}.")
    return redact("\n".join(lines).rstrip() + "\n", known_secrets=secrets)


def problem_summary(headline: str, detail: str, *, secrets: Sequence[str] = ()) -> str:
    """The report of a run that stopped early (bad input, unreachable model, loop guard)."""
    return redact(f"## redfix: {headline}\n\n{detail}\n", known_secrets=secrets)
