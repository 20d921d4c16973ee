"""The explanation that goes with a validated fix, checked against the fix's own diff.

The model is asked, after validation, for three lines: WRONG (the old code, copied from a
removed line), FIXED (the new code, copied from an added line) and WHY; the prompt gives
it the first of each to copy (answer_lines). Reviewers read this
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


@dataclass(frozen=True)
class GivenLines:
    """The first removed and first added lines of a diff, which the prompt gives the model
    to copy into WRONG and FIXED (a small model copies a line shown to it far more
    reliably than it picks one). None: no such line, or one that cannot be quoted."""

    removed: str | None
    added: str | None
    removes_code: bool

    @classmethod
    def of(cls, diff: str) -> GivenLines:
        lines = diff.splitlines()
        removed, added = _first(lines, "-"), _first(lines, "+")
        return cls(_plain(removed), _plain(added), removed is not None)

    def prompt_lines(self) -> tuple[str, str]:
        """What the WRONG and FIXED lines of the answer should say."""
        if not self.removes_code:
            wrong = "nothing"
        else:
            wrong = f"`{self.removed}`" if self.removed else PLACEHOLDER.format("removed", "-")
        fixed = f"`{self.added}`" if self.added else PLACEHOLDER.format("added", "+")
        return wrong, fixed


PLACEHOLDER = "`<one {} line, copied exactly from a line starting with {}>`"


def _first(lines: list[str], sign: str) -> str | None:
    changed = (line[1:].strip() for line in lines
               if line.startswith(sign) and not line.startswith(sign * 3))
    return next((line for line in changed if line), None)


def _plain(line: str | None) -> str | None:
    return None if line is None or "`" in line else line


def parse_rationale(answer: str, given: GivenLines | None = None) -> Rationale | str:
    """The three fields of the model's answer, or a sentence saying what is missing.

    With `given`, an answer that is only the sentence (small models often leave the
    copied lines out) is its WHY, and WRONG and FIXED are the lines it was given."""
    fields: dict[str, str] = {}
    prose = []
    for line in answer.splitlines():
        found = FIELD.match(line)
        if found is None:
            prose.append(line.strip())
        elif found.group(1).upper() not in fields and not _placeholder(found.group(2)):
            fields[found.group(1).upper()] = found.group(2).strip()
    if given is not None:
        _fill(fields, given, why=" ".join(part for part in prose if part))
    missing = [name for name in ("WRONG", "FIXED", "WHY") if not fields.get(name, "").strip()]
    if "WRONG" in missing and "WRONG" in fields:
        missing.remove("WRONG")  # an empty WRONG is allowed: the fix may only add code
    if missing:
        return f"the answer has no {', '.join(missing)} line"
    return Rationale(_unquoted(fields["WRONG"]), _unquoted(fields["FIXED"]), fields["WHY"])


def _first_sentences(text: str, count: int = 2) -> str:
    """The first `count` sentences: a reviewer's summary, not the model's essay."""
    ends = [found.end() for found in re.finditer(r"[.!?](?=\s|$)", text)]
    return text[: ends[count - 1]] if len(ends) >= count else text


def _placeholder(value: str) -> bool:
    """The prompt's own `<...>` description copied back instead of an answer."""
    bare = _unquoted(value)
    return bare.startswith("<") and bare.endswith(">")


def _fill(fields: dict[str, str], given: GivenLines, *, why: str) -> None:
    if not fields.get("WHY") and why:
        fields["WHY"] = _first_sentences(why)
    if "WRONG" not in fields and (given.removed or not given.removes_code):
        fields["WRONG"] = given.removed or "nothing"
    if not fields.get("FIXED") and given.added:
        fields["FIXED"] = given.added


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
