"""SIGTERM: `serve` stops accepting, answers every request in flight, hands queued orders back, exits.

Requests in flight get their answer within `shutdown_grace_seconds`; queued orders that cannot
finish in time are handed back (their lease ended), so a second process resumes them at once
instead of when the lease runs out. Either way each reference makes exactly one order.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.processes import ServiceProcess, service_env
from tests.support.service import API_KEY
from xentral_sandbox.testing import SandboxHandle

pytestmark = pytest.mark.slow

IMPORT = {"method": "POST", "path": "/api/v1/salesOrders/actions/import"}
PRODUCTS = {"method": "GET", "path": "/api/v[0-9]/products*"}  # whichever version the client reads
ASYNC = {"Prefer": "respond-async", "X-API-Key": API_KEY}
LEASE_SECONDS = 60  # the default: a handed-back order is resumed long before it would run out


def states(database: Path) -> dict[str, str]:
    try:
        with sqlite3.connect(database) as connection:
            return dict(connection.execute("SELECT reference, state FROM order_attempts").fetchall())
    except sqlite3.OperationalError:
        return {}


def wait_until(condition: object, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def exited_cleanly(process: ServiceProcess, timeout: float) -> float:
    """Seconds from now until the process exited after its SIGTERM, checking it ended as uvicorn does."""
    started = time.monotonic()
    code = process.wait(timeout)
    assert code in (0, -signal.SIGTERM), code
    return time.monotonic() - started


def test_requests_in_flight_at_sigterm_are_all_answered(sandbox: SandboxHandle, tmp_path: Path) -> None:
    database = tmp_path / "orders.db"
    env = service_env(
        xentral_url=sandbox.base_url,
        token=sandbox.token,
        database_url=f"sqlite:///{database}",
        api_key=API_KEY,
        extra={"UOA_SHUTDOWN_GRACE_SECONDS": "15"},
    )
    sandbox.faults.latency(1.5, count=None, **IMPORT)  # each order is inside its import when SIGTERM comes
    process = ServiceProcess(env, tmp_path / "serve.log").wait_ready()
    bodies = [order_body() for _ in range(6)]
    answers: dict[str, int | str] = {}

    def place(body: dict[str, object]) -> None:
        try:
            answer = httpx.post(f"{process.base_url}/api/orders", json=body, headers={"X-API-Key": API_KEY}, timeout=30)
            answers[str(body["reference"])] = answer.status_code
        except httpx.HTTPError as error:
            answers[str(body["reference"])] = type(error).__name__

    threads = [threading.Thread(target=place, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: list(states(database).values()).count("importing") == len(bodies), "all importing")
        process.terminate()
        time.sleep(0.3)
        with pytest.raises(httpx.TransportError):  # no longer accepting
            httpx.get(f"{process.base_url}/healthz", timeout=2)
        exited_cleanly(process, timeout=20)
    finally:
        for thread in threads:
            thread.join(30)
        process.stop()
    assert answers == {body["reference"]: 201 for body in bodies}
    for body in bodies:
        assert len(orders_with_reference(sandbox, str(body["reference"]))) == 1


def test_queued_orders_in_flight_are_handed_back_and_resumed_at_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    database = tmp_path / "orders.db"
    env = service_env(
        xentral_url=sandbox.base_url,
        token=sandbox.token,
        database_url=f"sqlite:///{database}",
        api_key=API_KEY,
        extra={
            "UOA_SHUTDOWN_GRACE_SECONDS": "0",
            "UOA_IDEMPOTENCY__LEASE_SECONDS": str(LEASE_SECONDS),
            "UOA_QUEUE__POLL_SECONDS": "0.05",
            "UOA_LOG_LEVEL": "INFO",
        },
    )
    bodies = [order_body(items=[{"sku": "ART-001", "quantity": 1}]) for _ in range(8)]
    references = [str(body["reference"]) for body in bodies]
    # Slow product lookups: at SIGTERM every order is before its first write.
    sandbox.faults.latency(3.0, count=None, **PRODUCTS)
    first = ServiceProcess(env, tmp_path / "first.log").wait_ready()
    try:
        for body in bodies:
            queued = httpx.post(f"{first.base_url}/api/orders", json=body, headers=ASYNC)
            assert queued.status_code == 202, queued.text
        wait_until(lambda: len(states(database)) == len(bodies), "all stored")
        time.sleep(0.5)  # claimed (the worker polls every 0.05 s), their product lookups on the way
        first.terminate()
        assert exited_cleanly(first, timeout=10) < 5
    finally:
        first.stop()
    log = (tmp_path / "first.log").read_text()
    # Every order claimed by then was handed back (one kept would wait out its lease below).
    assert log.count("queue.handed_back") >= 1, log[-3000:]
    assert not orders_with_reference(sandbox, references[0])  # nothing was written yet
    sandbox.faults.clear()

    started = time.monotonic()
    second = ServiceProcess(env, tmp_path / "second.log").wait_ready()
    try:
        wait_until(lambda: set(states(database).values()) == {"completed"}, "all completed", timeout=LEASE_SECONDS / 2)
    finally:
        second.stop()
    assert time.monotonic() - started < LEASE_SECONDS / 2  # resumed at once, not when the lease ran out
    for reference in references:
        assert len(orders_with_reference(sandbox, reference)) == 1
