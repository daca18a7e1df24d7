"""POST /api/shops/{client}/{kind}: a shop's own order webhook, no plugin (docs/shops.md).

The intake (`shops/intake.py`) does the work; this router hands it the arrival and answers: 202 with
the queued order, 200 for a duplicate or nothing to import, problem+json for a refusal.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..alerts import AlertKind
from ..inbox.masking import received_body
from ..shops import CONNECTORS, Arrival, ShopKind
from ..shops.intake import ShopRefused
from .dependencies import container
from .problems import problem_responses
from .schemas import OrderStatusOut, ShopDeliveryOut

__all__ = ["FORM_ENCODED_PATH", "router"]

router = APIRouter(prefix="/api/shops", tags=["shops"])
# A shop's ping may be form-encoded (WooCommerce's on saving a webhook); BodyGuard lets it through to its path only.
FORM_ENCODED_PATH = re.compile(rf"^/api/shops/[^/]+/({'|'.join(k for k, c in CONNECTORS.items() if c.ping)})$")
_SHOPS = ", ".join(connector.title for connector in CONNECTORS.values())


@router.post(
    "/{client}/{kind}",
    response_model=ShopDeliveryOut,
    status_code=202,
    summary=f"A shop's own order webhook ({_SHOPS}), signed with the shop's secret",
    responses={
        200: {"model": ShopDeliveryOut, "description": "Nothing to import (with the reason), or a duplicate"},
        **problem_responses(
            400,
            401,
            404,
            413,
            415,
            422,
            examples=[
                "ArrivalNotJson",
                "ArrivalSignatureRefused",
                "ArrivalStale",
                "ShopNotConnected",
                "ShopOrderInvalid",
                "IdempotencyKeyReused",
            ],
        ),
    },
    # Documented once per shop, with its body, signature and content types: `shop_webhook_docs`.
)
async def shop_webhook(client: str, kind: ShopKind, request: Request) -> JSONResponse:
    services = container(request)
    try:
        raw = await request.body()
        arrival = Arrival.of(request.headers.items(), raw)
        received = received_body(raw, services.settings.inbox.max_body_bytes)
        answer = await services.shop_intake().receive(client, kind, arrival, received=received)
    except ShopRefused as refused:
        services.metrics.shop_webhook(kind, refused.code)
        if refused.code == "signature_invalid":
            services.alerts.raise_alert(AlertKind.SHOP_SIGNATURE_FAILURES, f"{client}/{kind}", refused.detail)
        raise  # answered by the error handlers, as every refusal is
    services.metrics.shop_webhook(kind, answer.outcome)
    order = OrderStatusOut.from_attempt(answer.attempt) if answer.attempt is not None else None
    body = ShopDeliveryOut(outcome=answer.outcome, reason=answer.reason, reference=answer.reference, order=order)
    content = body.model_dump(mode="json", exclude_none=True)
    if answer.outcome != "accepted":
        return JSONResponse(content, status_code=200)
    services.metrics.order("queued")
    location = f"/api/orders/{quote(answer.reference or '', safe='')}"
    return JSONResponse(content, status_code=202, headers={"Location": location})
