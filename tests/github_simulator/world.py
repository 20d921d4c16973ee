"""The simulator's state: the app, its installations, repositories backed by bare git
repositories, builds with artifacts and logs, and what redfix did (pulls, comments, checks)."""

from __future__ import annotations

import io
import secrets
import subprocess
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass
class SimPull:
    number: int
    head: str
    base: str
    title: str
    body: str | None
    head_sha: str
    base_sha: str
    state: str = "open"
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0
    merged: bool = False
    merge_commit_sha: str | None = None
    draft: bool = False


@dataclass
class SimUser:
    login: str
    user_id: int
    kind: str = "User"  # or "Bot"


@dataclass
class SimComment:
    comment_id: int
    issue: int
    body: str
    user: SimUser | None = None  # None: redfix's own (the app's bot)
    association: str = "NONE"
    reactions: list[tuple[str, str]] = field(default_factory=list)  # (content, who)
    edits: int = 0


@dataclass
class SimCheckRun:
    check_id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    title: str | None
    summary: str | None


@dataclass
class SimArtifact:
    artifact_id: int
    name: str
    data: bytes


@dataclass
class SimJob:
    job_id: int
    name: str
    conclusion: str
    log: str


@dataclass
class SimRun:
    run_id: int
    head_branch: str
    head_sha: str
    conclusion: str = "failure"
    event: str = "push"
    artifacts: list[SimArtifact] = field(default_factory=list)
    jobs: list[SimJob] = field(default_factory=list)


@dataclass
class SimRepo:
    owner: str
    name: str
    repo_id: int
    owner_id: int
    bare: Path
    clone_url: str
    default_branch: str = "main"
    pulls: dict[int, SimPull] = field(default_factory=dict)
    comments: dict[int, SimComment] = field(default_factory=dict)
    check_runs: list[SimCheckRun] = field(default_factory=list)
    runs: dict[int, SimRun] = field(default_factory=dict)
    issues: dict[int, str] = field(default_factory=dict)  # plain issues: number -> title
    labels: dict[int, list[str]] = field(default_factory=dict)  # issue or pull -> labels
    next_issue: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def ref(self, branch: str) -> str | None:
        done = subprocess.run(["git", "-C", str(self.bare), "rev-parse", "--verify", "-q",
                               f"refs/heads/{branch}"], capture_output=True, text=True)
        return done.stdout.strip() or None

    def branches(self) -> list[str]:
        out = _git("-C", str(self.bare), "for-each-ref", "--format=%(refname:short)",
                   "refs/heads")
        return [line for line in out.splitlines() if line]

    def file_at(self, revision: str, path: str) -> str:
        return _git("-C", str(self.bare), "show", f"{revision}:{path}")


@dataclass
class Fault:
    """A canned answer for the next matching request (rate limits, outages)."""

    method: str
    path_suffix: str
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    remaining: int = 1


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    body: Any
    at: float


