"""git's smart HTTP protocol for the simulator's bare repositories, through `git http-backend`.

The simulator checks the installation token in HTTP Basic auth (user
`x-access-token`) the way GitHub does, then hands the request to git's own CGI.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path


def token_from_basic(header: str) -> str | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return password if user == "x-access-token" else None


def run_backend(
    root: Path, *, path_info: str, method: str, query: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    env = {
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": path_info,
        "REQUEST_METHOD": method,
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": "x-access-token",
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_PROTOCOL": headers.get("git-protocol", ""),
        "HTTP_CONTENT_ENCODING": headers.get("content-encoding", ""),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True,
                          check=False)
    head, _, payload = done.stdout.partition(b"\r\n\r\n")
    status, response_headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            response_headers[name.strip()] = value.strip()
    return status, response_headers, payload
