"""The HTTP edge's own refusals: what is wrong with a request before (or beside) the order service.

Routers, dependencies and middleware raise these (a shop's arrival is refused by the intake's
`ShopRefused`); `error_handlers` gives each its status (from the one table) and builds the
problem+json answer. Each class has one `code` and one `title`; every
code is described in docs/errors.md and at its problem `type` URI (`/problems/{code}`).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BodyTooLarge",
    "BodyTooSlow",
    "DeliveryNotFound",
    "InternalError",
    "MalformedRequest",
    "MethodNotAllowed",
    "NotFound",
    "OrderNotFound",
    "RequestInvalid",
    "RequestRefused",
    "Unauthenticated",
    "UnsupportedMediaType",
]


class RequestRefused(Exception):
    """Base of the edge's refusals; never raised itself (it has no code).

    `errors` are the field problems (`{"pointer", "code", "detail"}`) when the request has some, and
    `headers` what the answer must carry besides (`WWW-Authenticate`, `Allow`, `Connection`).
    """

    code: ClassVar[str]
    title: ClassVar[str]

    def __init__(
        self, detail: str, *, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


class MalformedRequest(RequestRefused):
    """The body is not JSON (or not a JSON object where one is required)."""

    code = "invalid_json"
    title = "Malformed request"


class RequestInvalid(RequestRefused):
    """The body is JSON but breaks the request schema; `errors` lists every problem at once."""

    code = "request_invalid"
    title = "The request is invalid"


class Unauthenticated(RequestRefused):
    """No key, or a key no client has."""

    code = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class NotFound(RequestRefused):
    """No route (or no connected shop) at this address."""

    code = "not_found"
    title = "Not found"


class OrderNotFound(NotFound):
    """This client sent no order with the reference asked for."""

    code = "order_not_found"
    title = "Order not found"


class DeliveryNotFound(NotFound):
    """No outbound webhook delivery has the event id asked for."""

    code = "delivery_not_found"
    title = "Delivery not found"


class MethodNotAllowed(RequestRefused):
    code = "method_not_allowed"
    title = "Method not allowed"


class BodyTooSlow(RequestRefused):
    """The body did not arrive at the minimum rate, so the connection is not held for ever."""

    code = "request_timeout"
    title = "Request body too slow"


class BodyTooLarge(RequestRefused):
    code = "body_too_large"
    title = "Request body too large"


class UnsupportedMediaType(RequestRefused):
    code = "unsupported_media_type"
    title = "Unsupported media type"


class InternalError(RequestRefused):
    """Anything unforeseen: its cause is logged with the request id, never shown to the caller."""

    code = "internal_error"
    title = "Internal error"
