"""Webhook handlers for builds and installations, Probot-style: one per `event.action`;
`app_router` composes them with the pull-request handlers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.app import pull_events
from bot.app.router import Decision, Ignore, InstallationChange, Pong, Router, StartFix
from bot.app.webhooks import WebhookEvent
from bot.core.github import BRANCH_PREFIX, CHECK_NAME
from bot.core.jobs import FixJob

ACTIONS_APP_SLUG = "github-actions"
_SHA = re.compile(r"[0-9a-f]{40}")


router = Router()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _installation_id(payload: Mapping[str, Any]) -> int | None:
    value = _mapping(payload.get("installation")).get("id")
    return value if isinstance(value, int) else None


@router.on("ping")
def _ping(event: WebhookEvent) -> Decision:
    return Pong(str(event.payload.get("zen", "")))


def _build_guard(branch: str, *, installation: int | None, repo: Mapping[str, Any]) -> str:
    """Why this build must not become a job, or "" when it may."""
    if installation is None:
        return "no installation in the payload: only a GitHub App receives these"
    if not branch:
        return "the build has no branch (a tag or a detached run)"
    if branch.startswith(BRANCH_PREFIX):
        return f"build of redfix's own branch {branch}: ignored to avoid a loop"
    if not repo.get("full_name") or not repo.get("clone_url"):
        return "the payload names no repository"
    return ""


def _commit_guard(sha: Any, build_id: Any) -> str:
    """Why the build's commit and id cannot be used (a job needs both), or ""."""
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        return "the payload has no commit sha for the build (40 hex digits)"
    if not isinstance(build_id, int) or isinstance(build_id, bool):
        return "the payload has no numeric id for the build"
    return ""


def _pull_numbers(pulls: Any) -> tuple[int, ...]:
    if not isinstance(pulls, list):
        return ()
    return tuple(p["number"] for p in pulls if isinstance(p, Mapping) and "number" in p)


@router.on("workflow_run.completed")
def _workflow_run(event: WebhookEvent) -> Decision:
    run = _mapping(event.payload.get("workflow_run"))
    repo = _mapping(event.payload.get("repository"))
    if run.get("conclusion") != "failure":
        return Ignore(f"workflow run concluded {run.get('conclusion')!r}, not 'failure'")
    branch = str(run.get("head_branch") or "")
    installation = _installation_id(event.payload)
    guard = _build_guard(branch, installation=installation, repo=repo) or _commit_guard(
        run.get("head_sha"), run.get("id")
    )
    if guard or installation is None:
        return Ignore(guard)
    head_repo = _mapping(run.get("head_repository")).get("full_name")
    workflow = run.get("name") or _mapping(event.payload.get("workflow")).get("name") or ""
    return StartFix(
        FixJob(
            delivery_id=event.delivery_id,
            event="workflow_run",
            installation_id=installation,
            repository=str(repo["full_name"]),
            clone_url=str(repo["clone_url"]),
            default_branch=str(repo.get("default_branch") or "main"),
            head_sha=str(run.get("head_sha", "")),
            head_branch=branch,
            build_url=str(run.get("html_url", "")),
            workflow=str(workflow),
            run_id=int(run["id"]),
            pull_requests=_pull_numbers(run.get("pull_requests")),
            from_fork=bool(head_repo) and head_repo != repo["full_name"],
        )
    )


@router.on("check_run.completed")
def _check_run(event: WebhookEvent) -> Decision:
    """Checks published by another CI; Actions' own checks arrive as workflow_run."""
    check = _mapping(event.payload.get("check_run"))
    repo = _mapping(event.payload.get("repository"))
    app_slug = _mapping(check.get("app")).get("slug")
    if check.get("conclusion") != "failure":
        return Ignore(f"check run concluded {check.get('conclusion')!r}, not 'failure'")
    if check.get("name") == CHECK_NAME:
        return Ignore("redfix's own check run")
    if app_slug == ACTIONS_APP_SLUG:
        return Ignore("a GitHub Actions check: handled by its workflow_run event")
    suite = _mapping(check.get("check_suite"))
    branch = str(suite.get("head_branch") or "")
    installation = _installation_id(event.payload)
    guard = _build_guard(branch, installation=installation, repo=repo) or _commit_guard(
        check.get("head_sha"), check.get("id")
    )
    if guard or installation is None:
        return Ignore(guard)
    return StartFix(
        FixJob(
            delivery_id=event.delivery_id,
            event="check_run",
            installation_id=installation,
            repository=str(repo["full_name"]),
            clone_url=str(repo["clone_url"]),
            default_branch=str(repo.get("default_branch") or "main"),
            head_sha=str(check.get("head_sha", "")),
            head_branch=branch,
            build_url=str(check.get("html_url") or check.get("details_url") or ""),
            workflow=str(check.get("name") or ""),
            check_run_id=int(check["id"]),
            pull_requests=_pull_numbers(suite.get("pull_requests")),
        )
    )


def _repo_names(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(str(r["full_name"]) for r in items if isinstance(r, Mapping) and "full_name" in r)


@router.on("installation", "installation_repositories")
def _installation(event: WebhookEvent) -> Decision:
    installation = _mapping(event.payload.get("installation"))
    if not isinstance(installation.get("id"), int):
        return Ignore("installation event without an installation id")
    account = str(_mapping(installation.get("account")).get("login", ""))
    payload = event.payload
    added = _repo_names(payload.get("repositories_added")) or (
        _repo_names(payload.get("repositories")) if event.action == "created" else ()
    )
    return InstallationChange(
        installation_id=int(installation["id"]),
        account=account,
        added=added,
        removed=_repo_names(payload.get("repositories_removed")),
        uninstalled=event.name == "installation" and event.action == "deleted",
    )


def app_router() -> Router:
    """Every handler of the App: builds and installations here, pull-request events
    (slash commands, reviewers' feedback) from `pull_events`."""
    composed = Router()
    composed.include(router)
    composed.include(pull_events.router)
    return composed
