"""`/openapi.json` says everything: real problem bodies, every code, every request example, each shop's
webhook with its signature, 422 as problem+json everywhere, and every example valid against its schema."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.support.openapi import validator_for
from unified_order_api.api.error_handlers import status_of
from unified_order_api.api.problem_catalogue import ENTRIES, problem_classes
from unified_order_api.api.problem_examples import EXAMPLE_ERRORS
from unified_order_api.api.schemas import ORDER_REQUEST_EXAMPLES, OrderRequest
from unified_order_api.api.shop_examples import SHOP_EXAMPLES
from unified_order_api.app import create_app
from unified_order_api.config import ApiClient, Settings, ShopSettings
from unified_order_api.shops import CONNECTORS
from unified_order_api.shops.native import Translated
from unified_order_api.shops.signatures import verify_hmac_sha256


def document(**settings: Any) -> dict[str, Any]:
    return create_app(Settings(**settings)).openapi()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def examples_of(doc: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, example) for every media-type example of every request and response."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            base = f"/paths/{_escape(path)}/{method}"
            bodies = [("requestBody", operation.get("requestBody", {}))]
            bodies += [(f"responses/{status}", r) for status, r in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media_type, media in body.get("content", {}).items():
                    pointer = f"{base}/{where}/content/{_escape(media_type)}/schema"
                    label = f"{method.upper()} {path} {where} {media_type}"
                    if "example" in media:
                        yield label, pointer, media["example"]
                    for name, example in media.get("examples", {}).items():
                        yield f"{label} {name}", pointer, example["value"]


def schema_examples_of(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """(schema pointer, example) for every JSON-schema `examples` entry in the components."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and ("type" in node or "anyOf" in node or "$ref" in node):
            for example in node["examples"]:
                yield pointer, example
        for key, value in node.items():
            yield from schema_examples_of(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schema_examples_of(value, f"{pointer}/{index}")


def test_every_example_validates_against_its_schema(doc: dict[str, Any]) -> None:
    found = list(examples_of(doc))
    assert len(found) > 60, len(found)
    for label, pointer, example in found:
        errors = [error.message for error in validator_for(doc, pointer).iter_errors(example)]
        assert errors == [], f"{label}: {errors}"
    schema_level = list(schema_examples_of(doc["components"], "/components"))
    assert len(schema_level) > 20
    for pointer, example in schema_level:
        errors = [error.message for error in validator_for(doc, pointer).iter_errors(example)]
        assert errors == [], f"{pointer}: {errors}"


def test_an_example_that_breaks_its_schema_is_caught(doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    media = broken["paths"]["/api/orders"]["post"]["responses"]["409"]["content"]["application/problem+json"]
    media["examples"]["order_in_progress"]["value"]["status"] = "409"
    media["examples"]["reference_taken"]["value"]["code"] = "no_such_code"
    failing = {
        label for label, pointer, example in examples_of(broken) if not validator_for(broken, pointer).is_valid(example)
    }
    assert failing == {
        "POST /api/orders responses/409 application/problem+json order_in_progress",
        "POST /api/orders responses/409 application/problem+json reference_taken",
    }


def test_every_code_and_status_has_a_real_example() -> None:
    answered = {(kind.code, status_of(kind)) for kind in problem_classes()}  # type: ignore[attr-defined]
    shown = {(error.code, status_of(type(error))) for error in EXAMPLE_ERRORS}
    assert answered - shown == set()


def test_problem_examples_are_the_bodies_the_service_sends(doc: dict[str, Any]) -> None:
    responses = doc["paths"]["/api/orders"]["post"]["responses"]
    for status in ("409", "422", "502", "503", "504"):
        examples = responses[status]["content"]["application/problem+json"]["examples"]
        assert examples, status
        for example in examples.values():
            body = example["value"]
            assert body["status"] == int(status)
            assert body["type"] == f"/problems/{body['code']}"
            assert body["instance"] == "/api/orders"
            assert body["code"] in responses[status]["description"]
    unknown_sku = responses["422"]["content"]["application/problem+json"]["examples"]["order_invalid"]["value"]
    assert unknown_sku["errors"][0] == {
        "pointer": "/items/1/sku",
        "code": "item_not_found",
        "detail": "Item ART-999 not found",
    }
    in_progress = responses["409"]["content"]["application/problem+json"]["examples"]["order_in_progress"]["value"]
    assert in_progress["retry_after"] == 2
    store = responses["503"]["content"]["application/problem+json"]["examples"]["database_unavailable"]["value"]
    assert (store["retryable"], store["order_may_exist"]) == (True, False)
    assert "string" not in json.dumps(responses["422"]["content"]["application/problem+json"]["examples"])


def test_every_problem_code_is_listed_with_its_meaning(doc: dict[str, Any]) -> None:
    code = doc["components"]["schemas"]["Problem"]["properties"]["code"]
    assert code["enum"] == [entry.code for entry in ENTRIES]
    for entry in ENTRIES:
        assert f"`{entry.code}`: {entry.meaning}" in code["description"]


def test_422_is_problem_json_everywhere(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    assert "HTTPValidationError" not in text and "#/components/schemas/ValidationError" not in text
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                    assert response["content"]["application/problem+json"]["examples"], (method, path, status)
    for path in ("/api/orders/{reference}", "/api/admin/webhooks/deliveries/{event_id}"):
        assert "422" in doc["paths"][path]["get"]["responses"]


def test_every_request_example_is_shown(doc: dict[str, Any]) -> None:
    media = doc["paths"]["/api/orders"]["post"]["requestBody"]["content"]["application/json"]
    assert {name: example["value"] for name, example in media["examples"].items()} == {
        name: example["value"] for name, example in ORDER_REQUEST_EXAMPLES.items()
    }
    assert len(media["examples"]) >= 4
    for example in ORDER_REQUEST_EXAMPLES.values():
        OrderRequest.model_validate(example["value"])


def test_each_shop_has_its_path_with_its_signature_and_body(doc: dict[str, Any]) -> None:
    assert "/api/shops/{client}/{kind}" not in doc["paths"]
    for kind, connector in CONNECTORS.items():
        operation = doc["paths"][f"/api/shops/{{client}}/{kind}"]["post"]
        header = next(
            p for p in operation["parameters"] if p["in"] == "header" and p["name"] == connector.signature.header
        )
        assert header["required"] is (connector.ping is None)
        assert connector.signature.header in operation["description"]
        expected = "base64.b64encode(digest)" if connector.signature.encoding == "base64" else "digest.hex()"
        assert expected in operation["description"]
        content = operation["requestBody"]["content"]
        assert content["application/json"]["examples"][kind] == SHOP_EXAMPLES[kind]
        assert content["application/json"]["schema"]["type"] == "object"
        assert content["application/json"]["examples"][kind]["value"] != {}
        assert ("application/x-www-form-urlencoded" in content) is (connector.ping is not None)
    assert [p["name"] for p in doc["paths"]["/api/shops/{client}/shopify"]["post"]["parameters"]] == [
        "client",
        "X-Shopify-Hmac-Sha256",
        "x-shopify-topic",
    ]


@pytest.mark.parametrize("kind", sorted(SHOP_EXAMPLES))
def test_a_shop_example_is_an_order_its_connector_imports(kind: str) -> None:
    connector = CONNECTORS[kind]
    translated = connector.translate(
        copy.deepcopy(SHOP_EXAMPLES[kind]["value"]), ShopSettings(kind=kind, secret="s" * 32)
    )
    assert isinstance(translated, Translated), translated
    OrderRequest.model_validate(translated.body)


@pytest.mark.parametrize("kind", sorted(CONNECTORS))
def test_the_documented_signature_recipe_is_what_the_service_checks(kind: str) -> None:
    """The recipe in the description, followed literally, produces a header the intake accepts."""
    connector = CONNECTORS[kind]
    secret, raw_body = "the-shop-secret", json.dumps(SHOP_EXAMPLES.get(kind, {"value": {}})["value"]).encode()
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    presented = base64.b64encode(digest).decode() if connector.signature.encoding == "base64" else digest.hex()
    verify_hmac_sha256(
        raw_body, presented, secret, header=connector.signature.header, encoding=connector.signature.encoding
    )


def _order_validator(doc: dict[str, Any]) -> Draft202012Validator:
    return validator_for(doc, "/components/schemas/OrderRequest")


def test_shipping_cost_and_shipping_costs_together_are_not_schema_valid(doc: dict[str, Any]) -> None:
    body = copy.deepcopy(ORDER_REQUEST_EXAMPLES["minimal"]["value"])
    assert _order_validator(doc).is_valid(body)
    assert _order_validator(doc).is_valid({**body, "shipping_cost": "4.90"})
    assert _order_validator(doc).is_valid({**body, "shipping_cost": "4.90", "shipping_costs": []})
    both = {**body, "shipping_cost": "4.90", "shipping_costs": [{"name": "DHL", "amount": "4.90"}]}
    assert not _order_validator(doc).is_valid(both)


def test_shipping_and_payment_are_required_unless_a_default_exists(doc: dict[str, Any]) -> None:
    body = {k: v for k, v in ORDER_REQUEST_EXAMPLES["minimal"]["value"].items() if k not in ("shipping", "payment")}
    assert not _order_validator(doc).is_valid(body)
    assert not _order_validator(doc).is_valid({**body, "shipping": None, "payment": None})
    with_defaults = document(defaults={"shipping_method_id": "1", "payment_method_id": "2"})
    assert _order_validator(with_defaults).is_valid(body)
    client_default = document(
        clients=[ApiClient(name="b2b", api_key="b2b-key-0123456789", defaults={"shipping_method_id": "1"})]
    )
    assert "shipping" not in client_default["components"]["schemas"]["OrderRequest"]["required"]
    assert "payment" in client_default["components"]["schemas"]["OrderRequest"]["required"]


def test_a_customer_needs_a_number_or_an_address(doc: dict[str, Any]) -> None:
    body = copy.deepcopy(ORDER_REQUEST_EXAMPLES["minimal"]["value"])
    del body["customer"]["street"]
    assert not _order_validator(doc).is_valid(body)
    body["customer"]["customer_number"] = "10001"
    assert _order_validator(doc).is_valid(body)
