"""The shop webhook in `/openapi.json`: one path per registered shop, each saying what that shop sends.

The route is one (`POST /api/shops/{client}/{kind}`, `api/shops.py`); the document shows it once
per shop in `shops.CONNECTORS`, as `/api/shops/{client}/woocommerce` and so on, because the shops
differ in what matters to whoever connects one: the signature header and its encoding, the header
naming the event, whether a signed time is checked, and the content types they may send (only
WooCommerce's ping may be form-encoded; any other form body is refused with 415, so the other
paths declare JSON alone). Everything is read from the connector, so a newly registered shop gets
its path, and `shop_examples` gives each known shop an example body.
"""

from __future__ import annotations

import copy
from typing import Any

from ..shops import CONNECTORS
from ..shops.connector import ShopConnector
from .shop_examples import SHOP_EXAMPLES

__all__ = ["SHOP_PATH", "describe_shop_webhooks", "shop_path"]

SHOP_PATH = "/api/shops/{client}/{kind}"
_PING_FORM = {"type": "object", "properties": {"webhook_id": {"type": "string", "pattern": r"^\d+$"}}}
_BODY_SCHEMA = {
    "type": "object",
    "description": "The shop's own order JSON, unchanged: signed over its raw bytes, so send it as the shop does",
}


def shop_path(kind: str) -> str:
    return SHOP_PATH.replace("{kind}", kind)


def signature_howto(connector: ShopConnector) -> str:
    """How the shop computes the signature header, so a caller (or a test) can compute it too."""
    header, encoding = connector.signature.header, connector.signature.encoding
    digest = "base64.b64encode(digest).decode()" if encoding == "base64" else "digest.hex()"
    lines = [
        f"**Signature**: `{header}` carries the HMAC-SHA256 of the raw request body, keyed with the client's "
        f"`shop.secret`, {'base64' if encoding == 'base64' else 'lowercase hex'}-encoded. A missing or wrong "
        "signature is refused with 401 `signature_invalid` and nothing is read or stored. To compute it:",
        "",
        "```python",
        "digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()",
        f"headers['{header}'] = {digest}",
        "```",
    ]
    if connector.signed_time is not None:
        lines += [
            "",
            f"{connector.title} signs the time it sent the call (`timestamp` in the body, Unix seconds); one older "
            "(or newer) than the shop's `max_age_seconds` (300) is refused with 401 `webhook_stale` as a replay.",
        ]
    if connector.topics is not None:
        topics = ", ".join(f"`{topic}`" for topic in sorted(connector.topics.orders))
        lines += [
            "",
            f"**Event**: the `{connector.topics.header}` header; {topics} carry an order, any other topic is "
            "answered 200 `ignored`.",
        ]
    if connector.ping is not None:
        lines += [
            "",
            f"**Ping**: {connector.title} checks the URL when the webhook is saved with an unsigned, form-encoded "
            "`webhook_id=<id>`; it is answered 200 `ignored`. No other body may be form-encoded.",
        ]
    else:
        lines += ["", "The body must be JSON (`Content-Type: application/json`); anything else is refused with 415."]
    lines += [
        "",
        "The order is queued on the async lane (202, `Location: /api/orders/{reference}`); a repeat is answered "
        "200 `duplicate`, a test, cancelled or not imported order 200 `ignored`. See docs/shops.md.",
    ]
    return "\n".join(lines)


def _operation_for(template: dict[str, Any], connector: ShopConnector) -> dict[str, Any]:
    operation = copy.deepcopy(template)
    operation["operationId"] = f"{template.get('operationId', 'shop_webhook')}_{connector.kind}"
    operation["summary"] = f"{connector.title}'s order webhook, signed with the shop's secret"
    operation["description"] = signature_howto(connector)
    parameters = [p for p in operation.get("parameters", []) if p.get("in") == "path" and p.get("name") == "client"]
    parameters.append(
        {
            "name": connector.signature.header,
            "in": "header",
            # Only a ping goes unsigned; without the header every other call is refused (401).
            "required": connector.ping is None,
            "schema": {"type": "string"},
            "description": f"HMAC-SHA256 of the raw body with `shop.secret`, {connector.signature.encoding}",
        }
    )
    if connector.topics is not None:
        parameters.append(
            {
                "name": connector.topics.header,
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "example": sorted(connector.topics.orders)[0],
                "description": "The event; those carrying an order: " + ", ".join(sorted(connector.topics.orders)),
            }
        )
    operation["parameters"] = parameters
    content: dict[str, Any] = {"application/json": {"schema": _BODY_SCHEMA}}
    example = SHOP_EXAMPLES.get(connector.kind)
    if example is not None:
        content["application/json"]["examples"] = {connector.kind: copy.deepcopy(example)}
    if connector.ping is not None:
        content["application/x-www-form-urlencoded"] = {
            "schema": _PING_FORM,
            "examples": {"ping": {"summary": "The ping on saving the webhook", "value": {"webhook_id": "5"}}},
        }
    operation["requestBody"] = {
        "required": True,
        "description": f"The {connector.title} webhook's body as the shop sends it, read as raw bytes",
        "content": content,
    }
    return operation


def describe_shop_webhooks(document: dict[str, Any]) -> None:
    """Replace the templated shop path with one path per registered shop (changed in place)."""
    paths = document.get("paths", {})
    item = paths.pop(SHOP_PATH, None)
    if item is None:
        return
    for connector in CONNECTORS.values():
        paths[shop_path(connector.kind)] = {
            method: _operation_for(operation, connector) for method, operation in item.items()
        }
