"""The reconciler on the order service itself: no client retries, a fake Xentral, the SQL store in memory,
a fake clock. Each test leaves a synchronous order unresolved the way production does, then lets the
reconciler's rounds (`Reconciler.run_once`) finish it."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.config import ApiClient, order_policies, reconcile_rules
from unified_order_api.orders import errors
from unified_order_api.orders.attempts import AttemptState, StepName
from unified_order_api.orders.reads import reads_unhurried, work_in_background
from unified_order_api.orders.reconciler import Reconciler
from unified_order_api.orders.reconciliation import Finding
from unified_order_api.orders.service import OrderService
from unified_order_api.webhooks.callback_targets import ClientCallbackTargets
from unified_order_api.webhooks.targets import TargetGuard
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]

SECRET = "whsec_" + base64.b64encode(b"unit-secret-0123456789abcdef0123").decode()
HOOK = "http://127.0.0.1:9/hooks/orders"


def _server_error() -> upstream.XentralServerError:
    return upstream.XentralServerError(500, None, "import_sales_order")


def _list_failed() -> upstream.XentralServerError:
    return upstream.XentralServerError(503, None, "list_sales_orders")


class Rig:
    """A client that wants callbacks, its order service, and a reconciler on the same store."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.service = OrderService(
            gateway=h.gateway,
            store=h.store,
            policies=order_policies(h.settings),
            callbacks=ClientCallbackTargets(h.settings.clients, TargetGuard(h.settings.webhooks.allow_private_targets)),
            clock=h.clock,
        )
        self.seen: list[Finding] = []
        self.reconciler = Reconciler(
            service=self.service,
            attempts=h.store,
            rules=reconcile_rules(h.settings.reconciler),
            clock=h.clock,
            on_finding=lambda _attempt, finding: self.seen.append(finding),
        )

    async def round(self) -> list[Finding]:
        return [finding for _attempt, finding in await self.reconciler.run_once()]

    async def events(self) -> list[str]:
        return [row["event_type"] for row in await self.h.rows("webhook_deliveries")]

    async def state(self, reference: str = "R-1") -> AttemptState:
        attempt = await self.h.store.find("shop", reference)
        assert attempt is not None
        return attempt.state


async def _rig(make: Any, **settings: Any) -> Rig:
    shop = ApiClient(name="shop", api_key="k" * 16, webhook_url=HOOK, webhook_secret=SECRET, notify_failures=True)
    h = await make(
        clients=[shop],
        webhooks={"run_in_service": False, "allow_private_targets": ["loopback"]},
        # No lookup before the first import: the failures queued for the lookup hit the one after it.
        idempotency={"upstream_check": "when_unsure"},
        **settings,
    )
    return Rig(h)


async def test_an_import_answered_500_after_xentral_committed_is_completed_by_the_reconciler(make: Any) -> None:
    rig = await _rig(make)
    rig.h.gateway.fail("import", _server_error())  # written, then the answer is a 500
    rig.h.gateway.fail("find_orders", _list_failed())  # and the immediate lookup fails too
    with pytest.raises(errors.XentralOutcomeUnknown):
        await rig.service.place_order(command(), client="shop")
    assert await rig.round() == []  # the client's own retry window comes first
    rig.h.clock.advance(61)
    assert await rig.round() == [Finding.FOUND]
    attempt = await rig.h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.COMPLETED and attempt.receipt is not None
    assert attempt.receipt.outcome == "created" and attempt.receipt.order_id in rig.h.orders_with("R-1")
    assert len(rig.h.orders_with("R-1")) == 1
    assert await rig.events() == ["order.created"]
    rig.h.clock.advance(3600)
    assert await rig.round() == []  # resolved: never taken again
    assert await rig.events() == ["order.created"]


async def test_a_process_that_died_right_after_the_import_is_completed_once_its_lease_runs_out(make: Any) -> None:
    rig = await _rig(make)
    rig.h.gateway.fail("import", RuntimeError("the process died here"))  # after the write: nothing recorded
    with pytest.raises(RuntimeError):
        await rig.service.place_order(command(), client="shop")
    assert await rig.state() == AttemptState.IMPORTING
    assert await rig.round() == []  # its lease still runs
    rig.h.clock.advance(rig.h.settings.idempotency.lease_seconds + 1)
    assert await rig.round() == [Finding.FOUND]
    assert await rig.state() == AttemptState.COMPLETED
    assert len(rig.h.orders_with("R-1")) == 1 and await rig.events() == ["order.created"]


async def test_an_import_that_provably_did_not_land_runs_again_after_the_settle_time_and_once(make: Any) -> None:
    rig = await _rig(make, reconciler={"settle_seconds": 300})
    rig.h.gateway.fail("import", _server_error(), written=False)  # a 500, and nothing was written
    rig.h.gateway.fail("find_orders", _list_failed())
    with pytest.raises(errors.XentralOutcomeUnknown):
        await rig.service.place_order(command(), client="shop")
    rig.h.clock.advance(61)
    assert await rig.round() == [Finding.NOT_YET]  # absent, but it may still land
    assert rig.h.gateway.orders == {}
    attempt = await rig.h.store.find("shop", "R-1")
    assert attempt is not None
    last = attempt.last(StepName.RECONCILER_CHECKED)
    assert last is not None and "too soon" in (last.detail or "")
    rig.h.clock.advance(300)
    assert await rig.round() == [Finding.RAN_AGAIN]
    assert len(rig.h.orders_with("R-1")) == 1 and await rig.state() == AttemptState.COMPLETED
    assert await rig.events() == ["order.created"]


