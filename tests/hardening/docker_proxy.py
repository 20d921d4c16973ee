"""A unix-socket proxy in front of the real Docker socket, that a test can cut.

Cutting it closes the listening socket and every open connection, so a DockerRunner
pointed at it (base_url=unix://...) sees exactly what a stopped daemon looks like,
while the shared daemon itself keeps running for everyone else."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from pathlib import Path

REAL_SOCKET = "/var/run/docker.sock"


class DockerSocketProxy:
    def __init__(self, path: Path, *, target: str = REAL_SOCKET) -> None:
        self.path = path
        self.target = target
        self.connections = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> DockerSocketProxy:
        self._stop.clear()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def cut(self) -> None:
        """The daemon 'stops': no new connection, every open one dropped."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            with self._lock:
                self.connections += 1
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        pair = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
