"""`/redfix <command> [text]` in a pull-request comment, parsed into a value.

The command must open a line of the (sanitised) comment; quoted lines (`> ...`)
and code blocks are not commands, so quoting redfix's own help does not
trigger it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.app.conversation.sanitize import sanitize_comment

PREFIX = "/redfix"
MAX_HINT_CHARS = 1000
COMMAND_LINE = re.compile(r"^/redfix(?:\s+(?P<word>\S+)(?P<rest>.*))?\s*$", re.IGNORECASE)


class CommandKind(StrEnum):
    FIX = "fix"
    EXPLAIN = "explain"
    RETRY = "retry"
    TESTS = "tests"
    STOP = "stop"
    RESUME = "resume"
    HELP = "help"


HELP_TEXT = {
    CommandKind.FIX: "`/redfix fix [hint]`: try to fix the failing build again, with your hint",
    CommandKind.EXPLAIN: "`/redfix explain`: the root cause in plain words, and what kind of "
    "failure it is",
    CommandKind.RETRY: "`/redfix retry`: try again from scratch",
    CommandKind.TESTS: "`/redfix tests`: write a regression test for this pull request's change",
    CommandKind.STOP: "`/redfix stop`: stop what redfix is doing on this pull request and "
    "pause it here (in an issue: pause it in the whole repository)",
    CommandKind.RESUME: "`/redfix resume`: lift the pause of `/redfix stop`",
    CommandKind.HELP: "`/redfix help`: this list",
}


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    text: str = ""  # the hint of `fix`, sanitised; empty for the others
    unknown: str = ""  # a word after /redfix that is no command: answered with help


def _lines_outside_code(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced and not stripped.startswith(">"):
            lines.append(stripped)
    return lines


def parse_command(body: str) -> Command | None:
    """The first `/redfix` command of a comment, or None when it holds none."""
    lines = _lines_outside_code(sanitize_comment(body))
    for number, line in enumerate(lines):
        match = COMMAND_LINE.match(line)
        if match is None:
            continue
        word = (match["word"] or "help").lower()
        if word not in CommandKind.__members__.values():
            return Command(CommandKind.HELP, unknown=word[:40])
        kind = CommandKind(word)
        if kind is not CommandKind.FIX:
            return Command(kind)
        hint = "\n".join([(match["rest"] or "").strip(), *lines[number + 1 :]]).strip()
        return Command(kind, text=hint[:MAX_HINT_CHARS])
    return None


def mentions_command(body: str) -> bool:
    """Cheap pre-check for the webhook handler: could this comment hold a command?"""
    return PREFIX in body.lower()
