"""Real webhook payloads from `@octokit/webhooks-examples`, pointed at the simulator and
signed the way GitHub signs them.

The npm packages are fetched at test time (`npm install --prefix DIR`), never committed:
set REDFIX_OCTOKIT_DIR to reuse a directory that already holds them.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from bot.service.webhooks import sign
from tests.github_simulator.world import SimRepo, SimRun, World

PACKAGES = ("@octokit/openapi", "@octokit/webhooks-examples")


def octokit_dir() -> Path:
    """A folder with node_modules/@octokit/{openapi,webhooks-examples}, installed if missing."""
    folder = Path(os.environ.get("REDFIX_OCTOKIT_DIR")
                  or Path.home() / ".cache" / "redfix-tests" / "octokit")
    if not all((folder / "node_modules" / name / "package.json").is_file() for name in PACKAGES):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                        *PACKAGES], check=True, capture_output=True, timeout=600)
    return folder / "node_modules" / "@octokit"


@cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    index = octokit_dir() / "webhooks-examples" / "api.github.com" / "index.json"
    return {entry["name"]: entry["examples"] for entry in json.loads(index.read_text())}


def example(event: str, **match: Any) -> dict[str, Any]:
    """A deep copy of the first example of `event` whose top-level or nested values match."""
    for payload in _examples()[event]:
        if all(_lookup(payload, key) == value for key, value in match.items()):
            return copy.deepcopy(payload)
    raise LookupError(f"no {event} example with {match}")


def _lookup(payload: dict[str, Any], dotted: str) -> Any:
    value: Any = payload
    for part in dotted.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _point_repository(payload: dict[str, Any], world: World, repo: SimRepo) -> None:
    payload["repository"].update(
        full_name=repo.full_name, name=repo.name, clone_url=repo.clone_url,
        default_branch=repo.default_branch, url=f"{world.base_url}/repos/{repo.full_name}",
        id=repo.repo_id,
    )
    payload["repository"]["owner"]["login"] = repo.owner


def _installation(world: World, repo: SimRepo) -> dict[str, Any]:
    installation = next(i for i, names in world.installations.items() if repo.full_name in names)
    return {"id": installation, "node_id": f"MDIz{installation}"}


def workflow_run_failure(world: World, repo: SimRepo, run: SimRun,
                         *, pull_requests: tuple[int, ...] = ()) -> dict[str, Any]:
    payload = example("workflow_run", action="completed", workflow_run__conclusion="success")
    _point_repository(payload, world, repo)
    payload["installation"] = _installation(world, repo)
    wr = payload["workflow_run"]
    wr.update(id=run.run_id, conclusion="failure", head_branch=run.head_branch,
              head_sha=run.head_sha, event=run.event,
              html_url=f"{world.base_url}/web/{repo.full_name}/actions/runs/{run.run_id}",
              url=f"{world.base_url}/repos/{repo.full_name}/actions/runs/{run.run_id}")
    wr["head_repository"]["full_name"] = repo.full_name
    wr["pull_requests"] = [
        {"number": n, "head": {"ref": run.head_branch, "sha": run.head_sha},
         "base": {"ref": repo.default_branch, "sha": run.head_sha}} for n in pull_requests
    ]
    return payload


def check_run_failure(world: World, repo: SimRepo, *, branch: str, sha: str,
                      app_slug: str = "jenkins") -> dict[str, Any]:
    payload = example("check_run", action="completed", check_run__conclusion="failure")
    _point_repository(payload, world, repo)
    payload["installation"] = _installation(world, repo)
    check = payload["check_run"]
    check.update(head_sha=sha, name="ci/tests")
    check["app"]["slug"] = app_slug
    check["check_suite"].update(head_branch=branch, head_sha=sha, pull_requests=[])
    return payload


def signed(event: str, payload: dict[str, Any], secret: str, *,
           delivery: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, secret),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/simulator",
    }
