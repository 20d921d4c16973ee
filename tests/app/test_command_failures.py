"""A command that breaks on something unexpected still tells the person so on the PR."""

from __future__ import annotations

import logging

import pytest

from bot.app import commands
from bot.app.conversation.status import Phase, Status
from bot.app.status_board import StatusBoard
from bot.core.github import CommentPlan
from bot.core.jobs import FixJob


class RecordingGateway:
    """GitHub's side of the status comment: the bodies it was given, in order."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def upsert_comment(self, repository: str, plan: CommentPlan) -> str:
        self.bodies.append(plan.body)
        return f"https://github.test/{repository}/pull/{plan.issue_number}#c1"


class NoStop:
    def stop_requested(self, repository: str, number: int) -> str | None:
        return None


def test_an_unexpected_error_ends_the_status_comment_then_reaches_the_worker(monkeypatch):
    def broken(*args: object) -> str:
        raise OSError("No space left on device")

    monkeypatch.setitem(commands.RUNNERS, "explain", broken)
    gateway = RecordingGateway()
    board = StatusBoard(gateway, "acme/shop", 7, Status("explain", "ann"))  # type: ignore[arg-type]
    job = FixJob("d1", "issue_comment", 1, "acme/shop", "", "main", "", "", issue_number=7,
                 command="explain", created_at="2026-11-22T10:00:00Z")
    logger = logging.LoggerAdapter(logging.getLogger("test"), {})
    with pytest.raises(OSError, match="No space left"):
        commands._run(job, None, board, NoStop(), logger)  # type: ignore[arg-type]
    assert board.status.phase is Phase.FAILED
    assert "internal error" in gateway.bodies[-1] and "/redfix retry" in gateway.bodies[-1]
    assert len(gateway.bodies) == 2, "shown once as working, then edited once: no new comment"
