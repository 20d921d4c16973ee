"""The simulator's HTTP endpoints: the REST calls redfix makes, and git over HTTP.

Each endpoint is a small method of `SimulatedGitHub`, registered on a FastAPI app.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.github_simulator import objects
from tests.github_simulator.git_http import run_backend, token_from_basic
from tests.github_simulator.world import (
    SimCheckRun,
    SimComment,
    SimPull,
    SimRepo,
    SimRun,
    SimUser,
    World,
)

RATE_LIMIT = 5000
REPO = "/repos/{owner}/{name}"


def rate_headers(remaining: int = RATE_LIMIT - 1) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(RATE_LIMIT), "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(RATE_LIMIT - remaining),
        "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-resource": "core",
    }


class Refused(Exception):
    """An error answer, raised from deep inside an endpoint."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class SimulatedGitHub:
    def __init__(self, world: World) -> None:
        self.world = world

    @property
    def base(self) -> str:
        return self.world.base_url

    def reply(self, request: Request, body: Any, status: int = 200) -> JSONResponse:
        self.world.record(request.method, request.url.path, status, body)
        return JSONResponse(body, status_code=status, headers=rate_headers())

    def installation(self, request: Request) -> int:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        found = self.world.installation_of(value.strip()) if scheme.lower() in (
            "token", "bearer") else None
        if found is None:
            raise Refused(401, "Bad credentials")
        return found

    def repo(self, request: Request, owner: str, name: str) -> SimRepo:
        full = f"{owner}/{name}"
        if full not in self.world.installations.get(self.installation(request), []):
            raise Refused(404, "Not Found")
        return self.world.repos[full]

    def run(self, request: Request, owner: str, name: str, run_id: int) -> tuple[SimRepo, SimRun]:
        repo = self.repo(request, owner, name)
        if run_id not in repo.runs:
            raise Refused(404, "Not Found")
        return repo, repo.runs[run_id]

    def pull(self, repo: SimRepo, number: int) -> SimPull:
        if number not in repo.pulls:
            raise Refused(404, "Not Found")
        return repo.pulls[number]

    # --- apps -------------------------------------------------------------------------

    async def access_token(self, installation_id: int, request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), self.world.key.public_key(),
                                algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]})
        except jwt.PyJWTError as exc:
            raise Refused(401, f"A JSON web token could not be decoded: {exc}") from exc
        if str(claims["iss"]) != str(self.world.app_id):
            raise Refused(401, "Integration not found")
        if installation_id not in self.world.installations:
            raise Refused(404, "Not Found")
        token, expires = self.world.issue_token(installation_id)
        stamp = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        permissions = {"contents": "write", "pull_requests": "write", "checks": "write",
                       "actions": "read"}
        return self.reply(request, {"token": token, "expires_at": stamp,
                                    "permissions": permissions,
                                    "repository_selection": "selected"}, 201)

    async def installation_repositories(self, request: Request) -> JSONResponse:
        names = self.world.installations.get(self.installation(request), [])
        repos = [objects.repository(self.base, self.world.repos[n]) for n in names]
        return self.reply(request, {"total_count": len(repos), "repositories": repos,
                                    "repository_selection": "selected"})

    # --- repositories and pull requests ----------------------------------------------------

    async def get_repo(self, owner: str, name: str, request: Request) -> JSONResponse:
        return self.reply(request, objects.repository(self.base, self.repo(request, owner, name)))

    async def get_ref(self, owner: str, name: str, ref: str, request: Request) -> JSONResponse:
        repo = self.repo(request, owner, name)
        sha = repo.ref(ref.removeprefix("heads/"))
        if sha is None:
            raise Refused(404, "Not Found")
        return self.reply(request, objects.git_ref(self.base, repo, f"refs/{ref}", sha))

    async def list_pulls(self, owner: str, name: str, request: Request) -> JSONResponse:
        repo = self.repo(request, owner, name)
        query = request.query_params
        state, head, base = query.get("state", "open"), query.get("head", ""), query.get("base")
        pulls = [p for p in repo.pulls.values()
                 if state in ("all", p.state) and head in ("", f"{repo.owner}:{p.head}")
                 and base in (None, p.base)]
        return self.reply(request,
                          [objects.pull_request(self.base, repo, p, full=False) for p in pulls])

    async def list_issues(self, owner: str, name: str, request: Request) -> JSONResponse:
        """Open issues and pull requests carrying every label of `labels` (comma-separated)."""
        repo = self.repo(request, owner, name)
        wanted = {part for part in request.query_params.get("labels", "").split(",") if part}
        open_pulls = {n: p.title for n, p in repo.pulls.items() if p.state == "open"}
        found = [objects.issue(self.base, repo, number, title, pull=number in open_pulls)
                 for number, title in sorted({**repo.issues, **open_pulls}.items())
                 if wanted <= set(repo.labels.get(number, []))]
        return self.reply(request, found)

    async def get_issue(self, owner: str, name: str, number: int, request: Request
                        ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        if number in repo.issues:
            return self.reply(request, objects.issue(self.base, repo, number,
                                                     repo.issues[number], pull=False))
        pull = self.pull(repo, number)
        return self.reply(request, objects.issue(self.base, repo, number, pull.title,
                                                 pull=True))

    async def create_pull(self, owner: str, name: str, request: Request) -> JSONResponse:
        repo = self.repo(request, owner, name)
        data = await request.json()
        head, base = str(data.get("head", "")).split(":")[-1], str(data.get("base", ""))
        head_sha, base_sha = repo.ref(head), repo.ref(base)
        if head_sha is None or base_sha is None:
            raise Refused(422, "Validation Failed: head or base branch does not exist")
        if any((p.head, p.base, p.state) == (head, base, "open") for p in repo.pulls.values()):
            raise Refused(422, f"A pull request already exists for {repo.owner}:{head}.")
        pull = SimPull(repo.next_issue, head, base, str(data.get("title", "")), data.get("body"),
                       head_sha, base_sha, draft=bool(data.get("draft", False)))
        repo.next_issue += 1
        repo.pulls[pull.number] = pull
        return self.reply(request, objects.pull_request(self.base, repo, pull, full=True), 201)

    async def get_pull(self, owner: str, name: str, number: int, request: Request
                       ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        pull = self.pull(repo, number)
        return self.reply(request, objects.pull_request(self.base, repo, pull, full=True))

    async def update_pull(self, owner: str, name: str, number: int, request: Request
                          ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        pull = self.pull(repo, number)
        data = await request.json()
        pull.title = str(data.get("title", pull.title))
        pull.body = data.get("body", pull.body)
        pull.head_sha = repo.ref(pull.head) or pull.head_sha
        return self.reply(request, objects.pull_request(self.base, repo, pull, full=True))

    async def list_comments(self, owner: str, name: str, number: int, request: Request
                            ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        return self.reply(request, [objects.issue_comment(self.base, repo, c)
                                    for c in repo.comments.values() if c.issue == number])

    async def create_comment(self, owner: str, name: str, number: int, request: Request
                             ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        if number not in repo.issues:
            self.pull(repo, number)
        comment = SimComment(self.world.next_id(), number, str((await request.json())["body"]))
        repo.comments[comment.comment_id] = comment
        return self.reply(request, objects.issue_comment(self.base, repo, comment), 201)

    async def edit_comment(self, owner: str, name: str, comment_id: int, request: Request
                           ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        if comment_id not in repo.comments:
            raise Refused(404, "Not Found")
        repo.comments[comment_id].body = str((await request.json())["body"])
        repo.comments[comment_id].edits += 1
        return self.reply(request, objects.issue_comment(self.base, repo,
                                                         repo.comments[comment_id]))

    async def add_reaction(self, owner: str, name: str, comment_id: int, request: Request
                           ) -> JSONResponse:
        repo = self.repo(request, owner, name)
        if comment_id not in repo.comments:
            raise Refused(404, "Not Found")
        content = str((await request.json()).get("content", ""))
        if content not in ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"):
            raise Refused(422, "Validation Failed: content is not a reaction")
        bot = SimUser("redfix[bot]", 9000, "Bot")
        repo.comments[comment_id].reactions.append((content, bot.login))
        return self.reply(request, objects.reaction(self.base, self.world.next_id(), content, bot),
                          201)

    async def collaborator_permission(self, owner: str, name: str, username: str,
                                      request: Request) -> JSONResponse:
        repo = self.repo(request, owner, name)
        level = self.world.permissions.get((repo.full_name, username.lower()), "read")
        return self.reply(request, objects.permission(self.base, username, 7000, level))

    async def create_check_run(self, owner: str, name: str, request: Request) -> JSONResponse:
        repo = self.repo(request, owner, name)
        data = await request.json()
        output = data.get("output") or {}
        run = SimCheckRun(self.world.next_id(), str(data["name"]), str(data["head_sha"]),
                          str(data.get("status", "queued")), data.get("conclusion"),
                          output.get("title"), output.get("summary"))
        repo.check_runs.append(run)
        return self.reply(request, objects.check_run(self.base, repo, run, self.world.app_id),
                          201)

    # --- actions ---------------------------------------------------------------------------

    async def get_run(self, owner: str, name: str, run_id: int, request: Request
                      ) -> JSONResponse:
        repo, run = self.run(request, owner, name, run_id)
        return self.reply(request, objects.workflow_run(self.base, repo, run))

    async def list_artifacts(self, owner: str, name: str, run_id: int, request: Request
                             ) -> JSONResponse:
        repo, run = self.run(request, owner, name, run_id)
        items = [objects.artifact(self.base, repo, a) for a in run.artifacts]
        return self.reply(request, {"total_count": len(items), "artifacts": items})

    async def list_jobs(self, owner: str, name: str, run_id: int, request: Request
                        ) -> JSONResponse:
        repo, run = self.run(request, owner, name, run_id)
        items = [objects.job(self.base, repo, run, j) for j in run.jobs]
        return self.reply(request, {"total_count": len(items), "jobs": items})

    def redirect(self, request: Request, location: str) -> Response:
        self.world.record(request.method, request.url.path, 302, None)
        return Response(status_code=302, headers={"Location": f"{self.base}{location}"})

    async def artifact_zip(self, owner: str, name: str, artifact_id: int, request: Request
                           ) -> Response:
        self.repo(request, owner, name)
        return self.redirect(request, f"/_blobs/artifacts/{artifact_id}")

    async def job_logs(self, owner: str, name: str, job_id: int, request: Request) -> Response:
        self.repo(request, owner, name)
        return self.redirect(request, f"/_blobs/logs/{job_id}")

    async def blob(self, kind: str, item: int) -> Response:
        """Signed storage URLs on GitHub: no token needed."""
        for repo in self.world.repos.values():
            for run in repo.runs.values():
                for art in run.artifacts:
                    if kind == "artifacts" and art.artifact_id == item:
                        return Response(art.data, media_type="application/zip")
                for job in run.jobs:
                    if kind == "logs" and job.job_id == item:
                        return Response(job.log, media_type="text/plain")
        return Response(status_code=404)

    # --- git over HTTP ---------------------------------------------------------------------

    async def git(self, owner: str, name: str, rest: str, request: Request) -> Response:
        token = token_from_basic(request.headers.get("authorization", ""))
        installation = self.world.installation_of(token) if token else None
        if f"{owner}/{name}" not in self.world.installations.get(installation or -1, []):
            self.world.record(request.method, request.url.path, 401, None)
            return Response("authentication required", status_code=401,
                            headers={"WWW-Authenticate": 'Basic realm="GitHub"'})
        status, headers, payload = run_backend(
            self.world.root / "git", path_info=f"/{owner}/{name}.git/{rest}",
            method=request.method, query=request.url.query, headers=dict(request.headers),
            body=await request.body(),
        )
        self.world.record(request.method, request.url.path, status, None)
        return Response(payload, status_code=status, headers=headers)


ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", "/app/installations/{installation_id}/access_tokens", "access_token"),
    ("GET", "/installation/repositories", "installation_repositories"),
    ("GET", REPO, "get_repo"),
    ("GET", REPO + "/git/ref/{ref:path}", "get_ref"),
    ("GET", REPO + "/issues", "list_issues"),
    ("GET", REPO + "/issues/{number}", "get_issue"),
    ("GET", REPO + "/pulls", "list_pulls"),
    ("POST", REPO + "/pulls", "create_pull"),
    ("GET", REPO + "/pulls/{number}", "get_pull"),
    ("PATCH", REPO + "/pulls/{number}", "update_pull"),
    ("GET", REPO + "/issues/{number}/comments", "list_comments"),
    ("POST", REPO + "/issues/{number}/comments", "create_comment"),
    ("PATCH", REPO + "/issues/comments/{comment_id}", "edit_comment"),
    ("POST", REPO + "/issues/comments/{comment_id}/reactions", "add_reaction"),
    ("GET", REPO + "/collaborators/{username}/permission", "collaborator_permission"),
    ("POST", REPO + "/check-runs", "create_check_run"),
    ("GET", REPO + "/actions/runs/{run_id}", "get_run"),
    ("GET", REPO + "/actions/runs/{run_id}/artifacts", "list_artifacts"),
    ("GET", REPO + "/actions/runs/{run_id}/jobs", "list_jobs"),
    ("GET", REPO + "/actions/artifacts/{artifact_id}/zip", "artifact_zip"),
    ("GET", REPO + "/actions/jobs/{job_id}/logs", "job_logs"),
    ("GET", "/_blobs/{kind}/{item}", "blob"),
    ("GET", "/git/{owner}/{name}.git/{rest:path}", "git"),
    ("POST", "/git/{owner}/{name}.git/{rest:path}", "git"),
)


def create_app(world: World) -> FastAPI:
    github = SimulatedGitHub(world)
    app = FastAPI()
    for method, path, endpoint in ROUTES:
        app.add_api_route(path, getattr(github, endpoint), methods=[method])

    @app.middleware("http")
    async def faults_and_refusals(request: Request,
                                  call_next: Callable[[Request], Awaitable[Response]]
                                  ) -> Response:
        fault = world.take_fault(request.method, request.url.path)
        if fault is not None:  # a canned rate limit or outage
            world.record(request.method, request.url.path, fault.status, fault.body)
            headers = {**rate_headers(0 if fault.status in (403, 429) else 4000),
                       **fault.headers}
            return JSONResponse(fault.body, status_code=fault.status, headers=headers)
        return await call_next(request)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        return github.reply(request, objects.error(str(exc), status=exc.status), exc.status)

    return app
