"""Three `serve` processes started at once on a new, empty PostgreSQL database migrate it exactly once.

The first to take the advisory lock (`store/migrations/env.py`) runs every revision in one
transaction; the others wait for the lock, then find the schema at head and run none. So that
they really meet, the test holds the lock itself until all three wait for it, then lets go. The
logs say which revisions ran, so "once" is counted, not assumed.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from tests.support.databases import postgres_database
from tests.support.processes import ServiceProcess, service_env
from unified_order_api.store.database import sync_url
from unified_order_api.store.migrate import MIGRATION_LOCK_ID, alembic_config
from xentral_sandbox.testing import SandboxHandle

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FIRST_REVISION_LINE = "Running upgrade  -> 0001"


def test_three_processes_on_an_empty_database_migrate_once(tmp_path: Path, sandbox: SandboxHandle) -> None:
    with postgres_database() as url:
        env = service_env(
            xentral_url=sandbox.base_url,
            token=sandbox.token,
            database_url=url,
            api_key="shop-key-0123456789",
            extra={"UOA_LOG_LEVEL": "INFO", "UOA_LOG_JSON": "true"},
        )
        logs = [tmp_path / f"serve-{n}.log" for n in range(3)]
        gate = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
        with gate.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            processes = [ServiceProcess(env, log) for log in logs]
            try:
                wait_for_waiters(holder, 3)
            finally:
                holder.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        gate.dispose()
        try:
            for process in processes:
                process.wait_ready(60)
                ready = httpx.get(f"{process.base_url}/readyz", timeout=10)
                assert ready.status_code == 200, ready.text
                assert ready.json()["checks"]["database"]["ok"] is True
        finally:
            for process in processes:
                process.stop()

        texts = [log.read_text() for log in logs]
        assert sum(text_.count(FIRST_REVISION_LINE) for text_ in texts) == 1, "the schema was migrated twice"
        for text_ in texts:
            assert "Traceback" not in text_
            assert '"level": "error"' not in text_

        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        engine = create_engine(sync_url(url))
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert versions == [head]


def wait_for_waiters(connection: Connection, count: int, timeout: float = 60.0) -> None:
    """Until `count` sessions wait for the migration lock (this one holds it)."""
    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND ((classid::bigint << 32) | objid::bigint) = :id"
            ),
            {"id": MIGRATION_LOCK_ID},
        ).scalar_one()
        if waiting >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"only {waiting} of {count} processes waited for the migration lock")
