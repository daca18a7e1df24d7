"""WooCommerce REST API v3: tracking as a customer note, the status `completed` once all has shipped.

Documentation followed: https://woocommerce.github.io/woocommerce-rest-api-docs/ — "Authentication"
(over https the consumer key and secret as HTTP basic auth; over plain http, OAuth 1.0a "one-legged",
the request signed with HMAC-SHA256 and the consumer secret followed by `&` as key, its parameters in
the query), "Order notes" (`GET`/`POST /orders/{id}/notes`, `customer_note: true` e-mails the buyer)
and "Orders" (`GET`/`PUT /orders/{id}` with `status`).

Idempotent by looking first: a note is added only when no note of the order has the same text, the
status is set only when the order has another one. A lost answer to the note's POST is seen by the
next try's read, so the buyer gets one e-mail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from ..config import WooCommerceApi
from ..lifecycle import Shipment
from .errors import ShopApiRefused
from .port import ApiCheck, ShopOrderRef, WriteMark
from .transport import send

__all__ = ["WooCommerceShopApi", "oauth_query", "tracking_note"]

SHOP = "WooCommerce"
NEVER_MOVED_FROM = frozenset({"cancelled", "refunded", "failed", "trash"})


def _encoded(value: str) -> str:
    return quote(value, safe="-._~")


def oauth_query(
    method: str,
    url: str,
    params: dict[str, str],
    consumer_key: str,
    consumer_secret: str,
    *,
    now: Callable[[], float] = time.time,
    nonce: Callable[[], str] = lambda: secrets.token_hex(16),
) -> dict[str, str]:
    """`params` with the OAuth 1.0a one-legged parameters and signature WooCommerce checks over plain http."""
    signed = {
        **params,
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce(),
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(int(now())),
    }
    normalized = "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in sorted(signed.items()))
    base = "&".join((method.upper(), _encoded(url), _encoded(normalized)))
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return {**signed, "oauth_signature": base64.b64encode(digest).decode()}


def tracking_note(shipment: Shipment) -> str:
    """The buyer's note for one parcel: carrier, tracking number and link, as far as Xentral knows them."""
    carrier = f" with {shipment.carrier}" if shipment.carrier else ""
    text = f"Your order has shipped{carrier}."
    if shipment.tracking_number:
        text += f" Tracking number: {shipment.tracking_number}."
    if shipment.tracking_url:
        text += f" Track it here: {shipment.tracking_url}"
    return text


class WooCommerceShopApi:
    """One WooCommerce shop's REST API v3, with the client's `shop.api` keys."""

    def __init__(self, credentials: WooCommerceApi, http: httpx.AsyncClient, *, completed_status: str) -> None:
        self._base = f"{credentials.url}/wp-json/wc/v3"
        self._key = credentials.consumer_key.get_secret_value()
        self._secret = credentials.consumer_secret.get_secret_value()
        self._http, self._completed = http, completed_status
        self._signed = credentials.url.startswith("http://")

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
        url = f"{self._base}{path}"
        query = dict(params or {})
        auth: httpx.BasicAuth | None = None
        if self._signed:
            query = oauth_query(method, url, query, self._key, self._secret)
        else:
            auth = httpx.BasicAuth(self._key, self._secret)
        response = await send(self._http, SHOP, method, url, params=query, auth=auth, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ShopApiRefused(
                f"{SHOP} {method} {path}: the answer is not JSON", status=response.status_code
            ) from None

    async def check(self) -> ApiCheck:
        await self._call("GET", "/orders", params={"per_page": "1"})
        return ApiCheck(shop=SHOP, permissions=("orders: read",))

    async def _note_once(self, order: ShopOrderRef, text: str, *, customer: bool) -> bool:
        path = f"/orders/{order.shop_order_id}/notes"
        notes = await self._call("GET", path, params={"type": "customer" if customer else "internal"})
        if any(isinstance(note, dict) and note.get("note") == text for note in notes or []):
            return False
        await self._call("POST", path, json={"note": text, "customer_note": customer})
        return True

    async def _status_once(self, order: ShopOrderRef, status: str) -> str:
        path = f"/orders/{order.shop_order_id}"
        current = str((await self._call("GET", path)).get("status") or "")
        if current == status or current in NEVER_MOVED_FROM:
            return current
        await self._call("PUT", path, json={"status": status})
        return status

    async def ship(
        self, order: ShopOrderRef, shipment: Shipment, *, complete: bool, mark: WriteMark | None = None
    ) -> str:
        added = await self._note_once(order, tracking_note(shipment), customer=True)
        said = "customer note added" if added else "customer note was there already"
        if complete:
            said += f"; status {await self._status_once(order, self._completed)}"
        return said

    async def complete(self, order: ShopOrderRef) -> str:
        return f"status {await self._status_once(order, self._completed)}"

    async def note(self, order: ShopOrderRef, text: str) -> str:
        added = await self._note_once(order, text, customer=False)
        return "private note added" if added else "private note was there already"

    async def cancel(self, order: ShopOrderRef, reason: str) -> str:
        await self._note_once(order, reason, customer=False)
        return f"status {await self._status_once(order, 'cancelled')}"

    async def aclose(self) -> None:
        await self._http.aclose()
