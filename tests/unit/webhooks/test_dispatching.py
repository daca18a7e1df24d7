"""Callbacks from the order service to the dispatcher, with no server: the SQL store in memory, the
receiver an `httpx.MockTransport`, time a fake clock (end to end: tests/integration/webhooks/test_delivery.py)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
from standardwebhooks import Webhook

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.bootstrap import build_dispatcher
from unified_order_api.config import ApiClient
from unified_order_api.orders.service import OrderService
from unified_order_api.store.deliveries import SqlDeliveryStore
from unified_order_api.webhooks.callback_targets import ClientCallbackTargets
from unified_order_api.webhooks.deliveries import DeliveryState
from unified_order_api.webhooks.dispatcher import Dispatcher
from unified_order_api.webhooks.targets import TargetGuard

__all__ = ["make"]

SECRET = "whsec_" + base64.b64encode(b"unit-secret-0123456789abcdef0123").decode()
HOOK = "http://127.0.0.1:9/hooks/orders"  # never connected: the transport below answers


class Receiver:
    """What the shop's endpoint answers, one answer (or connection failure) per request; records them."""

    def __init__(self) -> None:
        self.answers: list[int | None] = []  # None: the connection is refused
        self.status = 200
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else self.status
        if answer is None:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(answer, headers={"location": "http://127.0.0.1:9/elsewhere"} if answer == 302 else {})


class Callbacks:
    """An order service whose client wants callbacks, and a dispatcher on the same store."""

    def __init__(self, h: Harness, receiver: Receiver) -> None:
        self.h, self.receiver = h, receiver
        guard = TargetGuard(h.settings.webhooks.allow_private_targets)
        self.service = OrderService(
            gateway=h.gateway,
            store=h.store,
            policies=h.policies,
            callbacks=ClientCallbackTargets(h.settings.clients, guard),
            clock=h.clock,
        )
        self.deliveries = SqlDeliveryStore(h.engine)
        self.dispatcher: Dispatcher = build_dispatcher(
            h.settings, self.deliveries, guard, clock=h.clock, transport=httpx.MockTransport(receiver)
        )

    async def aclose(self) -> None:
        await self.dispatcher.aclose()


async def _callbacks(make: Callable[..., Any], receiver: Receiver) -> Callbacks:
    shop = ApiClient(name="shop", api_key="k" * 16, webhook_url=HOOK, webhook_secret=SECRET)
    h = await make(clients=[shop], webhooks={"run_in_service": False, "allow_private_targets": ["loopback"]})
    return Callbacks(h, receiver)


async def test_a_created_order_yields_one_signed_callback(make: Any) -> None:
    receiver = Receiver()
    c = await _callbacks(make, receiver)
    try:
        outcome = await c.service.place_order(command(), client="shop")
        assert await c.dispatcher.run_once() == 1
        assert await c.dispatcher.run_once() == 0
    finally:
        await c.aclose()
    [request] = receiver.requests
    assert str(request.url) == HOOK
    # Signed as Standard Webhooks says, at the (fake) time it was sent; `verify` would compare that
    # time with the real clock.
    sent_at = dt.datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), dt.UTC)
    assert sent_at == c.h.clock.now.replace(microsecond=0)
    signature = Webhook(SECRET).sign(request.headers["webhook-id"], sent_at, request.content.decode())
    assert request.headers["webhook-signature"] == signature
    payload = json.loads(request.content)
    assert payload["data"]["order_id"] == outcome.receipt.order_id
    assert payload["data"]["reference"] == "R-1"


async def test_a_receiver_down_then_up_is_retried_on_schedule(make: Any) -> None:
    receiver = Receiver()
    receiver.answers = [None, None]
    c = await _callbacks(make, receiver)
    clock = c.h.clock
    try:
        await c.service.place_order(command(), client="shop")
        assert await c.dispatcher.run_once() == 1  # refused: receiver down
        assert await c.dispatcher.run_once() == 0  # not due again yet
        clock.advance(8)  # below the first delay's jitter band (10 s ± 10 %)
        assert await c.dispatcher.run_once() == 0
        clock.advance(4)
        assert await c.dispatcher.run_once() == 1  # second attempt, still down
        clock.advance(50)
        assert await c.dispatcher.run_once() == 0
        clock.advance(20)  # past 60 s ± 10 %
        assert await c.dispatcher.run_once() == 1
        clock.advance(86_400)
        assert await c.dispatcher.run_once() == 0  # delivered: never again
        [delivery] = await c.deliveries.page(state=None, limit=5)
        detail = await c.deliveries.get(delivery.event_id)
    finally:
        await c.aclose()
    assert detail is not None and detail.state == "delivered" and detail.attempt_count == 3
    assert [attempt.status_code for attempt in detail.attempts] == [None, None, 200]
    assert "ConnectError" in (detail.attempts[0].error or "")
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1


async def test_a_receiver_failing_forever_goes_dead_and_can_be_redelivered(make: Any) -> None:
    receiver = Receiver()
    receiver.status = 500
    c = await _callbacks(make, receiver)
    attempts = len(c.h.settings.webhooks.schedule_seconds) + 1
    try:
        await c.service.place_order(command(), client="shop")
        for _ in range(attempts):
            assert await c.dispatcher.run_once() == 1
            c.h.clock.advance(14 * 3600)
        assert await c.dispatcher.run_once() == 0
        [dead] = await c.deliveries.page(state=DeliveryState.DEAD, limit=5)
        assert dead.last_status == 500 and dead.attempt_count == attempts
        receiver.status = 204
        redone = await c.deliveries.redeliver(dead.event_id, c.h.clock.now)
        assert redone is not None and redone.state == "pending"
        assert await c.dispatcher.run_once() == 1
        delivered = await c.deliveries.get(dead.event_id)
    finally:
        await c.aclose()
    assert delivered is not None and delivered.state == "delivered"
    assert len(receiver.requests) == attempts + 1
    assert len({request.content for request in receiver.requests}) == 1  # the same event every time


async def test_a_redirect_is_not_followed(make: Any) -> None:
    receiver = Receiver()
    receiver.status = 302
    c = await _callbacks(make, receiver)
    try:
        await c.service.place_order(command(), client="shop")
        assert await c.dispatcher.run_once() == 1
        [delivery] = await c.deliveries.page(state=None, limit=5)
    finally:
        await c.aclose()
    assert len(receiver.requests) == 1
    assert delivery.state == "pending" and delivery.last_status == 302
    assert delivery.last_error is not None and "not followed" in delivery.last_error