async def test_xentral_down_leaves_it_unknown_and_it_is_resolved_within_two_minutes_of_xentral_answering(
    make: Any,
) -> None:
    rig = await _rig(make)
    rig.h.gateway.fail("import", _server_error())
    rig.h.gateway.fail("find_orders", *[_list_failed() for _ in range(4)])  # the immediate one and three rounds
    with pytest.raises(errors.XentralOutcomeUnknown):
        await rig.service.place_order(command(), client="shop")
    for _ in range(3):
        rig.h.clock.advance(61)
        assert await rig.round() == [Finding.UNKNOWN]
        assert await rig.state() == AttemptState.IMPORTING
    # Xentral answers again now: the next look (one recheck later, polled every 15 s) finds the order.
    policy = rig.h.settings.reconciler
    assert policy.recheck_seconds + policy.poll_seconds <= 120
    rig.h.clock.advance(policy.recheck_seconds)
    assert await rig.round() == [Finding.FOUND]
    assert len(rig.h.orders_with("R-1")) == 1 and await rig.events() == ["order.created"]
    attempt = await rig.h.store.find("shop", "R-1")
    assert attempt is not None and attempt.count(StepName.RECONCILER_CHECKED) == 1  # the latest look only


async def test_still_unknown_after_the_give_up_time_fails_with_order_failed_and_a_retry_finds_the_order(
    make: Any,
) -> None:
    rig = await _rig(make, reconciler={"give_up_days": 5})
    rig.h.gateway.fail("import", _server_error())
    rig.h.gateway.fail("find_orders", *[_list_failed() for _ in range(3)])
    with pytest.raises(errors.XentralOutcomeUnknown):
        await rig.service.place_order(command(), client="shop")
    rig.h.clock.advance(61)
    assert await rig.round() == [Finding.UNKNOWN]
    rig.h.clock.advance(dt.timedelta(days=5).total_seconds())
    assert await rig.round() == [Finding.GAVE_UP]
    attempt = await rig.h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.FAILED
    assert attempt.error is not None and attempt.error["code"] == "xentral_outcome_unresolved"
    assert await rig.events() == ["order.failed"]
    # The console's retry (the same request again) looks the order up before sending anything.
    retried = await rig.service.place_order(command(), client="shop")
    assert retried.receipt.outcome == "created" and len(rig.h.orders_with("R-1")) == 1
    assert await rig.events() == ["order.failed", "order.created"]


async def test_an_order_refused_when_it_runs_again_fails_as_a_retrys_would(make: Any) -> None:
    rig = await _rig(make)
    rig.h.gateway.fail("import", RuntimeError("the process died before the import"), written=False)
    with pytest.raises(RuntimeError):
        await rig.service.place_order(command(), client="shop")
    rejected = upstream.XentralValidationError(400, None, "import_sales_order", detail="bad")
    rig.h.gateway.fail("import", rejected, written=False)
    rig.h.clock.advance(rig.h.settings.reconciler.settle_seconds + 1)
    assert await rig.round() == [Finding.FAILED]
    assert await rig.state() == AttemptState.FAILED and rig.h.gateway.orders == {}


async def test_queued_orders_are_left_to_the_queue_worker(make: Any) -> None:
    rig = await _rig(make)
    await rig.service.accept_order(command(), client="shop")
    rig.h.clock.advance(3600)
    assert await rig.round() == []
    assert rig.h.gateway.orders == {}


async def test_the_reconcilers_calls_take_the_background_lane_and_a_clients_do_not(make: Any) -> None:
    """What the limiter reads (`work_in_background`) to let new orders go first, and the gateway
    (`reads_unhurried`) to share the lookups of a batch."""
    rig = await _rig(make, reconciler={"settle_seconds": 300})
    gateway = rig.h.gateway
    seen: list[tuple[str, bool, bool]] = []
    find, place = gateway.find_orders_by_reference, gateway.import_order

    async def find_orders_by_reference(reference: str) -> Any:
        seen.append(("find", work_in_background(), reads_unhurried()))
        return await find(reference)

    async def import_order(draft: Any) -> str:
        seen.append(("import", work_in_background(), reads_unhurried()))
        return await place(draft)

    gateway.find_orders_by_reference = find_orders_by_reference  # type: ignore[method-assign]
    gateway.import_order = import_order  # type: ignore[method-assign]
    gateway.fail("import", _server_error(), written=False)
    gateway.fail("find_orders", _list_failed())
    with pytest.raises(errors.XentralOutcomeUnknown):
        await rig.service.place_order(command(), client="shop")
    assert seen and all(not background for _call, background, _unhurried in seen)  # the client's own request
    seen.clear()
    rig.h.clock.advance(361)  # past the settle time: looked up, absent, run again
    assert await rig.round() == [Finding.RAN_AGAIN]
    assert {call for call, _, _ in seen} == {"find", "import"}
    assert all(background and unhurried for _call, background, unhurried in seen), seen
