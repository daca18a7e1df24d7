"""Orders arrive in Xentral correct to the cent: real shop orders, the expected-total check, reverse charge.

Every test reads what the sandbox booked afterwards (its list's `total`, the order's tax block),
not only the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.integration.webhooks.conftest import SECRET, webhook_settings
from tests.support import shop_orders
from tests.support.orders import customer_count, order_body, order_count, orders_with_reference
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient, Settings
from unified_order_api.orders.policy import TotalsPolicy
from xentral_sandbox.readings import DiscountScale, Readings
from xentral_sandbox.testing import SandboxHandle

FLAG_KEY = "flag-key-0123456789"
PRODUCTS = {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"}


def money_settings(sandbox: SandboxHandle, tmp_path: Path, *, flagging: bool = False) -> Settings:
    """The shop refuses a total mismatch (the default); a flagging client imports and flags it."""
    client = (
        ApiClient(name="flagging", api_key=FLAG_KEY, on_total_mismatch="flag")
        if flagging
        else ApiClient(name="shop", api_key=API_KEY)
    )
    return service_settings(sandbox, tmp_path, defaults=PRODUCTS, clients=[client])


@pytest.fixture
def money_api(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        running_service(money_settings(sandbox, tmp_path)) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        yield client


def xentral_total(sandbox: SandboxHandle, order_id: str) -> Decimal:
    """Xentral's own total, as its sales order list returns it."""
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as client:
        listed = client.get("/api/v1/salesOrders", params={"page[number]": "1", "page[size]": "50"}).json()
    [order] = [o for o in listed["data"] if o["id"] == order_id]
    return Decimal(str(order["total"]))


@pytest.mark.parametrize("shop", sorted(shop_orders.ALL))
def test_real_shop_order_ends_in_xentral_with_the_shops_total(
    shop: str, money_api: httpx.Client, sandbox: SandboxHandle
) -> None:
    order = shop_orders.ALL[shop]()
    for sku in order.skus:
        sandbox.state.add_product({"number": sku, "name": sku, "project": "1", "salesTax": "standard"})

    response = money_api.post("/api/orders", json=order.body)

    assert response.status_code == 201, response.text
    answer = response.json()
    ours = Decimal(answer["totals"]["gross"])
    theirs = xentral_total(sandbox, answer["order_id"])
    print(f"\n{order.shop:12} shop {order.shop_total:>8}  ours {ours:>8}  Xentral {theirs:>8}")
    assert ours == order.shop_total == theirs
    assert answer["totals"]["expected"] == str(order.shop_total) == answer["totals"]["xentral"]
    assert answer["totals"]["matches"] is True and answer["warnings"] == []
    [booked] = orders_with_reference(sandbox, order.body["reference"])
    assert booked["financials"]["tax"]["taxDisplay"] == order.body["prices"]


