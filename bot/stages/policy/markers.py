"""Does an edit weaken the tests of a language read as text? Counted, file by file.

A language without a parser here declares its `WeakeningMarkers` (bot.core.language):
a change that adds a skip or focus marker (`it.skip(`, `xit(`, `.only(`), or leaves
fewer assertions (`expect(`) than the file had, weakens its tests. Comments count too:
redfix cannot tell them apart from code without a parser, and erring towards a refusal
is the safe side.
"""

from __future__ import annotations

from bot.core.language import WeakeningMarkers


def marker_weakenings(
    path: str, before: str | None, after: str, markers: WeakeningMarkers
) -> list[str]:
    """One finding per marker the change adds, and one for assertions it removes."""
    old = before or ""
    findings = [
        f"{path}: the change {what} ({added} more than before)"
        for pattern, what in markers.markers
        if (added := len(pattern.findall(after)) - len(pattern.findall(old))) > 0
    ]
    removed = len(markers.assertion.findall(old)) - len(markers.assertion.findall(after))
    if removed > 0:
        findings.append(
            f"{path}: the change removes {removed} `{markers.assertion_name}` assertion(s) "
            "from the tests"
        )
    return findings
