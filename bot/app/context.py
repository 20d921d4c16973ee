"""What every job handler of the App is given, and what it gives back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.app.store import Store
from bot.core.config import Settings
from bot.core.github import GitHubGateway
from bot.core.jobs import FixJob
from bot.core.ports import LessonRecall, Progress
from bot.core.records_ports import Records
from bot.pipeline import Services
from bot.stages.learn.recall import FixMemory

log = logging.getLogger("redfix.worker")
Logger = logging.LoggerAdapter[logging.Logger]
ServicesFactory = Callable[[Settings, Progress, LessonRecall | None], Services]


@dataclass
class WorkerContext:
    store: Store
    gateways: Callable[[int], GitHubGateway]
    services: ServicesFactory  # the pipeline's ports for one job's settings
    env: Mapping[str, str]
    secrets: tuple[str, ...] = ()
    lease_s: float = 60.0
    records: Records | None = None  # feedback and conversation state (redfix's database)
    memory: Callable[[], FixMemory | None] = lambda: None  # loaded on first use


@dataclass(frozen=True)
class Published:
    status: str
    pr_url: str = ""
    check_url: str = ""
    reports: int = 0
    pr_number: int | None = None


class LogProgress:
    """Pipeline progress as log lines tagged with the delivery and job ids."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger

    def stage(self, message: str) -> None:
        self.logger.info(message)

    def token(self, text: str) -> None:
        pass


def job_logger(job: FixJob) -> Logger:
    return logging.LoggerAdapter(
        log, {"delivery_id": job.delivery_id, "job_id": job.job_id, "repo": job.repository}
    )
