"""The operations the sandbox serves, with the success types the spec declares for each (docs/xentral.md#transport).

Every create (v2 customers and addresses, the sales order import) declares its 201 as an empty `text/html` body,
not JSON; the spec declares 406 for an `Accept` none of an operation's representations satisfies. The
sandbox negotiates that way, so a client sending `Accept: application/json` to the import gets 406 here
as from a server that follows the spec (tests/contract/test_sandbox_contract.py checks the table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

JSON = "application/json"
HTML = "text/html"
MINIMAL = "application/vnd.xentral.minimal+json"
V2_BETA = "application/vnd.xentral.default.v2-beta+json"
CSV = "text/csv"
PDF = "application/pdf"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    produces: tuple[str, ...] = (JSON,)  # the 2xx content types, in the server's order of preference
    scope: str = ""  # the token scope the operation needs (tokens.py)
    # Whether the spec's 400 for this operation includes the `#token-scopes` problem (tokens.py).
    declares_scope_problem: bool = True
    deprecated: bool = False  # `deprecated: true` in the spec: answered with Deprecation and Sunset headers
    consumes: tuple[str, ...] = (JSON,)  # the request body types a POST or PATCH may send

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", self.template) + "$")


# The operations of the Xentral 2026 spec the sandbox serves (tests/contract/test_sandbox_contract.py checks
# the table against the spec: types, scope problem, deprecation).
OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/api/v2/customers", scope="customer:read"),
    Operation("POST", "/api/v2/customers", (HTML,), scope="customer:create"),
    Operation("GET", "/api/v2/customers/{id}", scope="customer:read"),
    Operation("GET", "/api/v2/customers/{customerId}/addresses", scope="customer:read"),
    Operation("POST", "/api/v2/customers/{customerId}/addresses", (HTML,), scope="customer:create"),
    Operation("GET", "/api/v2/products", scope="product:read"),
    Operation("GET", "/api/v2/products/{id}", (JSON, MINIMAL), scope="product:read"),
    Operation("GET", "/api/v1/products", (JSON, CSV, MINIMAL), scope="product:read", deprecated=True),
    Operation("GET", "/api/v1/products/{id}", (JSON, V2_BETA, MINIMAL), scope="product:read", deprecated=True),
    Operation("GET", "/api/v1/salesOrders", (JSON, MINIMAL), scope="salesOrder:read", declares_scope_problem=False),
    Operation(
        "GET", "/api/v1/salesOrders/{id}", (JSON, MINIMAL, PDF), scope="salesOrder:read", declares_scope_problem=False
    ),
    Operation("POST", "/api/v1/salesOrders/actions/import", (HTML,), scope="salesOrder:create"),
    # 204 without a body; the body is optional JSON or form-encoded. Assumption: the scope is the v3 action's
    # `salesOrder:cancel` (the v1 operation names none); the spec declares no 400 for it.
    Operation(
        "POST",
        "/api/v1/salesOrders/{id}/actions/cancel",
        (),
        scope="salesOrder:cancel",
        declares_scope_problem=False,
        consumes=(JSON, FORM),
    ),
    # After the import (deliveries.py); assumption: the scopes are named after the resources.
    Operation("GET", "/api/v1/deliveries", scope="delivery:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/shipments/{id}", scope="delivery:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/deliveryNotes", scope="deliveryNote:read"),
    Operation(
        "GET", "/api/v1/deliveryNotes/{id}", (JSON, PDF), scope="deliveryNote:read", declares_scope_problem=False
    ),
    Operation("GET", "/api/v1/deliveryNotes/{id}/shipments", scope="deliveryNote:read"),
    Operation("GET", "/api/v2/salesChannels", scope="salesChannel:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/shippingMethods", scope="shippingMethod:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/paymentMethods", scope="paymentMethod:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/projects", scope="project:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/externalReferenceTargets", scope="externalReferenceTarget:read"),
    # Webhook subscriptions (webhooks.py); update and delete answer 204 with no body, so declare no type.
    Operation("POST", "/api/v1/webhooks", (HTML,), scope="webhook:create"),
    Operation("GET", "/api/v1/webhooks", scope="webhook:read", declares_scope_problem=False),
    Operation("GET", "/api/v1/webhooks/{id}", scope="webhook:read"),
    Operation("PATCH", "/api/v1/webhooks/{id}", (), scope="webhook:update"),
    Operation("DELETE", "/api/v1/webhooks/{id}", (), scope="webhook:delete", declares_scope_problem=False),
    Operation("GET", "/api/v1/webhookEventTypes", scope="webhook:read", declares_scope_problem=False),
)


def find_operation(method: str, path: str, operations: tuple[Operation, ...] = OPERATIONS) -> Operation | None:
    for op in operations:
        if op.method == method.upper() and op.pattern.match(path):
            return op
    return None


def path_known(path: str, operations: tuple[Operation, ...] = OPERATIONS) -> bool:
    return any(op.pattern.match(path) for op in operations)


def negotiate(accept: str | None, produces: tuple[str, ...]) -> str | None:
    """The representation to answer with for an `Accept` header; None means 406.

    RFC 9110 §12.5.1: each declared type gets the q of the most specific range matching it (`type/sub`
    over `type/*` over `*/*`); q=0 excludes. The highest q wins, ties go to the order of `produces`
    (JSON first). A missing or empty Accept admits anything: the first declared type.
    """
    if not produces:
        return ""  # an answer without a body (204) satisfies any Accept
    if accept is None or not accept.strip():
        return produces[0]
    ranges = _media_ranges(accept)
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for preference, media in enumerate(produces):
        q = _quality(ranges, media)
        if q > 0 and (best is None or (q, -preference) > best):
            best, chosen = (q, -preference), media
    return chosen


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for entry in accept.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0  # an unreadable weight excludes the range rather than guessing
        ranges.append((media.lower(), q))
    return ranges


def _quality(ranges: list[tuple[str, float]], media: str) -> float:
    kind = media.split("/")[0]
    best: tuple[int, float] = (0, 0.0)
    for candidate, q in ranges:
        specificity = 3 if candidate == media else 2 if candidate == f"{kind}/*" else 1 if candidate == "*/*" else 0
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]
