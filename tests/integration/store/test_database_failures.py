"""A failing database: every order request gets a 503 problem with Retry-After inside the budget,
saying whether the order may already exist; /readyz goes 503; after recovery a retry makes one order."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import postgres_schema, postgres_server_url
from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.store import migrate
from unified_order_api.store.database import sync_url
from xentral_sandbox.testing import SandboxHandle

BUDGET = 1.0  # the database timeout these tests configure
# Far beyond the budget: a request still unanswered then is one the database held for ever.
PATIENCE = 30.0
PROBLEM = "application/problem+json"


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=PATIENCE)


def _timed_post(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    started = time.monotonic()
    response = client.post("/api/orders", json=body)
    print(f"POST answered {response.status_code} after {time.monotonic() - started:.2f} s")  # the report's figure
    return response


def _assert_unavailable(response: httpx.Response, *, order_may_exist: bool) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["code"] == "database_unavailable"
    assert problem["order_may_exist"] is order_may_exist
    assert "same reference" in problem["detail"]


def _wait_until_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + PATIENCE
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "never ready again"
        time.sleep(0.1)


def _retry_until_done(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    """Retry as a client would, honouring 409/503 Retry-After, until a final answer."""
    for _ in range(60):
        response = client.post("/api/orders", json=body)
        if response.status_code not in (409, 503):
            return response
        time.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))
    raise AssertionError(f"no final answer: {response.status_code} {response.text}")


@pytest.mark.postgres
def test_postgres_lock_held_beyond_the_budget(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with postgres_schema() as url:
        settings = service_settings(sandbox, tmp_path, database_url=url, database_timeout_seconds=BUDGET)
        schema = make_url(url).query["options"].split("=", 1)[1]
        locker = create_engine(sync_url(postgres_server_url()))
        body = order_body()
        try:
            with running_service(settings) as service, _client(service) as client:
                with locker.connect() as connection:
                    connection.execute(text(f'LOCK TABLE "{schema}".order_attempts IN ACCESS EXCLUSIVE MODE'))
                    _assert_unavailable(_timed_post(client, body), order_may_exist=False)
                    not_ready = client.get("/readyz")
                    assert not_ready.status_code == 503
                    assert not_ready.json()["checks"]["database"]["ok"] is False
                    connection.rollback()  # the lock is released
                _wait_until_ready(client)
                retried = _retry_until_done(client, body)
            assert retried.status_code == 201, retried.text
            assert len(orders_with_reference(sandbox, body["reference"])) == 1
        finally:
            locker.dispose()


@contextmanager
def _own_database() -> Iterator[tuple[str, Any]]:
    """A database of its own on the test server (the test drops it), and a way to re-create it."""
    server = make_url(postgres_server_url())
    name = f"uoa_drop_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sync_url(postgres_server_url()), isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    create()
    try:
        yield server.set(database=name).render_as_string(hide_password=False), (create, drop)
    finally:
        drop()
        admin.dispose()


def _wait_for_state(url: str, reference: str, state: str) -> None:
    engine = create_engine(sync_url(url))
    try:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                found = connection.execute(
                    text("SELECT state FROM order_attempts WHERE reference = :r"), {"r": reference}
                ).scalar()
            if found == state:
                return
            time.sleep(0.05)
        raise AssertionError(f"the attempt never reached {state}")
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_database_dropped_during_the_import(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with _own_database() as (url, (create, drop)):
        settings = service_settings(
            sandbox, tmp_path, database_url=url, database_timeout_seconds=BUDGET, xentral_timeout_seconds=15.0
        )
        body = order_body()
        # The import takes a while in Xentral: long enough to drop the database under it.
        sandbox.faults.latency(3.0, method="POST", path="/api/v1/salesOrders/actions/import")
        with running_service(settings) as service, _client(service) as client:
            answer: list[httpx.Response] = []
            posting = threading.Thread(target=lambda: answer.append(_timed_post(client, body)))
            posting.start()
            _wait_for_state(url, body["reference"], "importing")
            drop()
            posting.join(PATIENCE)
            _assert_unavailable(answer[0], order_may_exist=True)
            assert len(orders_with_reference(sandbox, body["reference"])) == 1  # Xentral has it
            assert client.get("/readyz").status_code == 503
            create()  # the operator restores the database (empty) and migrates it
            migrate.upgrade(url)
            _wait_until_ready(client)
            retried = _retry_until_done(client, body)
        assert retried.status_code == 200, retried.text
        assert retried.json()["outcome"] == "existing"
        orders = orders_with_reference(sandbox, body["reference"])
        assert [order["id"] for order in orders] == [retried.json()["order_id"]]


def test_sqlite_locked_by_another_process(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, database_timeout_seconds=BUDGET)
    database = make_url(settings.database_url).database
    assert database is not None
    body = order_body()
    with running_service(settings) as service, _client(service) as client:
        holder = sqlite3.connect(database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            _assert_unavailable(_timed_post(client, body), order_may_exist=False)
            assert client.get("/readyz").status_code == 503
            assert client.get(f"/api/orders/{body['reference']}").status_code in (404, 503)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        _wait_until_ready(client)
        retried = _retry_until_done(client, body)
    assert retried.status_code == 201, retried.text
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_sqlite_read_only(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """The database file can be read but not written (a file system remounted read-only, say)."""
    path = tmp_path / "orders.db"
    writable = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(writable)
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    body = order_body()
    settings = service_settings(sandbox, tmp_path, database_url=read_only, database_timeout_seconds=BUDGET)
    with running_service(settings) as service, _client(service) as client:
        _assert_unavailable(_timed_post(client, body), order_may_exist=False)
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["checks"]["database"]["ok"] is False
    assert orders_with_reference(sandbox, body["reference"]) == []
    # Writable again (the operator fixed the mount): the retry makes the one order.
    with (
        running_service(service_settings(sandbox, tmp_path, database_url=writable)) as service,
        _client(service) as client,
    ):
        retried = _retry_until_done(client, body)
    assert retried.status_code == 201, retried.text
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
