"""The count of running orders: raised by the order service while a flow runs, one count per object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.support.fakes import FakeGateway, command
from tests.support.memory_store import memory_store
from unified_order_api.orders import errors
from unified_order_api.orders.model import Product
from unified_order_api.orders.policy import ClientPolicy, OrderPolicies
from unified_order_api.orders.reads import RunningOrders
from unified_order_api.orders.service import OrderService
from unified_order_api.store.attempts import SqlAttemptStore

__all__ = ["memory_store"]


class Watching(FakeGateway):
    """Notes how many orders its `running` counts whenever the flow looks products up."""

    def __init__(self, running: RunningOrders) -> None:
        super().__init__()
        self.running = running
        self.seen: list[int] = []

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        self.seen.append(self.running.count)
        return await super().products_by_sku(skus)


def _service(gateway: FakeGateway, store: SqlAttemptStore, running: RunningOrders | None) -> OrderService:
    return OrderService(gateway=gateway, store=store, policies=OrderPolicies(ClientPolicy(name="")), running=running)


async def test_an_order_counts_as_running_while_its_flow_runs(memory_store: SqlAttemptStore) -> None:
    running = RunningOrders()
    gateway = Watching(running)
    await _service(gateway, memory_store, running).place_order(command(), client="shop")
    assert gateway.seen == [1]
    assert running.count == 0


async def test_a_failed_order_stops_counting(memory_store: SqlAttemptStore) -> None:
    running = RunningOrders()
    gateway = Watching(running)
    gateway.fail("find_customers", errors.XentralUnavailable("Xentral is down"))
    with pytest.raises(errors.XentralUnavailable):
        await _service(gateway, memory_store, running).place_order(command(), client="shop")
    assert gateway.seen == [1]
    assert running.count == 0


async def test_two_services_count_apart(memory_store: SqlAttemptStore) -> None:
    """No count is shared through the module: a service counts into the object it was given."""
    theirs = RunningOrders()
    with theirs.running(), theirs.running():
        ours = RunningOrders()
        gateway = Watching(ours)
        await _service(gateway, memory_store, ours).place_order(command(), client="shop")
        assert gateway.seen == [1]
        assert theirs.count == 2
    assert theirs.count == 0
