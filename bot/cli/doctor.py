"""`redfix doctor`: check everything redfix needs and say what to do about each problem."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.cli.doctor_parts import parts
from bot.core.config import REPO_CONFIG_PATH, Settings
from bot.core.errors import RedfixError
from bot.wiring.settings import data_dir, resolve_settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def check_config(
    repo: Path, args: argparse.Namespace, env: Mapping[str, str]
) -> tuple[Check, Settings | None]:
    options = {
        name: getattr(args, name, None) for name in ("connector", "model", "base_url", "sandbox")
    }
    try:
        settings = resolve_settings(repo, options=options, env=env)
    except RedfixError as exc:
        return Check("configuration", False, str(exc)), None
    where = REPO_CONFIG_PATH if (repo / REPO_CONFIG_PATH).is_file() else "defaults"
    return Check("configuration", True, f"valid ({where}); model {settings.model}"), settings


def check_model(settings: Settings, env: Mapping[str, str]) -> Check:
    from connectors.ai.factory import build_connector

    try:
        connector = build_connector(
            settings.connector,
            base_url=settings.base_url,
            api_key=env.get("REDFIX_API_KEY"),
            timeout_s=10,
        )
        connector.ensure_model(settings.model)
    except RedfixError as exc:
        return Check("model server", False, str(exc))
    return Check("model server", True, f"{connector.name} serves {settings.model}")


def check_docker(settings: Settings) -> Check:
    from connectors.sandbox.factory import docker_status

    ok, detail = docker_status()
    return Check("docker", ok, detail, required=settings.sandbox == "docker")


def check_git(repo: Path) -> Check:
    from connectors.git import head_commit

    if shutil.which("git") is None:
        return Check("git", False, "git is not installed: install it (apt-get install git)")
    commit = head_commit(repo)
    if commit is None:
        return Check(
            "git", True, f"{repo} is not a git checkout: --apply will not work", required=False
        )
    return Check("git", True, f"{repo} at {commit[:12]}")


def check_network_isolation() -> Check:
    from connectors.sandbox.local import network_namespace_available

    if network_namespace_available():
        return Check(
            "local sandbox", True, "network isolation with `unshare -n` works", required=False
        )
    return Check(
        "local sandbox",
        False,
        "`unshare -n` is not permitted here: the local "
        "sandbox would run tests with network access; prefer Docker",
        required=False,
    )


def run_doctor(
    args: argparse.Namespace, env: Mapping[str, str], emit: Callable[[str], None] = print
) -> int:
    repo = args.repo.resolve()
    config, settings = check_config(repo, args, env)
    checks = [config]
    if settings is not None:
        checks += [check_model(settings, env), check_docker(settings)]
    checks += [check_git(repo), check_network_isolation()]
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        emit(f"[{mark}] {check.name}: {check.detail}")
    for part in parts(env, data_dir(env)):
        emit(f"[{'on  ' if part.on else 'off '}] {part.name}: {part.detail}")
    if not config.ok:
        return 2
    return 0 if all(c.ok for c in checks if c.required) else 3
