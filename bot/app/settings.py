"""The service's own settings, read once from the environment."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.app.webhooks import DEFAULT_MAX_BODY_BYTES
from bot.core.errors import ConfigError

MIN_OPERATOR_TOKEN_CHARS = 16


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r}: expected a number") from exc
    if value <= 0:
        raise ConfigError(f"{name}={raw!r}: must be positive")
    return value


def default_data_dir(env: Mapping[str, str]) -> Path:
    if env.get("REDFIX_DATA_DIR"):
        return Path(env["REDFIX_DATA_DIR"])
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "redfix"


@dataclass(frozen=True)
class ServiceConfig:
    webhook_secret: str
    data_dir: Path
    redis_url: str = ""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    concurrency: int = 2  # jobs running at once in this process
    lease_s: float = 60.0  # a worker that stops renewing for this long is presumed dead
    requeue_after_s: float = 600.0  # a queued job not started by then is handed out again
    retries: int = 3  # for retryable failures (GitHub 5xx, model server down)
    retry_delay_s: float = 30.0
    busy_delay_s: float = 10.0  # wait while another job holds the repository+branch lock
    operator_token: str = ""  # Bearer token for the operator endpoints; empty: they are closed

    def __repr__(self) -> str:
        return f"ServiceConfig(data_dir={self.data_dir}, redis={bool(self.redis_url)})"

    @property
    def store_path(self) -> Path:
        return self.data_dir / "service.db"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServiceConfig:
        secret = env.get("REDFIX_WEBHOOK_SECRET", "")
        if len(secret) < 8:
            raise ConfigError(
                "REDFIX_WEBHOOK_SECRET must hold the app's webhook secret (8+ characters), the "
                "same value as on the app's settings page"
            )
        return cls(
            webhook_secret=secret,
            data_dir=default_data_dir(env),
            redis_url=env.get("REDFIX_REDIS_URL", "").strip(),
            max_body_bytes=int(_number(env, "REDFIX_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
            concurrency=int(_number(env, "REDFIX_CONCURRENCY", 2)),
            lease_s=_number(env, "REDFIX_JOB_LEASE_S", 60.0),
            requeue_after_s=_number(env, "REDFIX_REQUEUE_AFTER_S", 600.0),
            retries=int(_number(env, "REDFIX_JOB_RETRIES", 3)),
            retry_delay_s=_number(env, "REDFIX_RETRY_DELAY_S", 30.0),
            busy_delay_s=_number(env, "REDFIX_BUSY_DELAY_S", 10.0),
            operator_token=_operator_token(env),
        )


def _operator_token(env: Mapping[str, str]) -> str:
    token = env.get("REDFIX_OPERATOR_TOKEN", "").strip()
    if token and len(token) < MIN_OPERATOR_TOKEN_CHARS:
        raise ConfigError(
            f"REDFIX_OPERATOR_TOKEN is {len(token)} characters long: use a random value of "
            f"{MIN_OPERATOR_TOKEN_CHARS}+ characters (e.g. `openssl rand -hex 32`)"
        )
    return token


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="only accept webhooks; run `redfix worker` elsewhere",
    )
