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

from bot.app.webhooks import sign
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


def _user(world: World, login: str, *, bot: bool = False) -> dict[str, Any]:
    from tests.github_simulator.objects import user

    return user(world.base_url, login, 7000 + sum(map(ord, login)), kind="Bot" if bot else "User")


def issue_comment_created(world: World, repo: SimRepo, number: int, body: str, *, login: str,
                          association: str = "MEMBER", bot: bool = False,
                          created_at: str = "2026-01-02T03:04:05Z") -> dict[str, Any]:
    """A comment on pull request (or plain issue) `number`, stored in the simulator as GitHub
    would, with the labels the simulator holds for it."""
    from tests.github_simulator.objects import label
    from tests.github_simulator.world import SimComment, SimUser

    payload = example("issue_comment", action="created")
    _point_repository(payload, world, repo)
    payload["installation"] = _installation(world, repo)
    comment = SimComment(world.next_id(), number, body, SimUser(login, 7000, "Bot" if bot
                                                                else "User"), association)
    repo.comments[comment.comment_id] = comment
    api = f"{world.base_url}/repos/{repo.full_name}"
    payload["issue"].update(number=number, url=f"{api}/issues/{number}", state="open")
    payload["issue"]["labels"] = [label(world.base_url, repo, name)
                                  for name in repo.labels.get(number, [])]
    payload["issue"]["pull_request"] = {
        "url": f"{api}/pulls/{number}", "html_url": f"{world.base_url}/web/pull/{number}",
        "diff_url": f"{world.base_url}/web/pull/{number}.diff",
        "patch_url": f"{world.base_url}/web/pull/{number}.patch", "merged_at": None}
    if number in repo.issues:  # a plain issue
        del payload["issue"]["pull_request"]
    payload["comment"].update(id=comment.comment_id, body=body, author_association=association,
                              user=_user(world, login, bot=bot), created_at=created_at,
                              updated_at=created_at)
    payload["sender"] = _user(world, login, bot=bot)
    return payload


def _pull_payload(world: World, repo: SimRepo, pull: Any, event: str,
                  **match: Any) -> dict[str, Any]:
    payload = example(event, **match)
    _point_repository(payload, world, repo)
    payload["installation"] = _installation(world, repo)
    payload["pull_request"].update(number=pull.number, state=pull.state, merged=pull.merged,
                                   merge_commit_sha=pull.merge_commit_sha,
                                   closed_at="2026-01-03T00:00:00Z" if pull.state == "closed"
                                   else None)
    payload["pull_request"]["head"].update(ref=pull.head, sha=pull.head_sha)
    payload["pull_request"]["base"].update(ref=pull.base, sha=pull.base_sha)
    return payload


def pull_request_closed(world: World, repo: SimRepo, pull: Any) -> dict[str, Any]:
    payload = _pull_payload(world, repo, pull, "pull_request", action="closed")
    payload["sender"] = _user(world, "maintainer")
    return payload


def review_submitted(world: World, repo: SimRepo, pull: Any, *, state: str, body: str,
                     login: str = "reviewer", bot: bool = False) -> dict[str, Any]:
    payload = _pull_payload(world, repo, pull, "pull_request_review", action="submitted")
    payload["review"].update(state=state, body=body, user=_user(world, login, bot=bot),
                             submitted_at="2026-01-02T05:00:00Z")
    return payload


def review_comment_created(world: World, repo: SimRepo, pull: Any, *, body: str,
                           login: str = "reviewer") -> dict[str, Any]:
    payload = _pull_payload(world, repo, pull, "pull_request_review_comment", action="created")
    payload["comment"].update(body=body, user=_user(world, login),
                              created_at="2026-01-02T06:00:00Z")
    return payload
