from __future__ import annotations

from sqlalchemy import create_engine, inspect

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
