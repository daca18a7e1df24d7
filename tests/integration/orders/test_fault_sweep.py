"""Every fault the sandbox offers, on the import and on the lookups around it, on both lanes, without any
client retry: each order ends completed, with exactly one order in Xentral for its reference — or, on the
synchronous lane, failed with nothing in Xentral where its answer said so.

The synchronous lane leaves what it could not decide to the reconciler, the async lane to its requeues;
neither the client nor a test repeats a request. A misbehaving read (an unfiltered page, another order
read back) must never be taken for the order, nor its absence for proof that the import did not land.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.faults import TERMINAL, FaultKind
from xentral_sandbox.testing import SandboxHandle

IMPORT = "/api/v1/salesOrders/actions/import"
READS = "/api/v1/salesOrders*"  # the duplicate check, the read-back and the reconciler's lookups
LATE = 1.5  # a late answer: past the service's Xentral timeout, well within the settle time

# (kind, where, method, extra): every fault kind on the import, and on the sales order reads.
CASES: list[tuple[FaultKind, str, str, dict[str, Any]]] = [
    (FaultKind.STATUS, IMPORT, "POST", {"status": 500}),
    (FaultKind.STATUS, IMPORT, "POST", {"status": 502}),
    (FaultKind.STATUS, IMPORT, "POST", {"status": 503}),
    (FaultKind.RATE_LIMIT, IMPORT, "POST", {}),
    (FaultKind.DROP, IMPORT, "POST", {}),
    (FaultKind.COMMIT_THEN_DROP, IMPORT, "POST", {}),
    (FaultKind.COMMIT_THEN_STATUS, IMPORT, "POST", {"status": 500}),
    (FaultKind.COMMIT_THEN_STATUS, IMPORT, "POST", {"status": 504}),
    (FaultKind.LATENCY, IMPORT, "POST", {"seconds": LATE}),
    (FaultKind.STATUS, READS, "GET", {"status": 503, "count": 3}),
    (FaultKind.RATE_LIMIT, READS, "GET", {"count": 2}),
    (FaultKind.DROP, READS, "GET", {"count": 3}),
    (FaultKind.LATENCY, READS, "GET", {"seconds": LATE}),
    (FaultKind.IGNORE_FILTERS, READS, "GET", {"count": 3}),
    (FaultKind.WRONG_READ_BACK, READS, "GET", {"count": 3}),
]


def _name(case: tuple[FaultKind, str, str, dict[str, Any]]) -> str:
    kind, where, _method, extra = case
    return f"{kind.value}{extra.get('status', '')}-{'import' if where == IMPORT else 'reads'}"


@pytest.fixture(scope="module")
def service(sandbox_session: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    sandbox_session.reset()
    settings = service_settings(
        sandbox_session,
        tmp_path_factory.mktemp("sweep"),
        xentral_timeout_seconds=1.0,
        xentral_rate_limit_per_minute=10_000,  # rechecks five times a second: the budget is not under test here
        idempotency={"unknown_outcome_retry_seconds": 0.3},
        reconciler={"poll_seconds": 0.1, "recheck_seconds": 0.2, "settle_seconds": 4 * LATE},
        queue={"poll_seconds": 0.05, "backoff_cap_seconds": 0.5},
    )
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as client,
    ):
        yield client


def test_the_sweep_covers_every_kind_the_sandbox_offers() -> None:
    assert {kind for kind, *_ in CASES} == set(FaultKind)
    assert {kind for kind, where, *_ in CASES if where == IMPORT} >= TERMINAL


@pytest.mark.parametrize("lane", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[_name(case) for case in CASES])
def test_one_order_per_reference_without_a_client_retry(
    service: httpx.Client, sandbox_session: SandboxHandle, case: tuple[FaultKind, str, str, dict[str, Any]], lane: str
) -> None:
    kind, where, method, extra = case
    body = order_body()
    sandbox_session.faults.clear()
    sandbox_session.faults.add(kind, method=method, path=where, **{"count": 1, **extra})
    headers = {"Prefer": "respond-async"} if lane == "async" else {}
    answer = service.post("/api/orders", json=body, headers=headers)
    deadline = time.monotonic() + 30
    while (state := service.get(f"/api/orders/{body['reference']}").json())["state"] not in ("completed", "failed"):
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
    time.sleep(0.2)  # anything still on its way lands now
    sandbox_session.faults.clear()
    orders = orders_with_reference(sandbox_session, body["reference"])
    if kind is FaultKind.IGNORE_FILTERS and lane == "sync":
        # The duplicate check before the import could not be trusted and nothing was sent: the client is told
        # (`xentral_filter_ignored`, an operator's problem, docs/errors.md) and nothing is in Xentral.
        assert state["state"] == "failed" and orders == [], state
        assert answer.json()["code"] == state["error"]["code"] == "xentral_filter_ignored", answer.text
        return
    assert state["state"] == "completed", state
    [order] = orders
    assert state["order"]["order_id"] == order["id"]
