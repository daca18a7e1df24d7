"""The dry run on fakes: it follows the real run's decisions about earlier attempts, and writes nothing."""

from __future__ import annotations

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.orders import errors
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]


async def test_a_customer_an_earlier_try_created_is_reused_not_created_again(make: object) -> None:
    h: Harness = await make()  # type: ignore[operator]
    h.gateway.fail(
        "import", upstream.XentralValidationError(422, None, "import_sales_order", detail="bad"), written=False
    )
    with pytest.raises(errors.XentralRejectedOrder):
        await h.service.place_order(command(), client="shop")
    h.gateway.orders.clear()  # the fake records the import before failing; a rejected import creates nothing
    [created] = h.gateway.customers
    before = await h.rows("order_attempts")

    preview = await h.service.preview_order(command(), client="shop")

    assert preview.outcome == "create"
    assert preview.customer is not None
    assert (preview.customer.id, preview.customer.would_create) == (created, False)
    assert preview.import_payload == {"reference": "R-1", "customer": created, "skus": ["ART-1"]}
    assert await h.rows("order_attempts") == before and h.gateway.orders == {}


async def test_a_new_customer_is_shown_with_its_payload_and_nothing_is_claimed(make: object) -> None:
    h: Harness = await make()  # type: ignore[operator]
    preview = await h.service.preview_order(command(email="new@example.com"), client="shop")
    assert preview.customer is not None and preview.customer.would_create
    assert preview.customer.payload == {"email": "new@example.com", "name": "Max"}
    assert await h.rows("order_attempts") == [] and await h.rows("customer_creations") == []
    assert h.gateway.customers == {}


async def test_a_key_used_for_another_order_is_refused_as_the_real_run_would(make: object) -> None:
    h: Harness = await make()  # type: ignore[operator]
    await h.service.place_order(command("R1"), client="shop", key="K")
    with pytest.raises(errors.IdempotencyKeyReused):
        await h.service.preview_order(command("R2"), client="shop", key="K")
    replay = await h.service.preview_order(command("R1"), client="shop", key="K")
    assert replay.outcome == "replay" and replay.receipt is not None


async def test_creation_rules_apply(make: object) -> None:
    h: Harness = await make(customers={"create_missing": False})  # type: ignore[operator]
    with pytest.raises(errors.CustomerNotFound):
        await h.service.preview_order(command(), client="shop")
