"""A fake WooCommerce REST API v3, written from https://woocommerce.github.io/woocommerce-rest-api-docs/.

Sections followed: "Authentication" (over https: the consumer key and secret as HTTP basic auth;
over http: OAuth 1.0a one-legged — `oauth_consumer_key`, `oauth_timestamp`, `oauth_nonce`,
`oauth_signature_method` HMAC-SHA1 or HMAC-SHA256 and `oauth_signature` in the query, the signature
over METHOD & encoded base URL & the encoded, sorted parameters, keyed with the consumer secret and
`&`; a nonce is used once; a timestamp older than 15 minutes is refused; errors answered 401
`woocommerce_rest_authentication_error`), "Orders" (retrieve `GET /orders/{id}`, list `GET /orders`,
update `PUT /orders/{id}`; a status outside the documented list is 400 `rest_invalid_param` — the
list is the shop's registered statuses, so a plugin's own status is added to `statuses` (assumed:
WooCommerce builds the enum from `wc_get_order_statuses()`, which plugins extend); an unknown id 404
`woocommerce_rest_shop_order_invalid_id`), and "Order notes" (list `GET /orders/{id}/notes` with `type`
any/customer/internal, create `POST /orders/{id}/notes` with `note` (required) and `customer_note`,
answered 201; a customer note e-mails the buyer).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import Faults

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")
PREFIX = "/wp-json/wc/v3"


def _error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status)


def _encode(value: str) -> str:
    return quote(value, safe="-._~")


class FakeWooCommerce:
    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.orders: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.emails: list[tuple[int, str]] = []  # (order id, note) of every customer note: the buyer's e-mails
        self.faults = Faults()
        self.statuses = list(STATUSES)
        self._nonces: set[str] = set()
        self._next_note = 100
        self.app = Starlette(
            routes=[
                Route(f"{PREFIX}/orders", self._list, methods=["GET"]),
                Route(f"{PREFIX}/orders/{{order_id:int}}", self._order, methods=["GET", "PUT"]),
                Route(f"{PREFIX}/orders/{{order_id:int}}/notes", self._notes, methods=["GET", "POST"]),
            ]
        )

    def add_order(self, order_id: int, status: str = "processing") -> None:
        self.orders[order_id] = {"id": order_id, "status": status, "number": str(order_id)}
        self.notes[order_id] = []

    def customer_notes(self, order_id: int) -> list[str]:
        return [n["note"] for n in self.notes.get(order_id, []) if n["customer_note"]]

    # -- authentication ---------------------------------------------------------------------------

    def _authenticated(self, request: Request) -> JSONResponse | None:
        if request.url.scheme == "https":
            header = request.headers.get("authorization", "")
            if header.startswith("Basic "):
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                if key == self.consumer_key and secret == self.consumer_secret:
                    return None
            return _error("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
        params = dict(request.query_params)
        if "oauth_signature" not in params:
            return _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        if params.get("oauth_consumer_key") != self.consumer_key:
            return _error("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
        method = params.get("oauth_signature_method")
        algorithm = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}.get(method or "")
        if algorithm is None:
            return _error("woocommerce_rest_authentication_error", "Invalid signature method.", 401)
        if abs(time.time() - int(params.get("oauth_timestamp", "0"))) > 15 * 60:
            return _error("woocommerce_rest_authentication_error", "Invalid timestamp.", 401)
        nonce = params.get("oauth_nonce", "")
        if not nonce or nonce in self._nonces:
            return _error("woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used.", 401)
        given = params.pop("oauth_signature")
        base_url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        normalized = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
        base = "&".join((request.method, _encode(base_url), _encode(normalized)))
        expected = base64.b64encode(hmac.new(f"{self.consumer_secret}&".encode(), base.encode(), algorithm).digest())
        if not hmac.compare_digest(expected.decode(), given):
            return _error(
                "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match.", 401
            )
        self._nonces.add(nonce)
        return None

    # -- routes -------------------------------------------------------------------------------------

    async def _list(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_list)

    async def _do_list(self, request: Request, body: Any) -> Response:
        if (refused := self._authenticated(request)) is not None:
            return refused
        per_page = int(request.query_params.get("per_page", "10"))
        return JSONResponse(list(self.orders.values())[:per_page])

    async def _order(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_order)

    async def _do_order(self, request: Request, body: Any) -> Response:
        if (refused := self._authenticated(request)) is not None:
            return refused
        order = self.orders.get(int(request.path_params["order_id"]))
        if order is None:
            return _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        if request.method == "PUT":
            status = (body or {}).get("status")
            if status is not None:
                if status not in self.statuses:
                    return _error("rest_invalid_param", "Invalid parameter(s): status", 400)
                order["status"] = status
        return JSONResponse(order)

    async def _notes(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_notes)

    async def _do_notes(self, request: Request, body: Any) -> Response:
        if (refused := self._authenticated(request)) is not None:
            return refused
        order_id = int(request.path_params["order_id"])
        if order_id not in self.orders:
            return _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        notes = self.notes[order_id]
        if request.method == "GET":
            kind = request.query_params.get("type", "any")
            shown = [n for n in notes if kind == "any" or n["customer_note"] == (kind == "customer")]
            return JSONResponse(shown)
        if not isinstance(body, dict) or not body.get("note"):
            return _error("rest_missing_callback_param", "Missing parameter(s): note", 400)
        self._next_note += 1
        note = {
            "id": self._next_note,
            "author": "api",
            "note": str(body["note"]),
            "customer_note": bool(body.get("customer_note", False)),
        }
        notes.append(note)
        if note["customer_note"]:
            self.emails.append((order_id, note["note"]))
        return JSONResponse(note, 201)
