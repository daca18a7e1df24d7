"""The inbox's recording budget per sender is one for every instance sharing its backend: two instances on one
PostgreSQL database, or on one Redis, record `per_source_per_minute` of a flood between them, not twice that."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.databases import postgres_schema
from tests.support.orders import order_body
from tests.support.servers import running_service
from xentral_sandbox.testing import SandboxHandle

from .conftest import sign_in
from .test_inbox import shop_sandbox, woo_settings

__all__ = ["shop_sandbox"]

PER_MINUTE = 3


@contextmanager
def backend(kind: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The settings that make two instances share the budget: one PostgreSQL database, or one Redis."""
    if kind == "postgres":
        with postgres_schema() as database_url:
            yield {"database_url": database_url}
        return
    redis_url = os.environ.get("UOA_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs UOA_TEST_REDIS_URL")
    yield {"redis_url": redis_url, "database_url": f"sqlite+aiosqlite:///{tmp_path}/shared.db"}


def within_one_minute() -> None:
    """The budget counts per wall-clock minute: start early in one, so the flood stays inside it."""
    second = time.time() % 60
    if second > 45:
        time.sleep(60.5 - second)


@pytest.mark.parametrize(
    "kind", [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("redis", marks=pytest.mark.redis)]
)
def test_two_instances_sharing_a_backend_record_one_senders_budget_between_them(
    kind: str, shop_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    with backend(kind, tmp_path) as shared:
        settings = woo_settings(shop_sandbox, tmp_path, None, inbox={"per_source_per_minute": PER_MINUTE}, **shared)
        with running_service(settings) as first, running_service(settings) as second:
            within_one_minute()
            for n in range(4 * PER_MINUTE):
                refused = httpx.post(
                    f"{(first, second)[n % 2]}/api/orders",
                    json=order_body(),
                    headers={"Authorization": "Bearer not-a-key-0123456789"},
                )
                assert refused.status_code == 401
            with httpx.Client(base_url=second) as web:
                assert sign_in(web).status_code == 303
                listing = web.get("/console/inbox").text
    assert f"{PER_MINUTE} requests match" in listing, listing
