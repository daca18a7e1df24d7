"""What `/openapi.json` calls valid, the running service takes (or refuses with a documented status).

Each finding is checked twice: the served document refuses the request (its schema), and the service
refuses it with the status the document names. Every request example of `/docs` is sent as a dry run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.openapi import validator_for
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.api.schemas import ORDER_REQUEST_EXAMPLES
from unified_order_api.config import ApiClient
from xentral_sandbox.testing import SandboxHandle

WOO_KEY = "woo-key-0123456789abcdef"
DEFAULTS = {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"}


@pytest.fixture(scope="module")
def service(sandbox_session: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    sandbox_session.reset()
    tmp: Path = tmp_path_factory.mktemp("findings")
    clients = [
        ApiClient(name="shop", api_key=API_KEY, reference_prefix="S-"),
        ApiClient(
            name="woo",
            api_key=WOO_KEY,
            reference_prefix="W-",
            shop={"kind": "woocommerce", "secret": "woo-secret-0123456789"},
        ),
    ]
    settings = service_settings(sandbox_session, tmp, clients=clients, defaults=DEFAULTS)
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def served(service: httpx.Client) -> dict[str, Any]:
    document: dict[str, Any] = service.get("/openapi.json").json()
    return document


def _order(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ORDER_REQUEST_EXAMPLES["minimal"]["value"])
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def _dry_run(service: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return service.post("/api/orders", json=body, headers={"X-API-Key": API_KEY, "Prefer": "dry-run"})


@pytest.mark.parametrize("kind", ["shopify", "shopware"])
def test_a_form_body_on_a_json_only_shop_path(service: httpx.Client, served: dict[str, Any], kind: str) -> None:
    operation = served["paths"][f"/api/shops/{{client}}/{kind}"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert "415" in operation["responses"]
    answer = service.post(
        f"/api/shops/woo/{kind}", content=b"webhook_id=5", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (answer.status_code, answer.json()["code"]) == (415, "unsupported_media_type")


def test_woocommerce_alone_documents_and_takes_its_form_encoded_ping(
    service: httpx.Client, served: dict[str, Any]
) -> None:
    content = served["paths"]["/api/shops/{client}/woocommerce"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    answer = service.post(
        "/api/shops/woo/woocommerce",
        content=b"webhook_id=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")


def test_shipping_cost_beside_shipping_costs(service: httpx.Client, served: dict[str, Any]) -> None:
    body = _order(shipping_cost="4.90", shipping_costs=[{"name": "DHL", "amount": "4.90"}])
    assert not validator_for(served, "/components/schemas/OrderRequest").is_valid(body)
    answer = _dry_run(service, body)
    assert answer.status_code == 422, answer.text
    assert {"pointer": "/shipping_cost", "code": "shipping_cost_twice"}.items() <= answer.json()["errors"][0].items()
    assert "422" in served["paths"]["/api/orders"]["post"]["responses"]


@pytest.mark.parametrize("missing", ["shipping", "payment"])
def test_no_shipping_or_payment_and_no_default(service: httpx.Client, served: dict[str, Any], missing: str) -> None:
    body = _order(**{missing: ...})
    assert missing in served["components"]["schemas"]["OrderRequest"]["required"]
    assert not validator_for(served, "/components/schemas/OrderRequest").is_valid(body)
    answer = _dry_run(service, body)
    assert answer.status_code == 422, answer.text
    assert [error["pointer"] for error in answer.json()["errors"]] == [f"/{missing}"]


@pytest.mark.parametrize("name", sorted(ORDER_REQUEST_EXAMPLES))
def test_every_request_example_of_the_docs_is_an_order(
    service: httpx.Client, served: dict[str, Any], name: str
) -> None:
    example = served["paths"]["/api/orders"]["post"]["requestBody"]["content"]["application/json"]["examples"][name]
    assert validator_for(served, "/components/schemas/OrderRequest").is_valid(example["value"])
    answer = _dry_run(service, example["value"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "create"
    assert answer.json()["warnings"] == [], answer.json()


def test_a_body_that_is_no_utf8_is_answered_with_a_documented_code(service: httpx.Client) -> None:
    """Found by schemathesis once `Problem.code` listed the codes: FastAPI's own 400 said `http_400`."""
    answer = service.post(
        "/api/orders", content=b"+\n\xff\xfe", headers={"X-API-Key": API_KEY, "Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_json")
