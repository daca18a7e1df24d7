"""examples/amazon_sp_api_to_order.py on Amazon's own SP-API sample: one request, Amazon's total in Xentral."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx

from tests.support.orders import orders_with_reference
from tests.support.processes import checkout_env
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from tests.support.shop_orders import REPO_ROOT, payloads_dir
from unified_order_api.api.schemas import OrderRequest
from xentral_sandbox.testing import SandboxHandle

SCRIPT = REPO_ROOT / "examples" / "amazon_sp_api_to_order.py"


def run(answers: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(answers)], capture_output=True, text=True, timeout=60, env=checkout_env()
    )


def test_the_sample_order_becomes_one_request_that_xentral_books_at_amazons_total(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    result = run(payloads_dir() / "amazon-sp-api-order.json")
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    OrderRequest.model_validate(request)  # the request our API takes, as it takes it
    assert request["reference"] == "902-1845936-5435065" and request["expected_total"] == "11.01"
    assert request["prices"] == "net"  # US marketplace: OrderTotal = ItemPrice + ItemTax
    assert [(i["sku"], i["quantity"], i["price"], i["tax_rate"]) for i in request["items"]] == [
        ("NABetaASINB00551Q3CS", "1", "10", "10.1")
    ]
    sandbox.state.add_product({"number": "NABetaASINB00551Q3CS", "name": "Card Book", "project": "1"})
    settings = service_settings(
        sandbox,
        tmp_path,
        defaults={"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
        shipping_map={"standard": "1"},
        payment_map={"amazon": "6"},
    )
    with running_service(settings) as url:
        answer = httpx.post(f"{url}/api/orders", json=request, headers={"X-API-Key": API_KEY}, timeout=30)
    assert answer.status_code == 201, answer.text
    [order] = orders_with_reference(sandbox, "902-1845936-5435065")
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as client:
        listed = client.get("/api/v1/salesOrders", params={"page[number]": "1", "page[size]": "50"}).json()["data"]
    [booked] = [o for o in listed if o["id"] == order["id"]]
    print(f"\nAmazon                     shop    11.01  Xentral {Decimal(str(booked['total'])):>8.2f}")
    assert Decimal(str(booked["total"])) == Decimal("11.01")
    assert order["financials"]["billingAddress"]["city"] == "SEATTLE"


def test_a_pending_order_is_not_a_request(tmp_path: Path) -> None:
    answers = json.loads((payloads_dir() / "amazon-sp-api-order.json").read_text("utf-8"))
    answers["getOrder"]["payload"]["OrderStatus"] = "Pending"
    pending = tmp_path / "pending.json"
    pending.write_text(json.dumps(answers), "utf-8")
    result = run(pending)
    assert result.returncode == 1
    assert "is Pending: not imported" in result.stderr and result.stdout == ""
