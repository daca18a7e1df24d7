"""Running the sandbox under uvicorn, in the foreground (`serve`) or in a background thread (`Background`)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import SandboxApp, create_app
from .config import SandboxConfig


def _uvicorn_config(app: SandboxApp, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )


def serve(host: str = "127.0.0.1", port: int = 8765, config: SandboxConfig | None = None) -> None:
    """Blocking; Ctrl+C stops it."""
    uvicorn.Server(_uvicorn_config(create_app(config=config), host, port, "info")).run()


class Background:
    """uvicorn on a pre-bound loopback socket in a daemon thread, so the port is known before it starts."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1") -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(_uvicorn_config(app, host, self.port, "error"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="xentral-sandbox", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("xentral sandbox did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()
