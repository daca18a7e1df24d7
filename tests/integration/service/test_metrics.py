"""GET /metrics after orders went through, and the Metrics object on its own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body
from tests.support.processes import free_port
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from tests.unit.service.test_metrics import samples, value
from unified_order_api.cli import production
from unified_order_api.config import Settings
from xentral_sandbox.testing import SandboxHandle


def test_metrics_after_orders(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    assert api.post("/api/orders", json=body).status_code == 201
    assert api.post("/api/orders", json=body).headers["idempotent-replayed"] == "true"
    rejected = order_body(items=[{"sku": "ART-999", "quantity": 1}])
    assert api.post("/api/orders", json=rejected).status_code == 422

    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    series = samples(text)

    assert value(series, "orders_total", outcome="created") == 1
    assert value(series, "orders_total", outcome="replayed") == 1
    assert value(series, "orders_total", outcome="rejected") == 1
    assert (
        value(series, "xentral_requests_total", instance="default", operation="import_sales_order", status="201") == 1
    )
    assert (
        value(series, "xentral_requests_total", instance="default", operation="list_products", status="200") or 0
    ) >= 1
    assert (value(series, "xentral_rate_limiter_wait_seconds_count", instance="default") or 0) >= 3
    assert (
        value(series, "http_request_duration_seconds_count", method="POST", route="/api/orders", status="201") == 2
    )  # the replay answers 201 too
    assert value(series, "http_request_duration_seconds_count", method="POST", route="/api/orders", status="422") == 1
    # Declared even before anything was counted, so dashboards find them.
    for name in (
        "cache_hits_total",
        "cache_misses_total",
        "queue_depth",
        "webhook_deliveries_total",
        "xentral_transport_errors_total",
    ):
        assert f"# TYPE {name} " in text


def test_a_refused_slot_is_503_with_retry_after(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, xentral_rate_limit_per_minute=1, xentral_wait_budget_seconds=0.2)
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        response = api.post("/api/orders", json=order_body())
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "xentral_rate_limited"
        assert 1 <= int(response.headers["retry-after"]) <= 61
        assert len(sandbox.calls.records()) == 1  # the rest never left
        series = samples(api.get("/metrics").text)
    assert value(series, "orders_total", outcome="failed") == 1


def test_transport_errors_and_retries_are_counted(api: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.drop(count=1, method="GET", path="/api/v1/projects")
    sandbox.faults.server_error(status=503, count=1, method="GET", path="/api/v1/projects")
    assert api.get("/readyz").status_code == 200
    series = samples(api.get("/metrics").text)
    assert (
        value(
            series,
            "xentral_transport_errors_total",
            instance="default",
            operation="list_projects",
            kind="XentralConnectionLost",
        )
        == 1
    )
    assert value(series, "xentral_retries_total", instance="default", operation="list_projects", reason="503") == 1
    assert value(series, "xentral_requests_total", instance="default", operation="list_projects", status="503") == 1


ADMIN_KEY = "admin-key-0123456789"


def test_metrics_behind_the_admin_key(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, admin_api_key=ADMIN_KEY, metrics={"expose": "admin_key"})
    with running_service(settings) as url:
        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 401
        answer = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert answer.status_code == 200
        assert "orders_total" in answer.text


def test_metrics_on_a_port_of_their_own(sandbox: SandboxHandle, tmp_path: Path) -> None:
    port = free_port()
    settings = service_settings(sandbox, tmp_path, admin_api_key=ADMIN_KEY, metrics={"expose": "port", "port": port})
    with running_service(settings) as url:
        refused = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found"
        answer = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert answer.status_code == 200
        assert "orders_total" in answer.text
    with pytest.raises(httpx.TransportError):  # closed with the service
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_serve_keeps_metrics_behind_the_admin_key_unless_told() -> None:
    assert production(Settings()).metrics.expose == "admin_key"
    assert production(Settings(metrics={"expose": "public"})).metrics.expose == "public"
    assert Settings().metrics.expose is None  # the demo and tests: public
