"""Starting the service: `redfix serve` (web app + workers) and `redfix worker` (workers only).

`python -m bot.service serve|worker` runs the same functions without the CLI.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from connectors.ai.factory import build_connector
from connectors.github.auth import InstallationTokens, credentials_from_env
from connectors.github.gateway import PyGithubGateway
from connectors.sandbox.factory import build_runner

from bot.baseline import BaselineCache
from bot.config import Settings
from bot.errors import RedfixError
from bot.pipeline import Services
from bot.ports import SandboxRunner
from bot.service.app import AppState, create_app
from bot.service.gateway import GitHubGateway
from bot.service.health import docker_check, model_server_check
from bot.service.queue import JobQueue, JobRunner, Recovery, build_huey
from bot.service.settings import ServiceConfig, add_serve_arguments
from bot.service.store import SqliteStore, Store
from bot.service.worker import LogProgress, WorkerContext, run_job

SECRET_VARIABLES = ("REDFIX_WEBHOOK_SECRET", "REDFIX_PRIVATE_KEY", "REDFIX_API_KEY")
LOG_FIELDS = ("delivery_id", "job_id", "repo")
log = logging.getLogger("redfix.service")


class JsonLines(logging.Formatter):
    """One JSON object per log line, carrying the delivery and job ids when known."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in LOG_FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=level, handlers=[handler], force=True)


def sandbox_runner(settings: Settings) -> SandboxRunner:
    return build_runner(
        settings.sandbox,
        image=settings.image,
        ca_bundle=Path(settings.ca_bundle) if settings.ca_bundle else None,
        memory=settings.memory,
        cpus=settings.cpus,
        pids=settings.pids,
        setup_timeout_s=settings.setup_timeout_s,
    )


def pipeline_services(
    env: Mapping[str, str], data_dir: Path
) -> Callable[[Settings, logging.LoggerAdapter[logging.Logger]], Services]:
    def build(settings: Settings, logger: logging.LoggerAdapter[logging.Logger]) -> Services:
        connector = build_connector(
            settings.connector,
            base_url=settings.base_url,
            api_key=env.get("REDFIX_API_KEY"),
            timeout_s=settings.model_timeout_s,
        )
        connector.ensure_model(settings.model)
        return Services(
            connector=connector,
            runner=sandbox_runner(settings),
            progress=LogProgress(logger),
            baselines=BaselineCache(data_dir / "baselines"),
        )

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
    runner = worker_runner(env, config, store) if with_worker else None
    queue = JobQueue(build_huey(config), config, runner)
    checks = {"model server": model_server_check(env), "docker": docker_check(env)}
    return Runtime(config, store, queue, AppState(config, store, queue, checks))


def open_store(config: ServiceConfig) -> Store:
    """Redis when the queue is on Redis (many machines share the records), else SQLite."""
    if config.redis_url:
        from bot.service.redis_store import RedisStore

        return RedisStore(config.redis_url)
    return SqliteStore(config.store_path)


def worker_runner(env: Mapping[str, str], config: ServiceConfig, store: Store) -> JobRunner:
    """What a queue worker runs for a job id, wired to GitHub, the model and the sandbox."""
    tokens = InstallationTokens(credentials_from_env(env))

    def gateway(installation_id: int) -> GitHubGateway:
        return PyGithubGateway.for_installation(tokens, installation_id)

    context = WorkerContext(
        store=store,
        gateways=gateway,
        services=pipeline_services(env, config.data_dir),
        env=env,
        secrets=tuple(env[name] for name in SECRET_VARIABLES if env.get(name)),
        lease_s=config.lease_s,
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
    configure_logging(env.get("REDFIX_LOG_LEVEL", "INFO"))
    return serve(env, host=args.host, port=args.port, worker=args.worker)


def worker_command(env: Mapping[str, str]) -> int:
    configure_logging(env.get("REDFIX_LOG_LEVEL", "INFO"))
    return work(env)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="python -m bot.service")
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
