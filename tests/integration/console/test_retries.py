"""Fix, preview, retry: the dry run before a retry (none offered where it fails the same way), a retry with a
corrected request (validated, the change in the steps, the original kept), and a bulk retry with a count."""

from __future__ import annotations

import json
import re

import httpx

from tests.support.orders import order_body, orders_with_reference
from xentral_sandbox.testing import SandboxHandle

from .conftest import PREFIX, form_value, sign_in


def attempt_id(operator: httpx.Client, reference: str) -> int:
    journal = operator.get("/console/", params={"q": reference}).text
    [found] = re.findall(r'href="/console/orders/(\d+)" class="order-link"', journal)
    return int(found)


def test_a_retry_that_would_fail_the_same_way_is_not_offered_and_a_corrected_request_completes(
    console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    body = order_body(items=[{"sku": "ART-001", "quantity": 1}, {"sku": "ART-777", "quantity": 1}])
    assert api.post("/api/orders", json=body).status_code == 422
    with httpx.Client(base_url=console_url, timeout=30) as operator:
        assert sign_in(operator).status_code == 303
        number = attempt_id(operator, body["reference"])
        page = operator.get(f"/console/orders/{number}").text
        assert 'id="retry-not-offered"' in page and 'id="retry"' not in page and 'id="correct"' in page
        confirm = operator.get(f"/console/orders/{number}/retry").text
        assert "fails the same way" in confirm and 'id="confirm"' not in confirm and 'id="correct"' in confirm

        form = operator.get(f"/console/orders/{number}/correct").text
        csrf = form_value(form, "csrf")
        stored = json.loads(
            re.search(r'<textarea id="request" name="request"[^>]*>(.*?)</textarea>', form, re.S)[1]
            .replace("&#34;", '"')
            .replace("&quot;", '"')
            .replace("&amp;", "&")
        )
        invalid = dict(stored, reference="OTHER-1", items=[{"sku": "ART-001", "quantity": 0}])
        refused = operator.post(
            f"/console/orders/{number}/correct", data={"csrf": csrf, "request": json.dumps(invalid), "do": "retry"}
        )
        assert refused.status_code == 422 and "/items/0/quantity" in refused.text and "/reference" in refused.text

        corrected = dict(stored, items=[{"sku": "ART-001", "quantity": 1}, {"sku": "ART-002", "quantity": 1}])
        preview = operator.post(
            f"/console/orders/{number}/correct", data={"csrf": csrf, "request": json.dumps(corrected), "do": "preview"}
        )
        errors = re.findall(r"<td>([^<]*)</td></tr>", preview.text)
        assert preview.status_code == 200, errors
        assert (
            preview.status_code == 200 and "would create the order" in preview.text and "/items/1/sku" in preview.text
        )
        assert orders_with_reference(console_sandbox, PREFIX + body["reference"]) == []
        done = operator.post(
            f"/console/orders/{number}/correct", data={"csrf": csrf, "request": json.dumps(corrected), "do": "retry"}
        )
        assert done.status_code == 303 and done.headers["location"].endswith("notice=retry_completed")
        page = operator.get(f"/console/orders/{number}").text
        assert "request corrected by admin in the console (/items/1/sku); the original is kept" in page
        original = page[page.index('id="original-request"') :]
        assert "ART-777" in original
    assert len(orders_with_reference(console_sandbox, PREFIX + body["reference"])) == 1


def test_a_bulk_retry_counts_asks_and_retries_what_the_filter_selects(
    console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    bodies = [order_body(shipping="dhl_express_bulk") for _ in range(3)]
    for body in bodies:
        assert api.post("/api/orders", json=body).status_code == 422
    with httpx.Client(base_url=console_url, timeout=30) as operator:
        assert sign_in(operator).status_code == 303
        filters = {"code": "order_invalid", "client": "shop"}
        counted = operator.get("/console/retry-bulk", params=filters).text
        total = int(re.search(r'id="bulk-count"><strong>(\d+)</strong>', counted)[1])
        assert total >= 3 and all(body["reference"] in counted for body in bodies)
        stale = operator.post(
            "/console/retry-bulk", data={**filters, "csrf": form_value(counted, "csrf"), "count": str(total + 1)}
        )
        assert stale.status_code == 409 and "changed since it was counted" in stale.text
        done = operator.post(
            "/console/retry-bulk", data={**filters, "csrf": form_value(counted, "csrf"), "count": str(total)}
        )
        assert done.status_code == 200 and re.search(r'id="bulk-failed">(\d+)<', done.text)[1] == str(total)
        page = operator.get(f"/console/orders/{attempt_id(operator, bodies[0]['reference'])}").text
        assert "retry requested by admin in a bulk retry in the console" in page
