"""Slow and oversized requests: trickled headers and bodies are cut off, big bodies get a readable 413.

These speak raw HTTP over sockets (httpx would not trickle) to the server as `serve` configures it.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.support.orders import order_body, order_count
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

# Far beyond the configured timeouts: a connection still open then is one held for ever.
PATIENCE = 20.0
FAST = {"header_timeout_seconds": 1.0, "body_timeout_seconds": 1.0, "min_body_bytes_per_second": 1024}


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _trickle(port: int, head: bytes, then: bytes, results: list[bytes | None]) -> None:
    """Send `head` at once, then `then` one byte every 0.2 s until the server closes; record its answer
    (None when the connection was still open after PATIENCE)."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(head)
        sock.settimeout(0.2)
        answer = b""
        deadline = time.monotonic() + PATIENCE
        for byte in [then[i : i + 1] for i in range(len(then))]:
            if time.monotonic() > deadline:
                results.append(None)
                return
            try:
                sock.sendall(byte)
                chunk = sock.recv(65536)
            except TimeoutError:
                continue  # nothing to read yet
            except (BrokenPipeError, ConnectionResetError):
                results.append(answer)
                return
            if not chunk:  # closed by the server
                results.append(answer)
                return
            answer += chunk
        results.append(None)


def _run_all(targets: list[threading.Thread]) -> None:
    for thread in targets:
        thread.start()
    for thread in targets:
        thread.join(PATIENCE + 5)


def test_slow_headers_are_cut_off(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, limits=FAST)
    with running_service(settings) as url:
        results: list[bytes | None] = []
        head = b"POST /api/orders HTTP/1.1\r\n"
        rest = b"Host: x\r\n" + b"X-Slow: " + b"a" * 400 + b"\r\n\r\n"
        _run_all([threading.Thread(target=_trickle, args=(_port(url), head, rest, results)) for _ in range(20)])
        # A connection that sends nothing at all is closed too.
        with socket.create_connection(("127.0.0.1", _port(url)), timeout=PATIENCE) as idle:
            assert idle.recv(1) == b""
    assert len(results) == 20
    assert all(answer is not None for answer in results), "a trickling connection stayed open"


def test_slow_body_gets_408_and_is_closed(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, limits=FAST)
    body = json.dumps(order_body()).encode()
    head = (
        f"POST /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    orders_before = order_count(sandbox)
    with running_service(settings) as url:
        results: list[bytes | None] = []
        _run_all([threading.Thread(target=_trickle, args=(_port(url), head, body, results)) for _ in range(10)])
    assert len(results) == 10
    for answer in results:
        assert answer is not None, "a trickling body kept its connection open"
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"code":"request_timeout"' in answer
    assert order_count(sandbox) == orders_before


@pytest.mark.parametrize("megabytes", [10, 50])
def test_big_body_sent_whole_gets_413(sandbox: SandboxHandle, tmp_path: Path, megabytes: int) -> None:
    """A plain client (http.client) sends the whole body before it reads the answer."""
    settings = service_settings(sandbox, tmp_path)
    body = b'{"reference": "' + b"x" * (megabytes * 1_000_000) + b'"}'
    with running_service(settings) as url:
        connection = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=PATIENCE)
        try:
            connection.request(
                "POST",
                "/api/orders",
                body=body,
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
        finally:
            connection.close()
    assert response.status == 413
    assert response.getheader("content-type") == "application/problem+json"
    assert answer["code"] == "body_too_large"


def test_body_beyond_the_drain_cap_is_refused_at_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, limits={"drain_max_bytes": 2_000_000})
    with running_service(settings) as url, socket.create_connection(("127.0.0.1", _port(url)), PATIENCE) as sock:
        sock.sendall(
            b"POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500000000\r\n\r\n{"
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