def test_shopify_coupon_and_rates_reach_xentral(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    order = shop_orders.shopify()
    for sku in order.skus:
        sandbox.state.add_product({"number": sku, "name": sku, "project": "1"})
    response = money_api.post("/api/orders", json=order.body)
    assert response.status_code == 201, response.text
    [booked] = orders_with_reference(sandbox, order.body["reference"])
    assert [p["tax"]["effectiveVatRate"] for p in booked["positions"]] == [2.0, 2.0, 2.0]
    assert (booked["netSales"], booked["total"]) == (587.0, 598.94)  # the coupon is off, and carries no tax
    assert "Payment status: partially_refunded" in booked["comment"]
    assert response.json()["totals"] == {
        "net": "587.00",
        "tax": "11.94",
        "gross": "598.94",
        "expected": "598.94",
        "xentral": "598.94",
        "matches": True,
    }


def test_a_wrong_rate_is_pointed_out_line_by_line(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    """Shopify's sample labels its lines 6 % but charged 2 %: the breakdown shows each line 7.96 too high."""
    order = shop_orders.shopify_labelled_rates()
    for sku in order.skus:
        sandbox.state.add_product({"number": sku, "name": sku, "project": "1"})
    orders = order_count(sandbox)
    response = money_api.post("/api/orders", json=order.body)
    assert response.status_code == 422
    totals = response.json()["totals"]
    assert (totals["gross"], totals["expected"], totals["difference"]) == ("622.82", "598.94", "23.88")
    assert [(line["pointer"], line["tax"]) for line in totals["lines"] if line["kind"] == "item"] == [
        ("/items/0", "11.94"),
        ("/items/1", "11.94"),
        ("/items/2", "11.94"),
    ]
    assert order_count(sandbox) == orders


def test_total_mismatch_is_refused_with_a_breakdown_and_nothing_is_created(
    money_api: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = order_body(
        items=[{"sku": "ART-001", "quantity": 2, "price": "19.99"}, {"sku": "BOOK-001", "quantity": 1}],
        shipping_costs=[{"name": "DHL", "amount": "4.90"}],
        discounts=[{"name": "TENOFF", "amount": "10.00"}],
        expected_total="90.00",
    )
    customers, orders = customer_count(sandbox), order_count(sandbox)

    response = money_api.post("/api/orders", json=body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "total_mismatch"
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [("/expected_total", "total_mismatch")]
    totals = problem["totals"]
    # 39.98 + 24.99 (master price) + 4.90 - 10.00 = 59.87 gross
    assert (totals["gross"], totals["expected"], totals["difference"]) == ("59.87", "90.00", "-30.13")
    assert [(line["pointer"], line["gross"]) for line in totals["lines"]] == [
        ("/items/0", "39.98"),
        ("/items/1", "24.99"),
        ("/shipping_costs/0", "4.90"),
        ("/discounts/0", "-10.00"),
    ]
    assert (customer_count(sandbox), order_count(sandbox)) == (customers, orders)


def test_flagging_client_imports_and_reports_the_mismatch(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = order_body(items=[{"sku": "ART-001", "quantity": 1, "price": "19.99"}], expected_total="20.99")
    with running_service(money_settings(sandbox, tmp_path, flagging=True)) as url:
        headers = {"Authorization": f"Bearer {FLAG_KEY}"}
        response = httpx.post(f"{url}/api/orders", json=body, headers=headers, timeout=30)
        status = httpx.get(f"{url}/api/orders/{body['reference']}", headers=headers, timeout=30).json()

    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["totals"]["matches"] is False and answer["totals"]["gross"] == "19.99"
    assert [w.split(":")[0] for w in answer["warnings"]] == ["total_mismatch"]
    assert status["warnings"] == answer["warnings"] and status["order"]["totals"] == answer["totals"]
    assert xentral_total(sandbox, answer["order_id"]) == Decimal("19.99")


def test_reverse_charge_b2b_order_has_no_vat(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(
        customer={
            "email": "einkauf@berger.example.at",
            "name": "Anna Berger",
            "company": "Berger Handels GmbH",
            "vat_id": "ATU12345678",
            "street": "Ringstraße 9",
            "zip": "1010",
            "city": "Wien",
            "country": "AT",
        },
        prices="net",
        items=[{"sku": "ART-001", "quantity": 2, "price": "16.80"}, {"sku": "BOOK-001", "quantity": 1}],
        shipping_costs=[{"name": "DHL", "amount": "4.12", "tax_rate": 19}],
        expected_total="61.08",
    )
    response = money_api.post("/api/orders", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["totals"] == {
        "net": "61.08",
        "tax": "0.00",
        "gross": "61.08",
        "expected": "61.08",
        "xentral": "61.08",
        "matches": True,
    }
    [booked] = orders_with_reference(sandbox, body["reference"])
    assert booked["financials"]["tax"] == {"taxation": "eu", "taxDisplay": "net", "vatId": "ATU12345678"}
    assert (booked["netSales"], booked["total"]) == (61.08, 61.08)


def test_the_documented_money_example_goes_through(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    from unified_order_api.api.schemas import MONEY_EXAMPLE

    response = money_api.post("/api/orders", json=MONEY_EXAMPLE)
    assert response.status_code == 201, response.text
    assert xentral_total(sandbox, response.json()["order_id"]) == Decimal(MONEY_EXAMPLE["expected_total"])
    [booked] = orders_with_reference(sandbox, MONEY_EXAMPLE["reference"])
    assert [p["product"]["number"] for p in booked["positions"]] == ["ART-001", "BOOK-001", "FEE-001"]
    # The 10 % off 16.80 is stated as the price, never as the contested `discount`.
    assert (booked["positions"][0]["discount"], booked["positions"][0]["price"]["amount"]) == (0, "15.12")


@pytest.mark.parametrize("scale", ["fraction", "percent"])
def test_a_discount_books_the_same_total_under_either_discount_scale(
    scale: DiscountScale, money_api: httpx.Client, sandbox: SandboxHandle
) -> None:
    """19.99 less 15 % twice and a 7.5 % line at the reduced rate: the same booked total either way."""
    sandbox.state.readings = Readings(discount_scale=scale)
    body = order_body(
        items=[
            {"sku": "ART-001", "quantity": 2, "price": "19.99", "tax_rate": 19, "discount_percent": 15},
            {"sku": "BOOK-001", "quantity": 3, "price": "12.34", "tax_rate": 7, "discount_percent": "7.5"},
        ],
        expected_total="68.22",
    )
    response = money_api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    assert xentral_total(sandbox, response.json()["order_id"]) == Decimal("68.22")
    [booked] = orders_with_reference(sandbox, body["reference"])
    assert [p["discount"] for p in booked["positions"]] == [0, 0]


@pytest.mark.parametrize("status", ["voided", "cancelled"])
def test_voided_or_cancelled_order_is_refused(status: str, money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    orders = order_count(sandbox)
    response = money_api.post("/api/orders", json=order_body(payment_status=status))
    assert response.status_code == 422
    assert response.json()["code"] == "order_cancelled"
    assert response.json()["errors"][0]["pointer"] == "/payment_status"
    queued = money_api.post("/api/orders", json=order_body(payment_status=status), headers={"Prefer": "respond-async"})
    assert queued.status_code == 422
    assert order_count(sandbox) == orders


def test_xentral_booking_another_total_is_reported_in_answer_status_webhook_and_metrics(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Xentral's project rate changes after we cached it: Xentral books 20 % where we computed 19 %."""
    receiver = Receiver()
    body = {"prices": "net", "items": [{"sku": "ART-001", "quantity": 1, "price": "100.00"}]}
    try:
        settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, defaults=PRODUCTS)
        with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            first = client.post("/api/orders", json=order_body(**body))
            with sandbox.state.lock:
                sandbox.state.projects["1"]["normalTaxRate"] = 20
            second = client.post("/api/orders", json=order_body(**body, expected_total="119.00"))
            status = client.get(f"/api/orders/{second.json()['reference']}").json()
            metrics = client.get("/metrics").text
            callbacks = receiver.wait_for(2)
    finally:
        receiver.stop()

    assert first.status_code == 201 and first.json()["totals"]["matches"] is True
    assert first.json()["totals"]["xentral"] == first.json()["totals"]["gross"] == "119.00"
    assert second.status_code == 201, second.text
    answer = second.json()
    assert answer["totals"] == {
        "net": "100.00",
        "tax": "19.00",
        "gross": "119.00",
        "expected": "119.00",
        "xentral": "120.00",
        "matches": False,
    }
    assert [w.split(":")[0] for w in answer["warnings"]] == ["xentral_total_mismatch"]
    assert xentral_total(sandbox, answer["order_id"]) == Decimal("120.00")
    assert status["warnings"] == answer["warnings"] and status["order"]["totals"] == answer["totals"]
    assert 'order_totals_checked_total{against="xentral",result="match"} 1.0' in metrics
    assert 'order_totals_checked_total{against="xentral",result="mismatch"} 1.0' in metrics
    assert 'order_totals_checked_total{against="expected",result="match"} 1.0' in metrics
    [created] = [
        payload["data"]
        for payload in (Webhook(SECRET).verify(r.body, r.headers) for r in callbacks)
        if payload["data"]["reference"] == answer["reference"]
    ]
    assert created["totals"] == answer["totals"] and created["warnings"] == answer["warnings"]


def test_a_cent_xentral_rounds_otherwise_is_flagged_never_called_a_match(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Shopify rounds each tax line apart (0.11 + 0.41 on the shipping): 1.58 tax at 5.3 % on 29.99. A
    Xentral that rounds each rate's sum once (the sandbox's per-rate-sum reading, "Runden nach addieren")
    books 5.3 % of 29.99, 1.59, whatever lines the import states (no balancing line moves a rate's sum): a
    difference of a cent, within the tolerance, so imported — flagged in the answer, the order's status
    and the webhook, and `matches` false in each. (With `setTotalAmount` turned off for the client: with
    it Xentral books the buyer's total, see below.)"""
    sandbox.state.readings = Readings(rounding="per-rate-sum")
    receiver = Receiver()
    body = shopify_us_order()
    try:
        no_external_total = {"totals": TotalsPolicy(set_total_amount=False)}
        settings = webhook_settings(
            sandbox, tmp_path, webhook_url=receiver.url, client=no_external_total, defaults=PRODUCTS
        )
        with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            created = client.post("/api/orders", json=order_body(**body))
            assert created.status_code == 201, created.text
            status = client.get(f"/api/orders/{created.json()['reference']}").json()
            [callback] = receiver.wait_for(1)
    finally:
        receiver.stop()
    answer = created.json()
    assert answer["totals"] | {"lines": None} == {
        "net": "29.99",
        "tax": "1.58",
        "gross": "31.57",
        "expected": "31.57",
        "xentral": "31.58",
        "matches": False,
        "lines": None,
    }
    assert xentral_total(sandbox, answer["order_id"]) == Decimal("31.58")
    assert [w.split(":")[0] for w in answer["warnings"]] == ["xentral_total_mismatch"]
    assert "within the tolerance of 0.01" in answer["warnings"][0]
    payload = Webhook(SECRET).verify(callback.body, callback.headers)["data"]
    for said in (status["order"]["totals"], payload["totals"]):
        assert said["matches"] is False and said["xentral"] != said["gross"]
    assert status["warnings"] == payload["warnings"] == answer["warnings"]


def shopify_us_order() -> dict[str, Any]:
    """A US order whose shipping Shopify taxed in two lines (0.11 + 0.41) that Xentral sums to 0.53."""
    us = {"name": "Ann Lee", "email": "ann@example.com", "street": "1 Main St", "zip": "94103"}
    us |= {"city": "San Francisco", "country": "US", "state": "CA"}
    taxes = [{"name": "City", "rate": "1.15", "amount": "0.11"}, {"name": "State", "rate": "4.15", "amount": "0.41"}]
    return {
        "prices": "net",
        "customer": us,
        "items": [{"sku": "ART-001", "quantity": 1, "price": "20.00", "tax_rate": "5.3", "tax_amount": "1.06"}],
        "shipping_costs": [{"name": "Ground", "amount": "9.99", "taxes": taxes}],
        "expected_total": "31.57",
    }


def test_xentral_rounding_per_line_books_the_shops_tax_lines_with_a_balancing_line(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Xentral rounding per line would book 0.53 on the shipping; a balancing line at 5.3 % (two fees and a
    discount adding up to 0.00, named in the comment) makes its own sum the 31.57 paid — with
    `setTotalAmount` turned off, so nothing but Xentral's own rounding decides."""
    shop = ApiClient(name="shop", api_key=API_KEY, totals=TotalsPolicy(set_total_amount=False))
    settings = service_settings(sandbox, tmp_path, defaults=PRODUCTS, clients=[shop])
    body = order_body(**shopify_us_order())
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as api:
        created = api.post("/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["totals"]["xentral"], answer["totals"]["matches"], answer["warnings"]) == ("31.57", True, [])
    [booked] = orders_with_reference(sandbox, body["reference"])
    assert booked["booked"]["fromExternal"] is False and xentral_total(sandbox, answer["order_id"]) == Decimal("31.57")
    balancing = [p for p in booked["positions"] if p["comment"] == "Rounding balance 5.3 %"]
    assert len(balancing) == 2 and all(p["tax"]["rate"] == 5.3 for p in balancing)
    assert (
        "Rounding balance: the shop rounded its tax otherwise than per line (5.3 % -0.01 to 1.58)"
        in (booked["comment"])
    )


def test_xentral_books_the_buyers_total_within_the_tolerance(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    """setTotalAmount: a Xentral rounding each rate's sum once books 31.58, a cent off the 31.57 paid; within
    the client's tolerance it books the external 31.57, so the invoice says what the buyer paid."""
    sandbox.state.readings = Readings(rounding="per-rate-sum")
    body = order_body(**shopify_us_order())
    answer = money_api.post("/api/orders", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["totals"]["xentral"] == "31.57" and answer.json()["totals"]["matches"] is True
    assert xentral_total(sandbox, answer.json()["order_id"]) == Decimal("31.57")


def test_gift_cards_pay_for_an_order_booked_at_its_full_value(money_api: httpx.Client, sandbox: SandboxHandle) -> None:
    """Two gift cards pay 24.00 of a 28.00 order: Xentral books 28.00, and the comment, the answer and
    the order's status say what was paid how (a card's code only by its last four characters)."""
    body = order_body(
        prices="net",
        items=[{"sku": "ART-001", "quantity": 1, "price": "23.53", "tax_rate": 19}],
        expected_total="28.00",
        payment="paypal",
        redeemed=[
            {"kind": "gift_card", "code": "GC-7Q2M-AAAA-1111", "amount": "12.00"},
            {"kind": "gift_card", "code": "GC-9R4N-BBBB-2222", "amount": "12.00"},
        ],
    )
    created = money_api.post("/api/orders", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["totals"]["gross"], answer["totals"]["matches"]) == ("28.00", True)
    assert (answer["totals"]["redeemed"], answer["totals"]["due"]) == ("24.00", "4.00")
    assert xentral_total(sandbox, answer["order_id"]) == Decimal("28.00")
    [booked] = orders_with_reference(sandbox, body["reference"])
    assert "Paid with: gift card ****1111 12.00; gift card ****2222 12.00; rest 4.00 by paypal" in booked["comment"]
    assert "AAAA-1111" not in booked["comment"]
    status = money_api.get(f"/api/orders/{answer['reference']}").json()
    assert status["order"]["totals"]["redeemed"] == "24.00"
    over = money_api.post(
        "/api/orders", json={**body, "reference": body["reference"] + "-X", "expected_total": "20.00"}
    )
    assert over.status_code == 422 and [e["code"] for e in over.json()["errors"]] == ["redeemed_exceeds_total"]
