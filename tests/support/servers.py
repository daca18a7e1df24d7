"""Run our service under uvicorn on loopback, in a thread, for tests that speak real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from unified_order_api.app import create_app
from unified_order_api.config import Limits, Settings
from unified_order_api.server import server_config


def loopback_socket() -> socket.socket:
    """A socket bound to a free loopback port (the server listens on it once started)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServerThread:
    def __init__(self, app: object, limits: Limits | None = None, sock: socket.socket | None = None) -> None:
        self._socket = sock or loopback_socket()
        self.port = self._socket.getsockname()[1]
        # The server configuration `serve` uses (header timeout, keep-alive), as production runs it.
        config = server_config(app, limits or Limits(), lifespan="on", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("service failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError("service did not start in time")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


@contextmanager
def running_service(settings: Settings, *, app: object | None = None) -> Iterator[str]:
    """The service for `settings` (or `app`, when a test built it itself) on a loopback port."""
    server = ServerThread(app if app is not None else create_app(settings), settings.limits)
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


@contextmanager
def running_service_at(settings_for: Callable[[str], Settings]) -> Iterator[tuple[str, Settings]]:
    """The service for settings that name its own address (e.g. `xentral_events.public_url`): the port is
    bound first, `settings_for(base_url)` builds the settings; yields the URL and those settings."""
    sock = loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = settings_for(url)
    server = ServerThread(create_app(settings), settings.limits, sock)
    server.start()
    try:
        yield url, settings
    finally:
        server.stop()
