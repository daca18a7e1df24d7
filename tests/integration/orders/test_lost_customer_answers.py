"""A customer creation whose answer is lost while other orders of the same new email wait:
exactly one Xentral customer, and every order on it.

The claim stays "unknown": waiting orders search Xentral by email instead of creating, and
only a search after the quiet time that finds nothing allows another creation.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

CREATE_CUSTOMER = {"method": "POST", "path": "/api/v*/customers"}
QUIET_SECONDS = 4.0  # unknown_outcome_retry_seconds in these tests


def _customers_with_email(sandbox: SandboxHandle, email: str) -> list[str]:
    with sandbox.state.lock:
        return [
            str(c["id"])
            for c in sandbox.state.customers.values()
            if str(c.get("email") or "").casefold() == email.casefold()
        ]


def _place_until_final(url: str, body: dict[str, Any]) -> httpx.Response:
    """A caller that retries 409/503/504 (honouring Retry-After) until the order is settled."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as client:
        for _ in range(120):
            response = client.post("/api/orders", json=body)
            if response.status_code not in (409, 503, 504):
                return response
            time.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))
    raise AssertionError(f"never settled: {response.status_code} {response.text}")


@pytest.mark.parametrize(
    ("fault", "orders"),
    [("commit_then_drop", 3), ("commit_then_drop", 10), ("over_timeout", 3), ("over_timeout", 10)],
)
def test_lost_customer_answer_makes_one_customer(
    sandbox: SandboxHandle, tmp_path: Path, fault: str, orders: int
) -> None:
    settings = service_settings(
        sandbox,
        tmp_path,
        xentral_timeout_seconds=2.0,
        xentral_connect_timeout_seconds=2.0,  # one write may take 10 + 4 x 2 + 2 s, within the 30 s lease
        idempotency={"unknown_outcome_retry_seconds": QUIET_SECONDS, "lease_seconds": 30},
    )
    if fault == "commit_then_drop":
        sandbox.faults.commit_then_drop(count=1, **CREATE_CUSTOMER)
    else:  # Xentral creates the customer, but only after our timeout gave up on the answer
        sandbox.faults.latency(3.5, count=1, **CREATE_CUSTOMER)
    email = order_body()["customer"]["email"]
    bodies = []
    for _ in range(orders):
        body = order_body()
        body["customer"]["email"] = email
        bodies.append(body)
    answers: dict[str, httpx.Response] = {}
    with running_service(settings) as url:
        threads = [
            threading.Thread(target=lambda b=body: answers.__setitem__(b["reference"], _place_until_final(url, b)))
            for body in bodies
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(answers) == orders
    customers = _customers_with_email(sandbox, email)
    assert len(customers) == 1, f"{len(customers)} customers for one new email"
    for body in bodies:
        response = answers[body["reference"]]
        assert response.status_code == 201, response.text
        assert response.json()["customer"]["id"] == customers[0]
        placed = orders_with_reference(sandbox, body["reference"])
        assert len(placed) == 1 and str(placed[0]["customer"]["id"]) == customers[0]
