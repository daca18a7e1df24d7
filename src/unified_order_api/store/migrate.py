"""Bring a database to the newest schema with Alembic; called at start-up and by tests."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
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


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
