"""Each client's own settings over the global ones, on the service: defaults, code maps, customer policy
and the upstream duplicate check (end to end: tests/integration/orders/test_client_settings.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.config import ApiClient
from unified_order_api.orders import errors
from unified_order_api.orders.model import Customer, PaymentMethod, Project, SalesOrder, ShippingMethod

__all__ = ["make"]

WOO = {
    "name": "woo",
    "api_key": "woo-key-0123456789",
    "reference_prefix": "WOO-",
    "defaults": {"project_id": "4", "sales_channel_id": "1"},
    "shipping_map": {"standard": "4"},  # DPD for this shop
}
AMAZON = {
    "name": "amazon",
    "api_key": "amazon-key-0123456789",
    "reference_prefix": "AMZ-",
    "defaults": {"payment_method_id": "6", "shipping_method_id": "2", "auto_shipping": True},
    "payment_map": {"PayPal": "3"},  # this middleware's "paypal" means prepayment here
    "customers": {"create_missing": False},
    "idempotency": {"upstream_check": "when_unsure"},
}
MAX = Customer("1", "10000", "max@example.com", "Max Mustermann")


async def _two_shops(make: Any) -> Harness:
    h: Harness = await make(
        clients=[ApiClient.model_validate(WOO), ApiClient.model_validate(AMAZON)],
        defaults={"project_id": "1"},
        shipping_map={"standard": "1"},
        payment_map={"paypal": "2"},
    )
    h.gateway.shipping = [
        ShippingMethod("1", "dhl", "dhl", "DHL"),
        ShippingMethod("2", "ups", "ups", "UPS"),
        ShippingMethod("4", "dpd", "dpd", "DPD"),
    ]
    h.gateway.payments = [
        PaymentMethod("2", "paypal", "PayPal"),
        PaymentMethod("3", "prepayment", "Vorkasse"),
        PaymentMethod("6", "amazon", "Amazon Pay"),
    ]
    h.gateway.project_list = [Project("1", "Main", "MAIN"), Project("4", "Woo", "WOO")]
    h.gateway.customers[MAX.id] = MAX
    return h


def _order(reference: str, *, email: str = "new@example.com", shipping: str | None, payment: str | None) -> Any:
    return dataclasses.replace(command(reference, email=email), shipping=shipping, payment=payment)


async def test_two_clients_get_their_own_project_methods_and_channel(make: Any) -> None:
    h = await _two_shops(make)
    woo = await h.service.place_order(_order("W1", shipping="standard", payment="paypal"), client="woo")
    amazon = await h.service.place_order(
        _order("A1", email=MAX.email, shipping=None, payment="paypal"), client="amazon"
    )
    defaulted = await h.service.place_order(_order("A2", email=MAX.email, shipping=None, payment=None), client="amazon")

    woo_draft = h.gateway.drafts[woo.receipt.order_id]
    assert woo_draft.reference == "WOO-W1"
    assert woo_draft.project_id == "4"  # the client's project, not the global "1"
    assert woo_draft.shipping_method_id == "4"  # the client's map wins
    assert woo_draft.payment_method_id == "2"  # the global map still applies
    assert woo_draft.sales_channel_id == "1"

    amazon_draft = h.gateway.drafts[amazon.receipt.order_id]
    assert amazon_draft.reference == "AMZ-A1"
    assert amazon_draft.project_id == "1"  # the global project
    assert amazon_draft.payment_method_id == "3"
    assert amazon_draft.shipping_method_id == "2"  # the client's default
    assert amazon_draft.sales_channel_id is None

    defaulted_draft = h.gateway.drafts[defaulted.receipt.order_id]
    assert (defaulted_draft.payment_method_id, defaulted_draft.shipping_method_id) == ("6", "2")


async def test_the_customer_policy_is_the_clients(make: Any) -> None:
    h = await _two_shops(make)
    with pytest.raises(errors.CustomerNotFound):
        await h.service.place_order(_order("A1", shipping=None, payment="paypal"), client="amazon")
    assert list(h.gateway.customers) == [MAX.id]
    created = await h.service.place_order(_order("W1", shipping="standard", payment="paypal"), client="woo")
    assert created.receipt.customer_created and len(h.gateway.customers) == 2


async def test_the_upstream_check_is_the_clients(make: Any) -> None:
    """`when_unsure` saves the duplicate check (a sales-order search before the import) for this client only."""
    h = await _two_shops(make)
    calls: list[str] = []
    search, import_order = h.gateway.find_orders_by_reference, h.gateway.import_order

    async def searched(reference: str) -> Sequence[SalesOrder]:
        calls.append("search")
        return await search(reference)

    async def imported(draft: Any) -> str:
        calls.append("import")
        return await import_order(draft)

    h.gateway.find_orders_by_reference = searched  # type: ignore[method-assign]
    h.gateway.import_order = imported  # type: ignore[method-assign]

    await h.service.place_order(_order("A1", email=MAX.email, shipping=None, payment="paypal"), client="amazon")
    amazon_checks = calls[: calls.index("import")].count("search")
    calls.clear()
    await h.service.place_order(_order("W1", shipping="standard", payment="paypal"), client="woo")
    woo_checks = calls[: calls.index("import")].count("search")
    assert (amazon_checks, woo_checks) == (0, 1)
