"""The images tests run in: the base image, a venv with pytest, the repository's dependencies.

Two cached layers, each built once by a set-up container that has the network
(host networking: the bridge may be off) and the CA bundle, then committed:

    redfix-runtime:<sha256(recipe, base image id)>     venv /opt/redfix-venv + pytest, coverage
    redfix-deps:<sha256(recipe, base image id, setup commands, dependency files' content)>
                                                       the runtime + the setup commands run
                                                       over the repository

Test containers start from these with no network at all. The set-up container
gets the whole repository, not only the dependency files, because `pip install -e .`
needs the package sources; the repository is deleted before the commit (each test
run brings its own copy to the same path, where an editable install points).
Cached images carry DEPS_LABEL, never the managed label, so a sweep of leftovers
keeps them.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.errors import DockerException, ImageNotFound
from docker.types import Mount

from bot.core.errors import SandboxError
from bot.core.paths import resolve_repo_path
from bot.core.results import Termination
from connectors.sandbox.containers import (
    LOG_CONFIG,
    SANDBOX_UID,
    ContainerEnd,
    WatchLimits,
    file_archive,
    managed_labels,
    remove_quietly,
    run_to_end,
    workspace_archive,
)
from connectors.sandbox.pip_errors import pip_failures

VENV = "/opt/redfix-venv"
DEPS_REPOSITORY = "redfix-deps"
RUNTIME_REPOSITORY = "redfix-runtime"
# coverage: the spectrum signal of the hybrid localizer and the coverage of changed lines.
RUNTIME_STEPS = (
    f"python3 -m venv {VENV}",
    "python -m pip install --no-input pytest coverage",
)
DEPS_LABEL = "io.redfix.deps"
RECIPE_VERSION = "1"  # bump when the set-up script changes what an image holds
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_TARGET = "/tmp/redfix-ca-bundle.crt"  # noqa: S108  (a read-only mount in the container)
SCRIPT_NAME = ".redfix-setup.sh"


@dataclass(frozen=True)
class DependencyImage:
    tag: str
    built: bool  # False: found in the cache, nothing was installed
    seconds: float


def _digest(material: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def runtime_digest(base_image_id: str) -> str:
    """The cache key of the runtime image (base + venv + pytest), shared by all repositories."""
    return _digest({"recipe": RECIPE_VERSION, "base": base_image_id, "steps": list(RUNTIME_STEPS)})


def dependency_digest(
    base_image_id: str, setup: Sequence[str], files: Mapping[str, bytes | None]
) -> str:
    """The cache key of a dependency image; a missing dependency file counts as such."""
    file_digests = {
        name: hashlib.sha256(content).hexdigest() if content is not None else None
        for name, content in sorted(files.items())
    }
    return _digest({
        "recipe": RECIPE_VERSION,
        "base": base_image_id,
        "runtime": list(RUNTIME_STEPS),  # built on the runtime image: changes with it
        "setup": list(setup),
        "files": file_digests,
    })


def read_dependency_files(workdir: Path, names: Sequence[str]) -> dict[str, bytes | None]:
    contents: dict[str, bytes | None] = {}
    for name in names:
        path = resolve_repo_path(workdir, name)
        contents[name] = path.read_bytes() if path.is_file() else None
    return contents


def setup_script(
    steps: Sequence[str], *, environment: Mapping[str, str], in_repository: bool
) -> str:
    """What the sandbox user runs in a set-up container (secrets stay in this file only)."""
    exports = [f"export {name}={shlex.quote(value)}" for name, value in environment.items()]
    return "\n".join(
        [
            "set -eu",
            *exports,
            "cd /work/repo" if in_repository else "cd /work",
            "set -x",
            *steps,
            "set +x",
            "cd /",
            # The repository comes anew with every test run; the image keeps only the venv.
            f'rm -rf /work/repo /work/out "$HOME/.cache" /work/{SCRIPT_NAME}',
            "",
        ]
    )


def _root_command() -> list[str]:
    uid = SANDBOX_UID
    return [
        "sh",
        "-c",
        f"mkdir -p {VENV} && chown {uid}:{uid} {VENV} && "
        f"exec setpriv --reuid={uid} --regid={uid} --clear-groups sh /work/{SCRIPT_NAME}",
    ]


class DependencyImages:
    """Finds or builds the dependency image for a repository state."""

    def __init__(
        self,
        client: Any,
        *,
        base_image: str,
        ca_bundle: Path | None,
        pip_environment: Mapping[str, str],
        timeout_s: float,
        memory: str,
        pids: int,
    ) -> None:
        self.client = client
        self.base_image = base_image
        self.ca_bundle = ca_bundle
        self.pip_environment = dict(pip_environment)
        self.timeout_s = timeout_s
        self.memory = memory
        self.pids = pids

    def ensure(
        self, workdir: Path, *, setup: Sequence[str], dependency_files: Sequence[str], run_id: str
    ) -> DependencyImage:
        """The image to test `workdir` in, built (with the network) only when not cached."""
        started = time.monotonic()
        base_id = self.base_image_id()
        runtime = f"{RUNTIME_REPOSITORY}:{runtime_digest(base_id)}"
        runtime_built = not self._exists(runtime)
        if runtime_built:
            self._build(runtime, parent=base_id, base_id=base_id, steps=RUNTIME_STEPS,
                        workdir=None, run_id=run_id)
        if not setup:  # nothing to install: the runtime image serves as it is
            return DependencyImage(runtime, runtime_built, time.monotonic() - started)
        files = read_dependency_files(workdir, dependency_files)
        tag = f"{DEPS_REPOSITORY}:{dependency_digest(base_id, setup, files)}"
        if self._exists(tag):
            return DependencyImage(tag, runtime_built, time.monotonic() - started)
        self._build(tag, parent=runtime, base_id=base_id, steps=setup, workdir=workdir,
                    run_id=run_id)
        return DependencyImage(tag, True, time.monotonic() - started)

    def _exists(self, tag: str) -> bool:
        try:
            self.client.images.get(tag)
        except ImageNotFound:
            return False
        return True

    def base_image_id(self) -> str:
        try:
            return str(self.client.images.get(self.base_image).id)
        except ImageNotFound:
            pass
        try:
            return str(self.client.images.pull(self.base_image).id)
        except DockerException as exc:
            raise SandboxError(
                f"Docker image {self.base_image!r} is not on this machine and could not be "
                f"pulled ({exc}): build it offline with `scripts/setup-docker` in a redfix "
                f"checkout, `docker pull {self.base_image}` where a registry is reachable, or "
                "choose another image (docker.image in .github/redfix.yml, REDFIX_IMAGE)"
            ) from exc

    def _build(
        self,
        tag: str,
        *,
        parent: str,
        base_id: str,
        steps: Sequence[str],
        workdir: Path | None,
        run_id: str,
    ) -> None:
        container = self.client.containers.create(**self._container_options(parent, run_id))
        try:
            if workdir is not None:
                with workspace_archive(workdir, top="work/repo", extra_dirs=("work/out",)) as tar:
                    container.put_archive("/", tar)
            script = setup_script(steps, environment=self._script_environment(),
                                  in_repository=workdir is not None)
            container.put_archive("/", file_archive(
                {f"work/{SCRIPT_NAME}": script.encode()}, directories=("work",), mode=0o600))
            end = run_to_end(container, limits=WatchLimits(
                timeout_s=self.timeout_s, pids=self.pids,
                max_output_bytes=1 << 20, kill_output_bytes=64 << 20))
            if end.termination is not Termination.EXITED or end.exit_code != 0:
                raise SandboxError(_failure_message(steps, end))
            repository, _, digest = tag.partition(":")
            container.commit(repository=repository, tag=digest, conf=self._image_config(base_id))
        finally:
            remove_quietly(container)

    def _container_options(self, parent: str, run_id: str) -> dict[str, Any]:
        mounts = []
        if self.ca_bundle is not None:
            mounts.append(Mount(CA_TARGET, str(self.ca_bundle), type="bind", read_only=True))
        return {
            "image": parent,
            "command": _root_command(),
            "user": "0:0",
            "working_dir": "/",
            "network_mode": "host",  # installing needs the index; the bridge may be off
            "mounts": mounts,
            "labels": managed_labels(run_id, role="setup"),
            "security_opt": ["no-new-privileges"],
            "cap_drop": ["ALL"],
            # chown the venv's directory, then setpriv to the sandbox user
            "cap_add": ["CHOWN", "SETUID", "SETGID"],
            "mem_limit": self.memory,
            "memswap_limit": self.memory,
            "pids_limit": self.pids,
            "log_config": LOG_CONFIG,
        }

    def _script_environment(self) -> dict[str, str]:
        environment = {
            "HOME": "/tmp",  # noqa: S108  (inside the set-up container)
            "PATH": f"{VENV}/bin:{SYSTEM_PATH}",
            "VIRTUAL_ENV": VENV,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            **self.pip_environment,
        }
        if self.ca_bundle is not None:
            for variable in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"):
                environment[variable] = CA_TARGET
        return environment

    @staticmethod
    def _image_config(base_id: str) -> dict[str, Any]:
        """The committed image's whole config: nothing of the set-up container's (its labels,
        its command) carries over, and the tests start in the venv as the sandbox user."""
        return {
            "Env": [f"PATH={VENV}/bin:{SYSTEM_PATH}", f"VIRTUAL_ENV={VENV}", "HOME=/tmp"],
            "Cmd": ["python", "-m", "pytest"],
            "WorkingDir": "/work/repo",
            "User": f"{SANDBOX_UID}:{SANDBOX_UID}",
            # Docker merges the container's labels into a commit's, except those named here:
            # blank the run's labels so the cached image is not taken for a leftover.
            "Labels": {**dict.fromkeys(managed_labels("", role=""), ""),
                       DEPS_LABEL: "1", "io.redfix.base": base_id},
        }


def _failure_message(setup: Sequence[str], end: ContainerEnd) -> str:
    """Why set-up failed, with the tail of its output (what pip said)."""
    how = f"exit code {end.exit_code}" if end.termination is Termination.EXITED else end.termination
    commands = "; ".join(setup)
    tail = "\n".join(end.output.splitlines()[-30:])
    failed = pip_failures(end.output)
    named = f" pip could not install {', '.join(failed)}." if failed else ""
    return (
        f"installing the repository's dependencies failed ({how}).{named} "
        f"Setup commands: {commands}. "
        "Fix the `setup` list in .github/redfix.yml, or check that this machine reaches the "
        f"package index (ca_bundle / pip settings). Last output:\n{tail}"
    )
