"""The explanation that goes with a validated fix, checked against the fix's own diff.

The model is asked, after validation, for three lines: WRONG (the old code, copied from a
removed line), FIXED (the new code, copied from an added line) and WHY. Reviewers read this
text first, so it is published only when the code it quotes says what the diff does: what
it calls wrong must be removed by the diff and what it calls the fix must be added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELD = re.compile(r"^[\s*>#-]*\**(WRONG|FIXED|WHY)\**\s*:\**\s*(.*)$", re.IGNORECASE)
SPAN = re.compile(r"`([^`\n]+)`")
NOTHING = frozenset({"", "none", "nothing", "n/a", "-", "(none)", "(nothing)"})
# Words that present the code after them as the right version, or as the wrong one.
PRESENTED_AS_RIGHT = re.compile(
    r"\b(should|must|correct(?:ly)?|changed? (?:it )?to|now|replaced? (?:it )?with)"
    r"(?:\s+[\w-]+){0,3}[\s:,]*$",
    re.IGNORECASE,
)
PRESENTED_AS_WRONG = re.compile(
    r"\b(instead of|rather than|wrong(?:ly)?|incorrect(?:ly)?|the bug (?:is|was)|(?:seems|appears)"
    r" to|but (?:it|the code))(?:\s+[\w-]+){0,3}[\s:,]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rationale:
    wrong: str
    fixed: str
    why: str

    def text(self) -> str:
        return "\n".join(
            [
                f"What was wrong: {_quoted(self.wrong) or 'nothing was removed'}",
                f"The fix: {_quoted(self.fixed)}",
                f"Why: {self.why}",
                "",
                "(Written by the model after the fix passed the tests, and checked against "
                "the diff: the code it calls wrong is removed, the code it calls the fix is "
                "added.)",
            ]
        )


@dataclass(frozen=True)
class ChangedLines:
    removed: tuple[str, ...]
    added: tuple[str, ...]

    @classmethod
    def of(cls, diff: str) -> ChangedLines:
        lines = diff.splitlines()
        return cls(_side(lines, "-"), _side(lines, "+"))

    def only_removed(self, code: str) -> bool:
        return _distinct(code, self.removed, self.added)

    def only_added(self, code: str) -> bool:
        return _distinct(code, self.added, self.removed)


def parse_rationale(answer: str) -> Rationale | str:
    """The three fields of the model's answer, or a sentence saying what is missing."""
    fields: dict[str, str] = {}
    for line in answer.splitlines():
        found = FIELD.match(line)
        if found and found.group(1).upper() not in fields:
            fields[found.group(1).upper()] = found.group(2).strip()
    missing = [name for name in ("WRONG", "FIXED", "WHY") if not fields.get(name, "").strip()]
    if "WRONG" in missing and "WRONG" in fields:
        missing.remove("WRONG")  # an empty WRONG is allowed: the fix may only add code
    if missing:
        return f"the answer has no {', '.join(missing)} line"
    return Rationale(_unquoted(fields["WRONG"]), _unquoted(fields["FIXED"]), fields["WHY"])


def check_rationale(rationale: Rationale, diff: str) -> str:
    """'' when the quoted code agrees with the diff; else what disagrees, in one sentence."""
    changed = ChangedLines.of(diff)
    if rationale.wrong.lower() in NOTHING:
        if changed.removed and any(changed.removed):
            return "it says nothing was wrong, but the diff removes code"
    elif not changed.only_removed(rationale.wrong):
        return f"it calls `{rationale.wrong}` the wrong code, but the diff does not remove it"
    if not changed.only_added(rationale.fixed):
        return f"it calls `{rationale.fixed}` the fix, but the diff does not add it"
    return _check_prose(rationale.why, changed)


def _check_prose(why: str, changed: ChangedLines) -> str:
    for found in SPAN.finditer(why):
        before, code = why[: found.start()][-60:], found.group(1)
        if PRESENTED_AS_RIGHT.search(before) and changed.only_removed(code):
            return f"it presents `{code}` as right, but that is the code the diff removes"
        if PRESENTED_AS_WRONG.search(before) and changed.only_added(code):
            return f"it presents `{code}` as wrong, but that is the code the diff adds"
    return ""


def left_out(reason: str) -> str:
    return (
        f"The model's explanation was left out: {reason}. The diff and the test results are "
        "what was checked; read them for what changed."
    )


def _side(lines: list[str], sign: str) -> tuple[str, ...]:
    header = sign * 3
    kept = [line[1:] for line in lines if line.startswith(sign) and not line.startswith(header)]
    return tuple(_squeezed(line) for line in kept)


def _squeezed(code: str) -> str:
    return re.sub(r"\s+", "", code)


def _in(code: str, lines: tuple[str, ...]) -> bool:
    parts = [_squeezed(part) for part in code.splitlines() if part.strip()]
    return bool(parts) and all(any(part in line for line in lines) for part in parts)


def _distinct(code: str, mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """`code` is on this side of the diff only: found in `mine` and not in `theirs`, or else
    every line of it is a whole line of `mine` that `theirs` does not have."""
    if not _in(code, mine):
        return False
    if not _in(code, theirs):
        return True
    parts = [_squeezed(part) for part in code.splitlines() if part.strip()]
    return all(part in mine and part not in theirs for part in parts)


def _unquoted(value: str) -> str:
    return value.strip().strip("`").strip()


def _quoted(code: str) -> str:
    return f"`{code}`" if code and code.lower() not in NOTHING else ""
