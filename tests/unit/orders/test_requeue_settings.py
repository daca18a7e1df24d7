"""The async lane's requeue limit and backoff cap are settings (`queue.max_requeues`, `queue.backoff_cap_seconds`)."""

from __future__ import annotations

import re
from typing import Any

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.orders.attempts import AttemptState
from unified_order_api.orders.model import Product
from unified_order_api.orders.queue import QueueWorker
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]


def _worker(h: Harness) -> QueueWorker:
    """The queue worker as `bootstrap` builds it; the harness's service has the settings' requeue limits."""
    return QueueWorker(service=h.service, queue=h.store, clock=h.clock)


async def test_a_queued_order_fails_after_the_configured_requeues_waiting_at_most_the_cap(make: Any) -> None:
    h: Harness = await make(queue={"max_requeues": 3, "backoff_cap_seconds": 3})
    h.gateway.catalogue = {"ART-001": Product("1", "ART-001", "Shirt")}
    h.gateway.fail("products", *[upstream.XentralServerError(503, None, "list_products")] * 10)
    await h.service.accept_order(command(sku="ART-001"), client="shop")
    worker = _worker(h)
    for _ in range(4):
        await worker.run_once()
        h.clock.advance(3)
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.FAILED
    requeued = [step.detail for step in attempt.steps if step.name == "requeued"]
    assert len(requeued) == 3  # the default would put it back twelve times
    waits = [int(re.search(r"retry in (\d+)s", detail or "").group(1)) for detail in requeued]  # type: ignore[union-attr]
    assert waits == [3, 3, 3]  # Xentral asks for 5 s, the doubling reaches 8 s: the cap wins
    assert h.gateway.orders == {}
