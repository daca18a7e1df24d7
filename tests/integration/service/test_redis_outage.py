"""A hanging Redis (SIGSTOP) must not slow orders down: the breaker opens, the limiter paces this
process alone and caches are skipped; /readyz says degraded, /metrics counts it; after SIGCONT
the service goes back to Redis.

Uses a redis-server of its own on a free port (never the shared one), stopped and continued
with signals.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.orders import order_body, orders_with_reference
from tests.support.processes import free_port
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

PATIENCE = 60.0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server on PATH")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, process
    finally:
        process.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        process.terminate()
        process.wait(10)
        client.close()


def _metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _timed_order(client: httpx.Client) -> tuple[httpx.Response, float, dict[str, object]]:
    body = order_body()
    started = time.monotonic()
    response = client.post("/api/orders", json=body)
    return response, time.monotonic() - started, body


def test_a_hanging_redis_does_not_hold_orders(
    own_redis: tuple[str, subprocess.Popen[bytes]], sandbox: SandboxHandle, tmp_path: Path
) -> None:
    url, process = own_redis
    # A generous Redis timeout: a loaded test machine must not trip the breaker while Redis runs.
    settings = service_settings(sandbox, tmp_path, redis_url=url, redis_retry_seconds=0.5, redis_timeout_seconds=2.0)
    window_key = f"uoa:xentral-rate:{sandbox.base_url}:sends"
    direct = redis.Redis.from_url(url, socket_timeout=5)
    with (
        running_service(settings) as service,
        httpx.Client(base_url=service, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=PATIENCE) as client,
    ):
        normal, normal_seconds, _ = _timed_order(client)
        assert normal.status_code == 201, normal.text
        assert direct.zcard(window_key) >= 3  # the shared window counts our Xentral calls
        assert client.get("/readyz").json()["status"] == "ready"

        process.send_signal(signal.SIGSTOP)
        try:
            stopped = [_timed_order(client) for _ in range(3)]
            for response, _, body in stopped:
                assert response.status_code == 201, response.text
                assert len(orders_with_reference(sandbox, str(body["reference"]))) == 1
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["redis"]["ok"] is False
            metrics = client.get("/metrics").text
            assert _metric(metrics, "redis_available") == 0
            assert _metric(metrics, "redis_bypassed_total") > 0
        finally:
            process.send_signal(signal.SIGCONT)
        print(  # the report's figures
            f"order with Redis: {normal_seconds:.2f} s; with Redis stopped: "
            + ", ".join(f"{seconds:.2f} s" for _, seconds, _ in stopped)
        )

        deadline = time.monotonic() + PATIENCE
        while client.get("/readyz").json()["status"] != "ready":
            assert time.monotonic() < deadline, "the service never went back to Redis"
            time.sleep(0.2)
        counted = direct.zcard(window_key)
        back, _, _ = _timed_order(client)
        assert back.status_code == 201, back.text
        assert direct.zcard(window_key) > counted  # the limiter counts in Redis again
        assert _metric(client.get("/metrics").text, "redis_available") == 1
    direct.close()
