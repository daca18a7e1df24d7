"""Bring a database to the newest schema with Alembic; called at start-up and by tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from .database import ensure_sqlite_directory, sync_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "unified_order_api.store:migrations")
    # ConfigParser interpolation would read a `%` in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
