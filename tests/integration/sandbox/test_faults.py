"""Each fault mode, via the Python API and the admin endpoint; plus call log and reset."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.faults import FaultKind
from xentral_sandbox.testing import SandboxHandle

IMPORT = "/api/v1/salesOrders/actions/import"


def test_latency(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.latency(0.3, path="/api/v1/projects")
    started = time.perf_counter()
    assert client.get("/api/v1/projects").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    client.get("/api/v1/projects")
    assert time.perf_counter() - started < 0.3  # count=1 by default


def test_forced_429_burst(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.rate_limit(count=2, retry_after=7)
    for _ in range(2):
        r = client.get("/api/v1/products")
        assert r.status_code == 429 and r.content == b""
        assert r.headers["retry-after"] == "7"
        assert r.headers["x-ratelimit-remaining"] == "0"
        assert {"x-ratelimit-limit", "x-ratelimit-reset"} <= set(r.headers)
    assert client.get("/api/v1/products").status_code == 200


def test_server_errors_scoped_by_method_and_path(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.server_error(502, count=1, method="POST", path="/api/v1/salesOrders/*")
    assert client.get("/api/v1/salesOrders").status_code == 200
    assert client.post(IMPORT, json=order_payload()).status_code == 502
    assert client.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 0
    assert client.post(IMPORT, json=order_payload()).status_code == 201


def test_drop_before_response(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.drop(path=IMPORT)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post(IMPORT, json=order_payload())
    assert client.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 0
    assert [r.status for r in sandbox.calls.records()] == [None, 200], sandbox.calls.records()


def test_commit_then_drop(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.commit_then_drop(path=IMPORT)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post(IMPORT, json=order_payload())
    r = client.get(
        "/api/v1/salesOrders?filter[0][key]=externalOrderNumber&filter[0][op]=equals&filter[0][value]=SHOP-1001"
    )
    assert r.json()["extra"]["totalCount"] == 1


def test_commit_then_status(client: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.commit_then_status(500, path=IMPORT)
    assert client.post(IMPORT, json=order_payload()).status_code == 500  # answered 500, and yet committed
    r = client.get(
        "/api/v1/salesOrders?filter[0][key]=externalOrderNumber&filter[0][op]=equals&filter[0][value]=SHOP-1001"
    )
    assert r.json()["extra"]["totalCount"] == 1


def test_admin_endpoints(client: httpx.Client, sandbox: SandboxHandle) -> None:
    admin = httpx.Client(base_url=sandbox.base_url, headers=sandbox.admin_headers)
    assert httpx.post(f"{sandbox.base_url}/_sandbox/reset").status_code == 403
    r = admin.post("/_sandbox/faults", json={"kind": "status", "status": 500, "count": 1, "path": "/api/v1/projects"})
    assert r.status_code == 201 and r.json()["kind"] == "status"
    assert [f.kind for f in sandbox.faults.active()] == [FaultKind.STATUS]
    assert client.get("/api/v1/projects").status_code == 500
    admin.post("/_sandbox/faults", json={"kind": "drop", "count": None})
    assert admin.delete("/_sandbox/faults").status_code == 204
    assert client.get("/api/v1/projects").status_code == 200
    calls = admin.get("/_sandbox/calls").json()
    assert calls["counts"] == {"GET /api/v1/projects": 2}  # admin calls are not logged
    assert [c["status"] for c in calls["calls"]] == [500, 200]
    client.post("/api/v2/customers", json={"type": "company", "name": "Tmp"})
    assert admin.post("/_sandbox/reset").status_code == 204
    assert len(sandbox.calls) == 0 and "4" not in sandbox.state.customers
    assert admin.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 400


def test_call_log_counts_and_clear(client: httpx.Client, sandbox: SandboxHandle) -> None:
    client.get("/api/v2/customers/1")
    client.get("/api/v2/customers/2?x=1")
    client.get("/api/v1/products")
    assert sandbox.calls.count("GET /api/v2/customers/{id}") == 2
    assert sandbox.calls.count() == 3
    record = sandbox.calls.records()[1]
    assert (record.method, record.path, record.query, record.status) == (
        "GET",
        "/api/v2/customers/2",
        "x=1",
        200,
    )
    sandbox.calls.clear()
    assert sandbox.calls.records() == []


def test_state_reset_restores_seed(client: httpx.Client, sandbox: SandboxHandle) -> None:
    client.post(IMPORT, json=order_payload())
    sandbox.state.reset()
    assert client.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 0
    assert client.post(IMPORT, json=order_payload()).headers["location"].endswith("/1")


def _by_reference(reference: str) -> dict[str, str]:
    return {"filter[0][key]": "externalOrderNumber", "filter[0][op]": "equals", "filter[0][value]": reference}


def _references(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [order["externalOrderNumber"] for order in response.json()["data"]]


def test_ignore_filters_answers_unfiltered_pages(client: httpx.Client, sandbox: SandboxHandle) -> None:
    for reference in ("SHOP-1", "SHOP-2"):
        assert client.post(IMPORT, json=order_payload(externalOrderNumber=reference)).status_code == 201
    by_number = {"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value]": "ART-001"}
    products = len(sandbox.state.products)
    assert client.get("/api/v1/products", params=by_number).json()["extra"]["totalCount"] == 1

    sandbox.faults.ignore_filters()
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1"))) == ["SHOP-1", "SHOP-2"]
    assert client.get("/api/v1/products", params=by_number).json()["extra"]["totalCount"] == products
    by_email = {"filter[0][key]": "email", "filter[0][op]": "equals", "filter[0][value]": "nobody@ex.de"}
    assert len(client.get("/api/v2/customers", params=by_email).json()["data"]) == len(sandbox.state.customers)
    # The filter is still validated, paging still applies.
    bad = {"filter[0][key]": "bogus", "filter[0][op]": "equals", "filter[0][value]": "x"}
    assert client.get("/api/v1/salesOrders", params=bad).status_code == 400
    page = client.get("/api/v1/salesOrders", params={**_by_reference("SHOP-1"), "page[number]": "2", "page[size]": "1"})
    assert _references(page) == ["SHOP-2"]


def test_ignore_filters_scoped_and_counted(client: httpx.Client, sandbox: SandboxHandle) -> None:
    for reference in ("SHOP-1", "SHOP-2"):
        client.post(IMPORT, json=order_payload(externalOrderNumber=reference))
    sandbox.faults.ignore_filters(count=1, path="/api/v1/salesOrders")
    by_number = {"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value]": "ART-001"}
    assert client.get("/api/v1/products", params=by_number).json()["extra"]["totalCount"] == 1  # out of scope
    assert len(_references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1")))) == 2
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1"))) == ["SHOP-1"]  # used up
    assert sandbox.faults.active() == []


def test_wrong_read_back_answers_other_orders(client: httpx.Client, sandbox: SandboxHandle) -> None:
    assert client.post(IMPORT, json=order_payload(externalOrderNumber="SHOP-1")).status_code == 201
    sandbox.faults.wrong_read_back()
    # With no other order there is nothing to show instead.
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1"))) == []
    assert client.get("/api/v1/salesOrders/1").status_code == 404
    # Writes are not touched.
    assert client.post(IMPORT, json=order_payload(externalOrderNumber="SHOP-2")).status_code == 201
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1"))) == ["SHOP-2"]
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-2"))) == ["SHOP-1"]
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("NONE"))) == []
    assert client.get("/api/v1/salesOrders/1").json()["data"]["id"] == "2"
    assert _references(client.get("/api/v1/salesOrders")) == ["SHOP-1", "SHOP-2"]  # no filter: nothing asked for
    sandbox.faults.clear()
    assert client.get("/api/v1/salesOrders/1").json()["data"]["externalOrderNumber"] == "SHOP-1"


def test_misbehaviours_via_the_admin_endpoint(client: httpx.Client, sandbox: SandboxHandle) -> None:
    admin = httpx.Client(base_url=sandbox.base_url, headers=sandbox.admin_headers)
    for kind in ("ignore_filters", "wrong_read_back"):
        r = admin.post("/_sandbox/faults", json={"kind": kind, "method": "GET", "count": None})
        assert r.status_code == 201 and r.json()["kind"] == kind and r.json()["count"] is None
    assert {f.kind for f in sandbox.faults.active()} == {FaultKind.IGNORE_FILTERS, FaultKind.WRONG_READ_BACK}
    client.post(IMPORT, json=order_payload(externalOrderNumber="SHOP-1"))
    client.post(IMPORT, json=order_payload(externalOrderNumber="SHOP-2"))
    # Both at once: the unfiltered page (both orders), each replaced by one "the filter excluded" (none left).
    assert _references(client.get("/api/v1/salesOrders", params=_by_reference("SHOP-1"))) == []
