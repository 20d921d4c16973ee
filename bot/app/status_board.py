"""The status comment of one command, edited in place, and the progress that feeds it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.app.conversation.status import STATUS_MARKER, Phase, Status, render_status
from bot.core.errors import RedfixError
from bot.core.github import CommentPlan, GitHubGateway
from bot.core.records_ports import ConversationState

MIN_EDIT_INTERVAL_S = 2.0


class StopRequested(RedfixError):
    """Someone said `/redfix stop` while this work ran."""


@dataclass
class StatusBoard:
    gateway: GitHubGateway
    repository: str
    number: int
    status: Status
    secrets: tuple[str, ...] = ()
    url: str = ""
    _edited: float = field(default=0.0)

    def show(self) -> None:
        body = render_status(self.status, secrets=self.secrets)
        self.url = self.gateway.upsert_comment(
            self.repository, CommentPlan(self.number, STATUS_MARKER, body)
        )
        self._edited = time.monotonic()

    def stage(self, message: str) -> None:
        self.status = self.status.with_stage(message)
        if time.monotonic() - self._edited >= MIN_EDIT_INTERVAL_S:
            self.show()

    def finish(self, phase: Phase, result: str) -> None:
        self.status = self.status.finished(phase, result)
        self.show()


@dataclass
class StatusProgress:
    """Pipeline progress into the status comment; raises StopRequested after `/redfix stop`."""

    board: StatusBoard
    state: ConversationState
    requested_at: str  # the command's time: a stop after it stops this work

    def check(self) -> None:
        stopped = self.state.stop_requested(self.board.repository, self.board.number)
        if stopped and stopped >= self.requested_at:
            raise StopRequested("stopped by /redfix stop")

    def stage(self, message: str) -> None:
        self.check()
        self.board.stage(message)

    def token(self, text: str) -> None:
        pass