def artifact_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class World:
    def __init__(self, root: Path, *, app_id: int = 4242) -> None:
        self.root = root
        self.app_id = app_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.base_url = ""  # set by the server once it listens
        self.repos: dict[str, SimRepo] = {}
        self.installations: dict[int, list[str]] = {}
        self.tokens: dict[str, tuple[int, float]] = {}
        self.exchanges: list[Exchange] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._ids = 1000
        self.permissions: dict[tuple[str, str], str] = {}  # (repo, login) -> admin|write|read

    @property
    def private_key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def add_repository(self, full_name: str, source: Path, *, installation_id: int,
                       default_branch: str = "main") -> SimRepo:
        """A bare repository holding `source` (a git work tree) with all its branches."""
        owner, name = full_name.split("/")
        bare = self.root / "git" / owner / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "-q", "--bare", str(source), str(bare))
        _git("-C", str(bare), "config", "uploadpack.allowAnySHA1InWant", "true")
        _git("-C", str(bare), "config", "http.receivepack", "true")
        repo = SimRepo(owner, name, self.next_id(), self.next_id(), bare,
                       f"{self.base_url}/git/{full_name}.git", default_branch)
        self.repos[full_name] = repo
        self.installations.setdefault(installation_id, []).append(full_name)
        return repo

    def add_issue(self, repo: SimRepo, title: str, *, labels: tuple[str, ...] = ()) -> int:
        number = repo.next_issue
        repo.next_issue += 1
        repo.issues[number] = title
        repo.labels[number] = list(labels)
        return number

    def add_run(self, repo: SimRepo, *, head_branch: str, reports: dict[str, bytes],
                log: str = "FAILED tests", event: str = "push") -> SimRun:
        sha = repo.ref(head_branch)
        assert sha, f"no branch {head_branch}"
        run = SimRun(self.next_id(), head_branch, sha, event=event)
        if reports:
            run.artifacts.append(SimArtifact(self.next_id(), "test-results", artifact_zip(reports)))
        run.jobs.append(SimJob(self.next_id(), "tests", "failure", log))
        run.jobs.append(SimJob(self.next_id(), "lint", "success", "ok"))
        repo.runs[run.run_id] = run
        return run

    def issue_token(self, installation_id: int) -> tuple[str, float]:
        token = "ghs_" + secrets.token_hex(18)
        expires = time.time() + 3600
        with self.lock:
            self.tokens[token] = (installation_id, expires)
        return token, expires

    def installation_of(self, token: str) -> int | None:
        found = self.tokens.get(token)
        return found[0] if found and found[1] > time.time() else None

    def fail_next(self, method: str, path_suffix: str, *, status: int, headers: dict[str, str],
                  message: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, path_suffix, status, headers,
                                     {"message": message,
                                      "documentation_url": "https://docs.github.com/rest"},
                                     times))

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.endswith(fault.path_suffix) and fault.remaining:
                    fault.remaining -= 1
                    return fault
        return None

    def record(self, method: str, path: str, status: int, body: Any) -> None:
        with self.lock:
            self.exchanges.append(Exchange(method, path, status, body, time.monotonic()))

    def requests_to(self, method: str, suffix: str) -> list[Exchange]:
        with self.lock:
            return [e for e in self.exchanges if e.method == method and e.path.endswith(suffix)]


def _work_tree(repo: SimRepo, branch: str, scratch: Path) -> Path:
    work = scratch / f"work-{branch.replace('/', '-')}"
    _git("clone", "-q", "-b", branch, str(repo.bare), str(work))
    return work


def _commit(work: Path, message: str) -> None:
    _git("-C", str(work), "-c", "user.name=reviewer", "-c", "user.email=r@example.com",
         "commit", "-q", "-am", message)


def commit_on(repo: SimRepo, branch: str, files: dict[str, str], *, message: str,
              scratch: Path) -> str:
    """A person pushes a commit changing `files` on `branch`."""
    work = _work_tree(repo, branch, scratch)
    for path, text in files.items():
        (work / path).write_text(text)
    _commit(work, message)
    _git("-C", str(work), "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
    return _git("-C", str(work), "rev-parse", "HEAD")


def merge_pull(repo: SimRepo, pull: SimPull, *, scratch: Path) -> str:
    """Merge the pull request with a merge commit, as the web button does."""
    work = _work_tree(repo, pull.base, scratch)
    _git("-C", str(work), "fetch", "-q", "origin", pull.head)
    _git("-C", str(work), "-c", "user.name=maintainer", "-c", "user.email=m@example.com",
         "merge", "-q", "--no-ff", "-m", f"Merge pull request #{pull.number}", "FETCH_HEAD")
    _git("-C", str(work), "push", "-q", "origin", f"HEAD:refs/heads/{pull.base}")
    sha = _git("-C", str(work), "rev-parse", "HEAD")
    pull.state, pull.merged, pull.merge_commit_sha = "closed", True, sha
    return sha
