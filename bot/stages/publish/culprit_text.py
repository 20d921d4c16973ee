"""How the outcome names the commit that broke the tests: the terminal, the JSON record
and the pull request say the same thing."""

from __future__ import annotations

from typing import Any

from bot.core.history import CulpritSearch


def culprit_line(search: CulpritSearch | None) -> str:
    """One line for the summary and the PR; "" when there was no history to search."""
    if search is None:
        return ""
    culprit = search.culprit
    if culprit is None:
        return f"culprit: none found: {search.note}"
    changed = ", ".join(
        f"{path} ({len(lines)} line(s))" for path, lines in culprit.lines.items()
    )
    return (f"culprit: {culprit.commit.text()} broke the failing tests ({search.note}, "
            f"{search.seconds:.1f}s); it changed {changed or 'no file'}")


def culprit_lines(search: CulpritSearch | None, *, revert: bool) -> list[str]:
    """The summary's lines: the culprit, and whether the fix is its revert."""
    lines = [line] if (line := culprit_line(search)) else []
    if revert:
        lines.append("the fix is a REVERT of the culprit: no candidate fix passed validation")
    return lines


def culprit_json(search: CulpritSearch | None) -> dict[str, Any] | None:
    if search is None:
        return None
    culprit = search.culprit
    return {
        "good": search.good,
        "note": search.note,
        "seconds": search.seconds,
        "bounded": search.bounded,
        "steps": [{"commit": sha, "tests": str(step)} for sha, step in search.steps],
        "suspects": [c.sha for c in search.suspects],
        "commit": None if culprit is None else {
            "sha": culprit.commit.sha,
            "author": culprit.commit.author,
            "message": culprit.commit.subject,
            "lines": {path: list(lines) for path, lines in culprit.lines.items()},
            "diff": culprit.diff,
        },
    }
