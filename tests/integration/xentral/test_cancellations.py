"""The cancelling adapter (`xentral.cancellations`) against the sandbox over real HTTP: what an order's standing
reads before and after dispatch, the cancel action's 204 and 409, and a cancel whose answer is lost."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from unified_order_api.orders.cancellations import CancelRefused, XentralStanding
from unified_order_api.orders.errors import XentralOutcomeUnknown
from unified_order_api.xentral import RetryPolicy, XentralClient
from unified_order_api.xentral.cancellations import XentralCancellations
from xentral_sandbox import fulfilment
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle


def imported(sandbox: SandboxHandle, reference: str) -> str:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers) as client:
        answer = client.post("/api/v1/salesOrders/actions/import", json=order_payload(externalOrderNumber=reference))
    assert answer.status_code == 201, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def adapter(sandbox: SandboxHandle) -> tuple[XentralClient, XentralCancellations]:
    client = XentralClient(
        sandbox.base_url,
        sandbox.token,
        timeout=httpx.Timeout(5.0),
        retry=RetryPolicy(max_attempts=3, wait_budget=5.0, base_delay=0.05, max_delay=0.2),
    )
    return client, XentralCancellations({"default": client})


async def test_standing_before_and_after_dispatch_and_shipment(sandbox: SandboxHandle) -> None:
    order_id = imported(sandbox, "S-1")
    client, xentral = adapter(sandbox)
    async with client:
        assert await xentral.standing("default", order_id) == XentralStanding("released", False, False)
        fulfilment.dispatch(sandbox.state, order_id)
        assert await xentral.standing("default", order_id) == XentralStanding("released", True, False)
        fulfilment.ship(sandbox.state, order_id, tracking_number="T-1")
        assert await xentral.standing("default", order_id) == XentralStanding("released", True, True)
        assert await xentral.standing("default", "999") == XentralStanding(None, False, False)


async def test_cancel_lands_once_and_a_second_is_refused(sandbox: SandboxHandle) -> None:
    order_id = imported(sandbox, "S-2")
    client, xentral = adapter(sandbox)
    async with client:
        await xentral.cancel("default", order_id)
        standing = await xentral.standing("default", order_id)
        assert standing.cancelled and not standing.dispatched
        with pytest.raises(CancelRefused, match="canceled"):
            await xentral.cancel("default", order_id)
    [call] = [c for c in sandbox.calls.records() if c.path.endswith("/actions/cancel") and c.status == 204]
    assert call.method == "POST"


async def test_a_dispatched_order_is_refused_under_either_reading(sandbox: SandboxHandle) -> None:
    client, xentral = adapter(sandbox)
    async with client:
        for reading in ("released", "created-or-completed"):
            sandbox.state.readings = Readings(cancellable=reading)  # type: ignore[arg-type]
            order_id = imported(sandbox, f"S-3-{reading}")
            fulfilment.dispatch(sandbox.state, order_id)
            with pytest.raises(CancelRefused):
                await xentral.cancel("default", order_id)
            assert sandbox.state.sales_orders[order_id]["status"] == "released"


async def test_a_lost_answer_is_an_unknown_outcome_the_read_back_settles(sandbox: SandboxHandle) -> None:
    order_id = imported(sandbox, "S-4")
    sandbox.faults.commit_then_drop(count=1, method="POST", path=f"/api/v1/salesOrders/{order_id}/actions/cancel")
    client, xentral = adapter(sandbox)
    async with client:
        with pytest.raises(XentralOutcomeUnknown):
            await xentral.cancel("default", order_id)  # a write: never retried blindly
        assert (await xentral.standing("default", order_id)).cancelled
