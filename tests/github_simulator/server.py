"""Running the simulator on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from tests.github_simulator.app import create_app
from tests.github_simulator.world import World


class GitHubSimulator:
    def __init__(self, root: Path) -> None:
        self.world = World(root)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.world.base_url = self.url
        config = uvicorn.Config(create_app(self.world), log_level="warning", access_log=False,
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> GitHubSimulator:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the GitHub simulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def app_env(self) -> dict[str, str]:
        """The variables that point redfix's GitHub App client at this simulator."""
        return {
            "REDFIX_APP_ID": str(self.world.app_id),
            "REDFIX_PRIVATE_KEY": self.world.private_key_pem,
            "REDFIX_GITHUB_API_URL": self.url,
        }
