"""What the runner tells the step: the workspace, the run, the event, and where to write.

The fix is for the build that went red: for `workflow_run` the run named in the
payload, for `pull_request` the pull request's head branch, otherwise the pushed
branch. Builds of redfix's own `redfix/` branches are left alone (loop guard).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.errors import ConfigError
from bot.core.github import BRANCH_PREFIX

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
DEFAULT_SERVER_URL = "https://github.com"
DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class BuildTarget:
    """The red build: its commit, its branch, and where redfix may answer."""

    repository: str  # owner/name
    head_sha: str
    head_branch: str  # "" for a tag or a detached run: no pull request possible
    default_branch: str
    clone_url: str
    build_url: str
    pull_requests: tuple[int, ...] = ()
    from_fork: bool = False

    def loop_guard(self, ref: str) -> str:
        """Why this build must not be worked on, or "" when it may."""
        for branch in (self.head_branch, ref.removeprefix("refs/heads/")):
            if branch.startswith(BRANCH_PREFIX):
                return f"build of redfix's own branch {branch}: ignored to avoid a loop"
        return ""


@dataclass(frozen=True)
class RunnerContext:
    workspace: Path
    event_name: str
    ref: str
    run_id: str
    api_url: str
    temp_dir: Path | None
    target: BuildTarget
    # Where .github/redfix.yml is read: the default branch the event names ("" when none).
    # Unlike target.default_branch, never guessed.
    config_branch: str = ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def read_event(env: Mapping[str, str]) -> Mapping[str, Any]:
    """The webhook payload that triggered the workflow ({} outside a runner)."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"GITHUB_EVENT_PATH={path}: cannot read the event payload ({exc})"
        ) from exc
    return _mapping(payload)


def _workspace(env: Mapping[str, str]) -> Path:
    value = env.get("GITHUB_WORKSPACE", "")
    if not value:
        raise ConfigError(
            "GITHUB_WORKSPACE is not set: run redfix as a step of a GitHub Actions job after "
            "actions/checkout, or set it to the repository checkout"
        )
    workspace = Path(value).resolve()
    if not workspace.is_dir():
        raise ConfigError(f"GITHUB_WORKSPACE={value}: not a directory; check out the repository")
    return workspace


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    return Path(env[name]) if env.get(name) else None


def _numbers(pulls: Any) -> tuple[int, ...]:
    if not isinstance(pulls, list):
        return ()
    return tuple(int(p["number"]) for p in pulls if isinstance(p, Mapping) and "number" in p)


def build_target(env: Mapping[str, str], event: Mapping[str, Any]) -> BuildTarget:
    repository = env.get("GITHUB_REPOSITORY", "")
    server = env.get("GITHUB_SERVER_URL", DEFAULT_SERVER_URL).rstrip("/")
    repo = _mapping(event.get("repository"))
    ref = env.get("GITHUB_REF", "")
    pushed = BuildTarget(
        repository=repository,
        head_sha=env.get("GITHUB_SHA", ""),
        head_branch=ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else "",
        default_branch=str(repo.get("default_branch") or "main"),
        clone_url=str(repo.get("clone_url") or f"{server}/{repository}.git"),
        build_url=f"{server}/{repository}/actions/runs/{env.get('GITHUB_RUN_ID', '')}",
    )
    name = env.get("GITHUB_EVENT_NAME", "")
    if name == "workflow_run":
        run = _mapping(event.get("workflow_run"))
        head_repo = _mapping(run.get("head_repository")).get("full_name")
        return replace(
            pushed,
            head_sha=str(run.get("head_sha") or pushed.head_sha),
            head_branch=str(run.get("head_branch") or ""),
            build_url=str(run.get("html_url") or pushed.build_url),
            pull_requests=_numbers(run.get("pull_requests")),
            from_fork=bool(head_repo) and head_repo != repository,
        )
    if name in PULL_REQUEST_EVENTS:
        pull = _mapping(event.get("pull_request"))
        head = _mapping(pull.get("head"))
        return replace(
            pushed,
            head_sha=str(head.get("sha") or pushed.head_sha),
            head_branch=str(head.get("ref") or env.get("GITHUB_HEAD_REF", "")),
            pull_requests=_numbers([pull]),
            from_fork=_mapping(head.get("repo")).get("full_name") != repository,
        )
    return pushed


def read_context(env: Mapping[str, str]) -> RunnerContext:
    workspace = _workspace(env)  # checked first: without it nothing else matters
    event = read_event(env)
    return RunnerContext(
        workspace=workspace,
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        ref=env.get("GITHUB_REF", ""),
        run_id=env.get("GITHUB_RUN_ID", ""),
        api_url=env.get("GITHUB_API_URL", DEFAULT_API_URL).rstrip("/"),
        temp_dir=_optional_path(env, "RUNNER_TEMP"),
        target=build_target(env, event),
        config_branch=str(_mapping(event.get("repository")).get("default_branch") or ""),
    )
