"""Starting the service: `redfix serve` (web app + workers) and `redfix worker` (workers only).

`python -m bot.app serve|worker` runs the same functions without the CLI.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from connectors.github.auth import InstallationTokens, credentials_from_env
from connectors.github.gateway import PyGithubGateway

from bot.app.context import ServicesFactory, WorkerContext
from bot.app.health import docker_check, model_server_check
from bot.app.queue import JobQueue, JobRunner, Recovery, build_huey
from bot.app.settings import ServiceConfig, add_serve_arguments
from bot.app.store import SqliteStore, Store
from bot.app.web import AppState, create_app
from bot.app.worker import run_job
from bot.core.config import Settings
from bot.core.errors import RedfixError
from bot.core.github import GitHubGateway
from bot.core.ports import LessonRecall, Progress
from bot.core.records_ports import Records
from bot.core.redact import redact
from bot.pipeline import Services
from bot.wiring.learning import open_records
from bot.wiring.memory import fix_memory_factory
from bot.wiring.services import build_services, known_secrets

LOG_FIELDS = ("delivery_id", "job_id", "repo")
log = logging.getLogger("redfix.service")


class JsonLines(logging.Formatter):
    """One JSON object per log line, carrying the delivery and job ids when known.

    Messages and tracebacks are redacted: the service's own secrets and anything that
    looks like a credential never reach the log, whatever an error message quoted.
    """

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), known_secrets=self.secrets),
        }
        line.update({k: getattr(record, k) for k in LOG_FIELDS if hasattr(record, k)})
        if record.exc_info:
            error = self.formatException(record.exc_info)
            line["error"] = redact(error, known_secrets=self.secrets)
        return json.dumps(line)


def configure_logging(level: str = "INFO", *, secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def pipeline_services(env: Mapping[str, str], data_dir: Path) -> ServicesFactory:
    def build(settings: Settings, progress: Progress, recall: LessonRecall | None) -> Services:
        return build_services(settings, env, progress=progress, data_dir=data_dir, recall=recall)

    return build


@dataclass
class Runtime:
    config: ServiceConfig
    store: Store
    queue: JobQueue
    state: AppState


def build_runtime(env: Mapping[str, str], *, with_worker: bool) -> Runtime:
    config = ServiceConfig.from_env(env)
    store = open_store(config)
    records = open_records(env, config.data_dir)
    runner = worker_runner(env, config, store, records) if with_worker else None
    queue = JobQueue(build_huey(config), config, runner)
    checks = {"model server": model_server_check(env), "docker": docker_check(env)}
    return Runtime(config, store, queue, AppState(config, store, queue, checks, records))


def open_store(config: ServiceConfig) -> Store:
    """Redis when the queue is on Redis (many machines share the records), else SQLite."""
    if config.redis_url:
        from bot.app.redis_store import RedisStore

        return RedisStore(config.redis_url)
    return SqliteStore(config.store_path)


def worker_runner(
    env: Mapping[str, str], config: ServiceConfig, store: Store, records: Records | None = None
) -> JobRunner:
    """What a queue worker runs for a job id, wired to GitHub, the model and the sandbox."""
    tokens = InstallationTokens(credentials_from_env(env))

    def gateway(installation_id: int) -> GitHubGateway:
        return PyGithubGateway.for_installation(tokens, installation_id)

    context = WorkerContext(
        store=store,
        gateways=gateway,
        services=pipeline_services(env, config.data_dir),
        env=env,
        secrets=known_secrets(env),
        lease_s=config.lease_s,
        records=records,
        memory=fix_memory_factory(env, config.data_dir),
    )

    def runner(job_id: str, *, retries_left: int) -> None:
        run_job(job_id, context, retries_left=retries_left)

    return runner


def serve(env: Mapping[str, str], *, host: str, port: int, worker: bool = True) -> int:
    """The web app under uvicorn, with this process's queue workers unless `worker` is False."""
    runtime = build_runtime(env, with_worker=worker)
    consumer = runtime.queue.consumer() if worker else None
    recovery = Recovery(runtime.store, runtime.queue, period_s=max(runtime.config.lease_s / 2, 1))
    if consumer is not None:
        consumer.start()
        recovery.start()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime.state), host=host, port=port, log_config=None, access_log=False
        )
    )
    log.info(
        "redfix serving on http://%s:%s (workers: %s)",
        host,
        port,
        runtime.config.concurrency if worker else 0,
    )
    try:
        server.run()
    finally:
        recovery.stop()
        if consumer is not None:
            consumer.stop(graceful=False)
        runtime.store.close()
    return 0


def work(env: Mapping[str, str]) -> int:
    """Queue workers only (another machine sharing the Redis queue)."""
    runtime = build_runtime(env, with_worker=True)
    Recovery(runtime.store, runtime.queue, period_s=max(runtime.config.lease_s / 2, 1)).start()
    runtime.queue.consumer().run()
    return 0


def serve_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    configure_logging(env.get("REDFIX_LOG_LEVEL", "INFO"), secrets=known_secrets(env))
    return serve(env, host=args.host, port=args.port, worker=args.worker)


def worker_command(env: Mapping[str, str]) -> int:
    configure_logging(env.get("REDFIX_LOG_LEVEL", "INFO"), secrets=known_secrets(env))
    return work(env)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="python -m bot.app")
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="web app and workers"))
    commands.add_parser("worker", help="workers only")
    args = parser.parse_args(argv)
    environment = os.environ if env is None else env
    try:
        if args.command == "serve":
            return serve_command(args, environment)
        return worker_command(environment)
    except RedfixError as exc:
        print(f"redfix: error: {exc}", file=sys.stderr)
        return exc.exit_code
