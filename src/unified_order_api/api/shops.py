"""POST /api/shops/{client}/{woocommerce|shopify|shopware}: a shop's own order webhook, no plugin.

Checks the shop's signature over the raw body, lets the shop's connector translate the order into
our public request, validates it exactly as `POST /api/orders` does and queues the same command on
the async lane (the shop gets its 2xx at once; Shopify gives up after 5 s). Retries are deduplicated
by reference through the order flow's idempotency, and by the shop's delivery id where it sends one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..config import ApiClient, ShopSettings
from ..orders.attempts import AttemptState
from ..orders.errors import FieldProblem, IdempotencyKeyReused
from ..shops import (
    Answered,
    DeliveryMemory,
    Ignored,
    NativeOrderInvalid,
    SignatureRejected,
    Translated,
    check_fresh,
    native_pointer,
    shopify,
    shopware,
    verify_hmac_sha256,
    woocommerce,
)
from .dependencies import container
from .error_handlers import field_error
from .problems import problem_response, problem_responses, request_id_of
from .schemas import OrderRequest, OrderStatusOut, ShopDeliveryOut, cross_field_problems

__all__ = ["FORM_ENCODED_PATH", "router"]

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/shops", tags=["shops"])

ShopKind = Literal["woocommerce", "shopify", "shopware"]
# WooCommerce's ping on saving a webhook is form-encoded; BodyGuard lets it through to this path only.
FORM_ENCODED_PATH = re.compile(r"^/api/shops/[^/]+/woocommerce$")
_PING = re.compile(rb"^webhook_id=\d+$")
# Topics whose body is an order; anything else a shop is subscribed to is answered 200 and ignored.
_ORDER_TOPICS = {
    "woocommerce": {"order.created", "order.updated", "order.restored"},
    "shopify": {"orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/partially_fulfilled"},
}
_TOPIC_HEADER = {"woocommerce": "x-wc-webhook-topic", "shopify": "x-shopify-topic"}
_SIGNATURE = {
    "woocommerce": (woocommerce.HEADER, "base64"),
    "shopify": (shopify.HEADER, "base64"),
    "shopware": (shopware.HEADER, "hex"),
}
_TRANSLATE: dict[str, Callable[[dict[str, Any], ShopSettings], Translated | Ignored]] = {
    "woocommerce": woocommerce.translate,
    "shopify": shopify.translate,
    "shopware": shopware.translate,
}


class _Refused(Exception):
    def __init__(self, status: int, code: str, title: str, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.status, self.code, self.title, self.detail, self.errors = status, code, title, detail, errors


@router.post(
    "/{client}/{kind}",
    response_model=ShopDeliveryOut,
    status_code=202,
    summary="A shop's own order webhook (WooCommerce, Shopify, Shopware 6 app), signed with the shop's secret",
    responses={
        200: {"model": ShopDeliveryOut, "description": "Nothing to import (with the reason), or a duplicate"},
        **problem_responses(400, 401, 404, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The shop's own webhook body, signed by the shop (docs/shops.md); read as raw bytes",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"webhook_id": {"type": "string"}}},
                    "example": {"webhook_id": "5"},
                },
            },
        },
        "parameters": [
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": text}
            for name, text in (
                ("X-WC-Webhook-Signature", "WooCommerce: base64 HMAC-SHA256 of the body"),
                ("X-Shopify-Hmac-Sha256", "Shopify: base64 HMAC-SHA256 of the body"),
                ("shopware-shop-signature", "Shopware 6: hex HMAC-SHA256 of the body"),
            )
        ],
    },
)
async def shop_webhook(client: str, kind: ShopKind, request: Request) -> JSONResponse:
    metrics = container(request).metrics
    try:
        answer = await _receive(client, kind, request)
    except _Refused as refused:
        metrics.shop_webhook(kind, refused.code)
        return problem_response(
            refused.status,
            refused.code,
            refused.title,
            refused.detail,
            errors=refused.errors,
            instance=request.url.path,
            request_id=request_id_of(request),
        )
    metrics.shop_webhook(kind, answer.body.outcome)
    return answer.response()


async def _receive(client_name: str, kind: ShopKind, request: Request) -> _Answer:
    client = _client(request, client_name, kind)
    assert client.shop is not None
    structlog.contextvars.bind_contextvars(client=client.name, shop=kind)
    raw = await request.body()
    if kind == "woocommerce" and _is_ping(request, raw):
        return _answer(200, ShopDeliveryOut(outcome="ignored", reason="WooCommerce ping: the webhook is reachable"))
    header, encoding = _SIGNATURE[kind]
    try:
        verify_hmac_sha256(
            raw,
            request.headers.get(header),
            client.shop.secret.get_secret_value(),
            header=header,
            encoding="hex" if encoding == "hex" else "base64",
        )
    except SignatureRejected as error:
        log.warning("shop.signature_rejected", reason=str(error))
        raise _Refused(401, "signature_invalid", "The shop's signature is missing or wrong", str(error)) from None
    payload = _json_object(raw)
    if kind == "shopware":
        try:
            check_fresh(payload.get("timestamp"), now=time.time(), max_age_seconds=client.shop.max_age_seconds)
        except SignatureRejected as error:
            log.warning("shop.stale_webhook", reason=str(error))
            raise _Refused(401, "webhook_stale", "The webhook is too old", str(error)) from None

    memory = DeliveryMemory(container(request).cache)
    delivery = shopware.delivery_id(payload) if kind == "shopware" else _delivery_header(kind, request)
    if delivery and (answered := await memory.recall(client.name, kind, delivery)) is not None:
        if answered.reference is None:
            return _answer(200, ShopDeliveryOut(outcome="ignored", reason=answered.reason))
        reason = f"Delivery '{delivery}' was answered before"
        return await _duplicate(request, client, answered.reference, reason)

    result = _translate(kind, request, payload, client.shop)
    if isinstance(result, Ignored):
        log.info("shop.webhook_ignored", reason=result.reason)
        if delivery:
            await memory.remember(client.name, kind, delivery, Answered(reason=result.reason))
        return _answer(200, ShopDeliveryOut(outcome="ignored", reason=result.reason))

    order = _validated(result)
    command = order.to_command()
    structlog.contextvars.bind_contextvars(reference=command.reference)
    service = container(request).orders
    # An order we hold (not a failed one, which a resend retries) makes this delivery a duplicate.
    earlier = await service.order_status(client=client.name, reference=command.reference)
    try:
        # No key of its own: the order's reference is what the shop's retries are deduplicated by.
        accepted = await service.accept_order(command, client=client.name)
    except IdempotencyKeyReused:
        reason = f"Order '{command.reference}' was received before; later changes to it are not imported"
        log.info("shop.webhook_ignored", reason=reason)
        return await _duplicate(request, client, command.reference, reason)
    if delivery:
        await memory.remember(client.name, kind, delivery, Answered(reference=command.reference))
    if accepted.outcome is not None or (earlier is not None and earlier.state != AttemptState.FAILED):
        return await _duplicate(request, client, command.reference, f"Order '{command.reference}' was received before")
    status = OrderStatusOut.from_attempt(accepted.attempt)
    container(request).metrics.order("queued")
    body = ShopDeliveryOut(outcome="accepted", reference=command.reference, order=status)
    return _answer(202, body, location=f"/api/orders/{quote(command.reference, safe='')}")


def _client(request: Request, name: str, kind: str) -> ApiClient:
    """The client whose shop this is; any other path is 404, so the URL tells nothing about who exists."""
    for client in container(request).settings.clients:
        if client.name == name and client.shop is not None and client.shop.kind == kind:
            return client
    raise _Refused(404, "not_found", "Not found", f"No {kind} shop is connected at this address")


def _is_ping(request: Request, raw: bytes) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/x-www-form-urlencoded" and _PING.match(raw.strip()) is not None


def _delivery_header(kind: str, request: Request) -> str | None:
    headers = {name.lower(): value for name, value in request.headers.items()}
    return woocommerce.delivery_id(headers) if kind == "woocommerce" else shopify.delivery_id(headers)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise _Refused(400, "invalid_json", "Malformed request", f"The body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise _Refused(400, "invalid_json", "Malformed request", "The body is not a JSON object")
    return payload


def _translate(kind: ShopKind, request: Request, payload: dict[str, Any], shop: ShopSettings) -> Translated | Ignored:
    topic_header = _TOPIC_HEADER.get(kind)
    topic = request.headers.get(topic_header) if topic_header else None
    if topic is not None and topic not in _ORDER_TOPICS[kind]:
        return Ignored(f"Topic '{topic}' creates no order")
    try:
        return _TRANSLATE[kind](payload, shop)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as error:
        # A signed body of a shape the shop does not send (an object where a list belongs…).
        log.warning("shop.unexpected_shape", error=type(error).__name__)
        raise _Refused(
            422, "request_invalid", "The shop's order is invalid", "The body does not have the shape of a shop order"
        ) from None
    except NativeOrderInvalid as invalid:
        raise _Refused(
            422,
            "request_invalid",
            "The shop's order is invalid",
            str(invalid),
            errors=[problem.to_json() for problem in invalid.problems],
        ) from None


def _validated(result: Translated) -> OrderRequest:
    """Our request model checks the translated order as it checks `POST /api/orders` (with the rules
    across fields); every problem is reported with a pointer into the shop's own JSON."""
    order: OrderRequest | None = None
    errors: list[dict[str, str]] = []
    try:
        order = OrderRequest.model_validate(result.body)
    except ValidationError as error:
        errors = [field_error(dict(e)) for e in error.errors()]
    seen = {e["pointer"] for e in errors}
    errors += [p.to_json() for p in cross_field_problems(result.body) if p.pointer not in seen]
    if order is None or errors:
        native = [
            FieldProblem(native_pointer(e["pointer"], result.origins), e["code"], e["detail"]).to_json() for e in errors
        ]
        detail = "; ".join(f"{e['pointer']}: {e['detail']}" for e in native)
        raise _Refused(422, "request_invalid", "The shop's order is invalid", detail, errors=native)
    return order


async def _duplicate(request: Request, client: ApiClient, reference: str, reason: str) -> _Answer:
    """The same answer for an order we have: its current state, and nothing created again."""
    attempt = await container(request).orders.order_status(client=client.name, reference=reference)
    status = OrderStatusOut.from_attempt(attempt) if attempt is not None else None
    return _answer(200, ShopDeliveryOut(outcome="duplicate", reason=reason, reference=reference, order=status))


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: ShopDeliveryOut
    location: str | None = None

    def response(self) -> JSONResponse:
        headers = {"Location": self.location} if self.location else None
        return JSONResponse(
            self.body.model_dump(mode="json", exclude_none=True), status_code=self.status, headers=headers
        )


def _answer(status: int, body: ShopDeliveryOut, *, location: str | None = None) -> _Answer:
    return _Answer(status, body, location)
