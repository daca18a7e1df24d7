from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, inspect

from tests.support.processes import checkout_env
from unified_order_api.store import migrate
from unified_order_api.store.database import sync_url
from unified_order_api.store.tables import metadata


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_build_the_schema_from_empty_and_tear_it_down(database_url: str) -> None:
    assert _tables(database_url) == set()
    migrate.upgrade(database_url)
    assert _tables(database_url) == set(metadata.tables) | {"alembic_version"}
    migrate.upgrade(database_url)  # idempotent
    migrate.downgrade(database_url)
    assert _tables(database_url) == {"alembic_version"}


def test_migrated_columns_match_the_table_definitions(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        inspector = inspect(engine)
        for table in metadata.tables.values():
            migrated = {column["name"] for column in inspector.get_columns(table.name)}
            assert migrated == {column.name for column in table.columns}, table.name
    finally:
        engine.dispose()


def test_instances_starting_together_migrate_once(database_url: str) -> None:
    # Separate processes, as real instances are (Alembic's context is one per process).
    script = "import sys; from unified_order_api.store import migrate; migrate.upgrade(sys.argv[1])"
    starts = [subprocess.Popen([sys.executable, "-c", script, database_url], env=checkout_env()) for _ in range(4)]
    assert [process.wait(60) for process in starts] == [0, 0, 0, 0]
    assert _tables(database_url) == set(metadata.tables) | {"alembic_version"}
