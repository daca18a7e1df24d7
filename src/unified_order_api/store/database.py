"""Engines for the store: SQLite (WAL, busy timeout, immediate transactions) or PostgreSQL.

Every wait on the database is bounded by one timeout (`UOA_DATABASE_TIMEOUT_SECONDS`): taking
a connection from the pool, connecting, waiting for a lock (PostgreSQL `lock_timeout`, SQLite's
busy timeout) and running a statement (`statement_timeout`). A held lock or a hung server then
fails the request inside its budget, as a 503, instead of holding it for ever.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

DEFAULT_TIMEOUT_SECONDS = 5.0


def async_url(url: str) -> str:
    """Accept the URLs people write and pick our async drivers for them."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, for Alembic."""
    parsed = make_url(async_url(url))
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    ensure_sqlite_directory(url)
    if make_url(url).database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_timeout", timeout_seconds)  # a memory database has no pool to wait for
    if is_sqlite(url):
        if make_url(url).database not in (None, "", ":memory:"):
            # One connection per process: SQLite has one writer anyway, and queueing for the pool wakes the
            # next caller the moment the previous one is done, where a second connection would sleep in
            # SQLite's busy handler (1, 2, 5 … 100 ms steps) — seen as 100 ms gaps under a burst of orders.
            kwargs = {"pool_size": 1, "max_overflow": 0, **kwargs}
        # The rollback on return is done by `_rollback_only_in_transaction` (same effect, one thread hop less).
        kwargs.setdefault("pool_reset_on_return", None)
        engine = create_async_engine(url, connect_args={"timeout": timeout_seconds}, **kwargs)
        _make_sqlite_transactions_immediate(engine, busy_timeout_ms=round(timeout_seconds * 1000))
        return engine
    return create_async_engine(_with_postgres_timeouts(url, timeout_seconds), pool_pre_ping=True, **kwargs)


def _with_postgres_timeouts(url: str, timeout_seconds: float) -> str:
    """Lock, statement and connect timeouts as libpq options, kept beside any the URL already sets
    (e.g. a search_path)."""
    parsed = make_url(url)
    milliseconds = max(1, round(timeout_seconds * 1000))
    options = str(parsed.query.get("options", ""))
    ours = f"-c lock_timeout={milliseconds} -c statement_timeout={milliseconds}"
    query = {"options": f"{options} {ours}".strip()}
    if "connect_timeout" not in parsed.query:
        query["connect_timeout"] = str(max(2, round(timeout_seconds)))  # libpq's minimum is 2 s
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


def _make_sqlite_transactions_immediate(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    """Take SQLite's write lock at BEGIN, so concurrent claims queue on the busy timeout
    instead of failing with SQLITE_BUSY when a read transaction tries to upgrade."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # One trip to aiosqlite's thread, where `exec_driver_sql` makes three (cursor, execute, close);
        # every durable write begins here. Failures are the driver errors SQLAlchemy would raise, so the
        # store still reports a held lock as `StoreUnavailable`.
        try:
            await_only(connection.connection.driver_connection.execute_fetchall("BEGIN IMMEDIATE"))
        except sqlite3.Error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error

    @event.listens_for(engine.sync_engine, "reset")
    def _rollback_only_in_transaction(dbapi_connection: Any, _record: Any, state: Any) -> None:
        """The pool's rollback on return, skipped when SQLite has no transaction open (a ROLLBACK
        then does nothing, but would cost a trip to aiosqlite's thread after every commit)."""
        if state.asyncio_safe and not state.transaction_was_reset and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()
