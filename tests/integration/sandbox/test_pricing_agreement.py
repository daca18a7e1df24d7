"""Property: for random orders, the total we compute before the import is the total the sandbox books.

Gross and net orders, mixed rates and categories, master prices, line discounts, shipping costs,
fees, discount positions and every taxation — drafted by the service's own `price_order` and
`build_import_payload`, imported into the sandbox, and read back from its sales order list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unified_order_api.orders.commands import AmountLine, CustomerDetails, ItemRequest, PlaceOrder
from unified_order_api.orders.model import Address, Money, OrderDraft, OrderLine, Product
from unified_order_api.orders.pricing import MoneySettings, price_order
from unified_order_api.orders.taxation import TaxRates
from unified_order_api.xentral import build_import_payload
from xentral_sandbox.testing import SandboxHandle

SETTINGS = MoneySettings("DE", "gross", Decimal("0.01"), "refuse", "453", "99", "454")
SELLABLE = ("1", "2", "3", "5")  # ART-001, ART-002, ART-003, BOOK-001 (reduced)

cents = st.integers(min_value=0, max_value=50_000).map(lambda n: Decimal(n).scaleb(-2))
rates = st.sampled_from([Decimal(0), Decimal(7), Decimal(19), Decimal("7.5"), Decimal("10.1"), Decimal(6)])
categories = st.sampled_from(["normal", "reduced", "exempt"])


@st.composite
def tax_choice(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["none", "rate", "category"]))
    if kind == "rate":
        return {"tax_rate": draw(rates)}
    if kind == "category":
        return {"vat_category": draw(categories)}
    return {}


@st.composite
def items(draw: st.DrawFn) -> ItemRequest:
    return ItemRequest(
        sku=draw(st.sampled_from(SELLABLE)),
        quantity=draw(st.integers(min_value=1, max_value=20).map(lambda n: Decimal(n) / 4)),
        unit_price=draw(st.none() | cents),
        discount_percent=draw(st.none() | st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100)),
        **draw(tax_choice()),
    )


@st.composite
def amount_lines(draw: st.DrawFn, top: int = 50_000) -> tuple[AmountLine, ...]:
    count = draw(st.integers(min_value=0, max_value=2))
    amounts = st.integers(min_value=0, max_value=top).map(lambda n: Decimal(n).scaleb(-2))
    return tuple(AmountLine(f"line {n}", draw(amounts), **draw(tax_choice())) for n in range(count))


@st.composite
def orders(draw: st.DrawFn) -> PlaceOrder:
    country = draw(st.sampled_from(["DE", "AT", "FR", "US", "CH"]))
    vat_id = draw(st.sampled_from([None, "EU123456789"]))
    return PlaceOrder(
        reference="PROP-1",
        customer=CustomerDetails(
            name="Prop",
            address=Address(name="Prop", street="S 1", zip="1", city="C", country=country),
            email="p@x.de",
            vat_id=vat_id,
        ),
        items=tuple(draw(st.lists(items(), min_size=1, max_size=4))),
        prices=draw(st.sampled_from(["gross", "net", None])),
        taxation=draw(st.sampled_from([None, "domestic", "eu", "export"])),
        shipping_costs=draw(amount_lines()),
        fees=draw(amount_lines()),
        discounts=draw(amount_lines(top=2_000)),
    )


def _catalog(sandbox: SandboxHandle) -> dict[str, Product]:
    """The seed's sellable products, read as the gateway reads Xentral's product list."""
    with sandbox.state.lock:
        records = [sandbox.state.products[pid] for pid in SELLABLE]
    return {
        record["id"]: Product(
            id=record["id"],
            sku=record["number"],
            name=record["name"],
            tax_class=record.get("salesTax"),
            sales_price_net=Money(Decimal(record["salesPriceNet"]), "EUR"),
            sales_price_gross=Money(Decimal(record["salesPriceGross"]), "EUR"),
        )
        for record in records
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=orders())
def test_our_total_is_the_sandbox_total(order: PlaceOrder, sandbox_session: SandboxHandle) -> None:
    sandbox_session.reset()
    catalog = _catalog(sandbox_session)
    lines = [
        OrderLine(
            product_id=item.sku,
            sku=catalog[item.sku].sku,
            quantity=item.quantity,
            unit_price=Money(item.unit_price, "EUR") if item.unit_price is not None else None,
        )
        for item in order.items
    ]
    pricing, problems = price_order(order, lines, catalog, TaxRates(Decimal(19), Decimal(7)), "EUR", SETTINGS)
    assert problems == [] and pricing.totals is not None
    draft = OrderDraft(
        order_date=dt.date(2025, 1, 15),
        reference="PROP-1",
        customer_id="1",
        project_id="4",
        payment_method_id="2",
        shipping_method_id="1",
        currency="EUR",
        lines=pricing.lines,
        prices=pricing.prices,
        taxation=pricing.taxation,
        vat_id=pricing.vat_id,
        shipping_costs=pricing.shipping_costs,
        discounts=pricing.discounts,
    )
    with httpx.Client(base_url=sandbox_session.base_url, headers=sandbox_session.headers, timeout=5) as client:
        imported = client.post("/api/v1/salesOrders/actions/import", json=build_import_payload(draft))
        assert imported.status_code == 201, imported.text
        [booked] = client.get("/api/v1/salesOrders").json()["data"]

    assert Decimal(str(booked["total"])) == pricing.totals.gross
    assert Decimal(str(booked["netSales"])) == pricing.totals.net
