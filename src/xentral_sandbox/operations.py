"""The operations the sandbox serves, with the response types each one declares (docs/xentral.md#transport)."""

from __future__ import annotations

import re
from dataclasses import dataclass

JSON = "application/json"
MINIMAL = "application/vnd.xentral.minimal+json"
V2_BETA = "application/vnd.xentral.default.v2-beta+json"
CSV = "text/csv"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    produces: tuple[str, ...] = (JSON,)

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", self.template) + "$")


OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/api/v1/customers", (JSON, CSV)),
    Operation("POST", "/api/v1/customers"),
    Operation("GET", "/api/v1/customers/{id}"),
    Operation("POST", "/api/v2/customers"),
    Operation("GET", "/api/v1/products", (JSON, V2_BETA, CSV, MINIMAL)),
    Operation("GET", "/api/v1/products/{id}", (JSON, V2_BETA, MINIMAL)),
    Operation("GET", "/api/v1/salesOrders", (JSON, MINIMAL)),
    Operation("GET", "/api/v1/salesOrders/{id}", (JSON, MINIMAL)),
    Operation("POST", "/api/v1/salesOrders/actions/import"),
    Operation("GET", "/api/v1/shippingMethods"),
    Operation("GET", "/api/v1/paymentMethods"),
    Operation("GET", "/api/v1/projects"),
    Operation("GET", "/api/v1/externalReferenceTargets"),
)


def find_operation(method: str, path: str) -> Operation | None:
    for op in OPERATIONS:
        if op.method == method.upper() and op.pattern.match(path):
            return op
    return None


def path_known(path: str) -> bool:
    return any(op.pattern.match(path) for op in OPERATIONS)


def negotiate(accept: str | None, produces: tuple[str, ...]) -> str | None:
    """Pick the representation for an Accept header; None means 406.

    Missing Accept, `*/*` and `application/*` give application/json. Quality values are ignored beyond q=0
    (excluded): the first acceptable entry in header order wins.
    """
    if accept is None or not accept.strip():
        return JSON
    for entry in accept.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        media = media.lower()
        if any(p.replace(" ", "").lower() in {"q=0", "q=0.0", "q=0.00", "q=0.000"} for p in params):
            continue
        if media in {"*/*", "application/*", ""}:
            return JSON
        if media in produces:
            return media
        if media == "text/*" and CSV in produces:
            return CSV
    return None
