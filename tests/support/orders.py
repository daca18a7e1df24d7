"""Order bodies and sandbox queries shared by the integration tests."""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

import httpx

from unified_order_api.api.schemas import ORDER_EXAMPLE
from xentral_sandbox.testing import SandboxHandle

_counter = itertools.count(1)

BRIEF_ORDER: dict[str, Any] = ORDER_EXAMPLE  # the brief's example, as /docs shows it


def order_body(**changes: Any) -> dict[str, Any]:
    """The brief's order with a fresh reference and new-customer email, then `changes` applied."""
    n = next(_counter)
    body = copy.deepcopy(BRIEF_ORDER)
    body["reference"] = f"SHOP-{n:05d}"
    body["customer"]["email"] = f"kunde{n}@example.com"
    for key, value in changes.items():
        body[key] = value
    return body


def orders_with_reference(sandbox: SandboxHandle, reference: str) -> list[dict[str, Any]]:
    with sandbox.state.lock:
        return [o for o in sandbox.state.sales_orders.values() if o.get("externalOrderNumber") == reference]


def customer_count(sandbox: SandboxHandle) -> int:
    with sandbox.state.lock:
        return len(sandbox.state.customers)


def order_count(sandbox: SandboxHandle) -> int:
    with sandbox.state.lock:
        return len(sandbox.state.sales_orders)


def imported_lines(order: dict[str, Any]) -> list[tuple[str, str, int | float, str]]:
    """(product id, SKU, quantity, unit price) of each position of an order the sandbox holds."""
    return [
        (p["product"]["id"], p["product"]["number"], p["quantity"], p["price"]["amount"]) for p in order["positions"]
    ]


# What Xentral imports for the brief's items when no price is sent: the products' gross master prices.
BRIEF_LINES = [("1", "ART-001", 2, "19.99"), ("2", "ART-002", 1, "49.90")]


def post_in_background(base_url: str, body: dict[str, Any], api_key: str) -> tuple[threading.Thread, dict[str, Any]]:
    """POST the order from a started thread, for tests that kill the service while it answers:
    the outcome gets "response", or "error" with the transport error the client saw."""
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = httpx.post(
                f"{base_url}/api/orders", json=body, headers={"X-API-Key": api_key}, timeout=30
            )
        except httpx.TransportError as error:
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    return sender, outcome
