"""The one status comment redfix keeps per pull request, edited in place as work proceeds.

Every command on a pull request updates the same comment (found by its
marker), so a conversation with redfix never becomes a pile of comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.app.conversation.commands import HELP_TEXT, Command
from bot.core.redact import redact
from bot.stages.generate.prompting import render

STATUS_MARKER = "<!-- redfix:status -->"
MAX_STAGES = 12
MAX_RESULT_CHARS = 30_000


class Phase(StrEnum):
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Status:
    command: str  # as the person wrote it, e.g. "fix"
    requester: str
    phase: Phase = Phase.WORKING
    stages: tuple[str, ...] = ()
    result: str = ""  # markdown, shown once the work is over

    def with_stage(self, stage: str) -> Status:
        return replace(self, stages=(*self.stages, stage.strip()[:200])[-MAX_STAGES:])

    def finished(self, phase: Phase, result: str) -> Status:
        return replace(self, phase=phase, result=result)


def render_status(status: Status, *, secrets: Sequence[str] = ()) -> str:
    body = render(
        "status_comment.j2",
        marker=STATUS_MARKER,
        command=status.command,
        requester=status.requester,
        phase=str(status.phase),
        stages=list(status.stages),
        result=status.result[:MAX_RESULT_CHARS].rstrip(),
    )
    return redact(body, known_secrets=secrets)


def help_text(command: Command | None = None) -> str:
    lines = ["redfix understands these commands in a comment on a pull request:", ""]
    lines += [f"- {text}" for text in HELP_TEXT.values()]
    lines += ["", "Only people with write access to the repository can start work."]
    if command is not None and command.unknown:
        lines.insert(0, f"`{command.unknown}` is not a redfix command.\n")
    return "\n".join(lines)


def refusal_marker(login: str) -> str:
    return f"<!-- redfix:refusal={login.lower()} -->"


def refusal_text(login: str) -> str:
    return render("refusal_comment.j2", marker=refusal_marker(login), login=login)
