"""Bring a database to the newest schema with Alembic, and say where its schema is (`check-config`)."""

from __future__ import annotations

import fcntl
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url

from .database import ensure_sqlite_directory, sync_url

# Several instances may start at once on one empty PostgreSQL database: one migrates (every revision
# in one transaction), the others wait for this advisory lock (migrations/env.py) and then find the
# schema at head. (Any constant; "uoa-migr" in ASCII.)
MIGRATION_LOCK_ID = 0x756F612D6D696772


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "unified_order_api.store:migrations")
    # ConfigParser interpolation would read a `%` in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(url)
    with _sqlite_migration_lock(url):
        command.upgrade(alembic_config(url), revision)


@contextmanager
def _sqlite_migration_lock(url: str) -> Iterator[None]:
    """Processes starting together on one SQLite file migrate one after the other (PostgreSQL
    uses an advisory lock in env.py instead)."""
    parsed = make_url(sync_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        yield
        return
    with open(f"{parsed.database}.migrate-lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's schema is (`current`, empty before the first migration) and where this version's is."""

    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.head)


def schema_state(url: str, timeout_seconds: float) -> SchemaState | None:
    """The schema of the database at `url`, read without changing anything; None for a SQLite file that does
    not exist yet (reading would create it). Connection errors propagate (`startup_errors` words them)."""
    parsed = make_url(sync_url(url))
    head = tuple(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not Path(parsed.database).is_file():
            return None
        connect_args: dict[str, object] = {}
    else:
        connect_args = {"connect_timeout": max(1, math.ceil(timeout_seconds))}
    engine = create_engine(parsed, poolclass=pool.NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            current = tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return SchemaState(current, head)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
