"""One wiring for every entry point (CLI, App, Action, eval): the secrets redfix hides,
and the pipeline's services built from one job's settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectors.ai.factory import build_connector
from connectors.git_history import GitHistory
from connectors.sandbox.factory import runner_for

from bot.core.config import TASKS, Settings, Task
from bot.core.ports import AIServiceConnector, LessonRecall, Progress
from bot.pipeline import Services
from bot.stages.baseline.cache import BaselineCache
from bot.wiring.localizers import build_localizer

SECRET_VARIABLES = (
    "REDFIX_API_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "REDFIX_WEBHOOK_SECRET",
    "REDFIX_PRIVATE_KEY",
    "OPENAI_API_KEY",
    "INPUT_GITHUB-TOKEN",
)


def known_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of the environment's secrets: redacted from prompts, logs and PRs."""
    return tuple(env[name] for name in SECRET_VARIABLES if env.get(name))


def build_services(
    settings: Settings,
    env: Mapping[str, str],
    *,
    progress: Progress,
    data_dir: Path,
    recall: LessonRecall | None = None,
    announce: bool = False,
) -> Services:
    """The model connectors of the tasks (each model checked), the sandbox, the localizer
    and the baseline cache for these settings; `announce` says each on `progress`."""
    connectors = task_connectors(settings, env, progress=progress, announce=announce)
    runner = runner_for(settings)
    if announce:
        progress.stage(f"sandbox: {runner.kind}")
    localizer = build_localizer(
        settings.localizer, data_dir=data_dir, chroma_url=env.get("REDFIX_CHROMA_URL")
    )
    baselines = BaselineCache(data_dir / "baselines")
    return Services(connectors["fix"], runner, localizer, progress, baselines, recall,
                    GitHistory(), task_connectors=connectors)


def task_connectors(
    settings: Settings, env: Mapping[str, str], *, progress: Progress, announce: bool = False
) -> dict[Task, AIServiceConnector]:
    """One connector per model server the tasks name (most often one for all), each task's
    model checked on it once."""
    servers: dict[tuple[str, str | None], AIServiceConnector] = {}
    checked: set[tuple[str, str | None, str]] = set()
    connectors: dict[Task, AIServiceConnector] = {}
    for task in TASKS:
        chosen = settings.for_task(task)
        server = (chosen.connector, chosen.base_url)
        if server not in servers:
            servers[server] = build_connector(
                chosen.connector, base_url=chosen.base_url, api_key=env.get("REDFIX_API_KEY"),
                timeout_s=chosen.model_timeout_s)
        connector = connectors[task] = servers[server]
        if (*server, chosen.model) not in checked:
            if announce:
                progress.stage(f"model: checking {chosen.model} on the {connector.name} server")
            connector.ensure_model(chosen.model)
            checked.add((*server, chosen.model))
    return connectors
