"""The Xentral gateway against the sandbox over real HTTP: wire format, ids, errors end to end."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from unified_order_api.orders.errors import XentralMisbehaved
from unified_order_api.orders.model import Address, Money, NewCustomer, OrderDraft, OrderLine
from unified_order_api.xentral import (
    XentralAuthError,
    XentralClient,
    XentralHttpGateway,
    XentralNotFound,
    XentralValidationError,
)
from xentral_sandbox.testing import SandboxHandle


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[XentralClient]:
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(10.0)) as c:
        yield c


@pytest.fixture
def gateway(client: XentralClient) -> XentralHttpGateway:
    return XentralHttpGateway(client)


async def test_products_by_sku_reports_missing_skus(gateway: XentralHttpGateway) -> None:
    found = await gateway.products_by_sku(["ART-001", "NO-SUCH-SKU", "ART-001"])
    assert set(found) == {"ART-001"}
    product = found["ART-001"]
    assert product.sku == "ART-001"
    assert product.id
    assert product.name


async def test_find_and_create_customer(gateway: XentralHttpGateway) -> None:
    existing = await gateway.find_customers("email", "max@example.com")
    assert existing and existing[0].email == "max@example.com"

    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    assert await gateway.find_customers("email", email) == []
    new_id = await gateway.create_customer(
        NewCustomer(
            kind="person",
            name="Erika Neu",
            email=email,
            address=Address(name="Erika Neu", street="Weg 2", zip="54321", city="Köln", country="DE"),
            project_id="1",
        )
    )
    assert new_id.isdigit()
    [created] = await gateway.find_customers("email", email)
    assert (created.id, created.email, created.name) == (new_id, email, "Erika Neu")


async def test_import_and_read_back_order(gateway: XentralHttpGateway) -> None:
    products = await gateway.products_by_sku(["ART-001"])
    customer = (await gateway.find_customers("email", "max@example.com"))[0]
    shipping = (await gateway.shipping_methods())[0]
    payment = (await gateway.payment_methods())[0]
    project = (await gateway.projects())[0]
    reference = f"SHOP-{uuid.uuid4().hex[:8]}"
    draft = OrderDraft(
        order_date=dt.date.today(),
        reference=reference,
        customer_id=customer.id,
        project_id=project.id,
        payment_method_id=payment.id,
        shipping_method_id=shipping.id,
        currency="EUR",
        lines=(
            OrderLine(
                product_id=products["ART-001"].id,
                sku="ART-001",
                quantity=Decimal(2),
                unit_price=Money(Decimal("19.99"), "EUR"),
                line_id="line-1",
            ),
        ),
        external_order_id="987654321",
        internal_note="sandbox test",
        custom_fields={"gift": "yes"},
    )
    assert await gateway.find_orders_by_reference(reference) == []
    order_id = await gateway.import_order(draft)
    order = await gateway.get_order(order_id)
    assert order.id == order_id
    assert order.reference == reference
    assert order.status == "released"
    assert order.customer_id == customer.id
    [listed] = await gateway.find_orders_by_reference(reference)
    assert (listed.id, listed.document_number) == (order_id, order.document_number)
    assert listed.total is not None and listed.net_sales is not None  # the list carries them, as numbers
    # The 2026 view carries them too, as money objects: the same amounts.
    assert (order.total, order.net_sales) == (listed.total, listed.net_sales)
    assert await gateway.find_orders_by_reference(reference.lower()) == []  # another reference


async def test_errors_map_over_real_http(
    client: XentralClient, gateway: XentralHttpGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(XentralMisbehaved) as missing:  # the adapter speaks the order service's errors
        await gateway.get_order("999999")
    assert isinstance(missing.value.__cause__, XentralNotFound)
    with pytest.raises(XentralValidationError) as caught:
        await client.import_sales_order({"date": "2025-01-01"})  # type: ignore[typeddict-item]
    assert caught.value.violations or caught.value.messages
    async with XentralClient(sandbox.base_url, "wrong-token", timeout=httpx.Timeout(10.0)) as wrong:
        with pytest.raises(XentralAuthError):
            await wrong.list_projects()
