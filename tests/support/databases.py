"""PostgreSQL for tests: a throw-away schema per test on the server named by UOA_TEST_DATABASE_URL (or, for what
an operator does with a new database, a throw-away database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from unified_order_api.store.database import sync_url

POSTGRES_ENV = "UOA_TEST_DATABASE_URL"


def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test); .ci/run sets it"
        )
    return url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield a database URL whose search_path is a fresh, empty schema; drop it afterwards."""
    server = postgres_server_url()
    schema = f"uoa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """Yield the URL of a new, empty database on the server (created from template0, so nothing another test
    left in template1 is in it); drop it afterwards, with whatever sessions still hold it."""
    server = postgres_server_url()
    name = f"uoa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
