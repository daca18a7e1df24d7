"""The `Accept` header of each Xentral operation, derived from the response types the spec declares.

The spec declares 406 for an `Accept` no representation satisfies, and it declares the 201 of every
create (`POST /api/v2/customers`, its addresses, `/api/v1/salesOrders/actions/import`) as an
empty `text/html` body, not JSON. A server negotiating as the spec says would refuse every import sent
with a bare `Accept: application/json`. So each operation gets an `Accept` that admits:

- `application/json` first: the success of every read, and what Xentral's documentation tells clients
  to send (docs/xentral.md#transport), so a server that only checks for it is satisfied too;
- `application/problem+json` where the operation declares problem bodies (400, 409), so a strict
  server can still tell us what was wrong;
- `text/html;q=0.5` where the operation declares it: the empty 201 of a create, the 401 `Unauthorized`.
  Lower than JSON, so a server with both picks JSON.

Vendor variants (`…minimal+json`, `…v2-beta+json`) and `text/csv` are never admitted: we read none.
`DECLARED` copies the spec's types per operation; `tests/contract/test_client_accept.py` checks it
(and every request's `Accept`) against the spec itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["DECLARED", "HTML", "JSON", "PROBLEM_JSON", "Declared", "accept_for"]

JSON: Final = "application/json"
PROBLEM_JSON: Final = "application/problem+json"
HTML: Final = "text/html"
_MINIMAL: Final = "application/vnd.xentral.minimal+json"
_PDF: Final = "application/pdf"


@dataclass(frozen=True, slots=True)
class Declared:
    """The content types the spec declares for one operation's success and error answers."""

    success: tuple[str, ...]
    errors: tuple[str, ...] = ()

    @property
    def all(self) -> frozenset[str]:
        return frozenset(self.success + self.errors)


_READ_ERRORS = (PROBLEM_JSON, HTML)  # 400 problem+json, 401 text/html
# The 2026 v2 operations: 400 problem+json, 401 JSON (`{"message": "Missing required scopes: …"}`) or text/html.
_V2_ERRORS = (PROBLEM_JSON, JSON, HTML)

DECLARED: Final[Mapping[str, Declared]] = MappingProxyType(
    {
        "list_products": Declared((JSON,), _V2_ERRORS),
        "get_product": Declared((JSON, _MINIMAL), _V2_ERRORS),
        "list_customers": Declared((JSON,), _V2_ERRORS),
        "get_customer": Declared((JSON,), _V2_ERRORS),
        "create_customer": Declared((HTML,), _V2_ERRORS),  # its 409 is problem+json as well
        "list_customer_addresses": Declared((JSON,), _V2_ERRORS),
        "create_customer_address": Declared((HTML,), _V2_ERRORS),
        "list_sales_orders": Declared((JSON, _MINIMAL)),
        "get_sales_order": Declared((JSON, _MINIMAL, _PDF), (JSON, HTML)),  # 401: JSON message or text/html
        "import_sales_order": Declared((HTML,), (PROBLEM_JSON,)),
        "cancel_sales_order": Declared((), (JSON, HTML, PROBLEM_JSON)),  # 204; 401 JSON or text/html, 409 problem
        "list_shipping_methods": Declared((JSON,), (JSON, HTML)),
        "list_payment_methods": Declared((JSON,), (JSON, HTML)),
        "list_projects": Declared((JSON,)),
        "list_sales_channels": Declared((JSON,), (JSON, HTML)),
        "list_deliveries": Declared((JSON,), (JSON, HTML)),
        "list_delivery_notes": Declared((JSON,), _V2_ERRORS),
        "list_webhooks": Declared((JSON,), (JSON, HTML)),
        "create_webhook": Declared((HTML,), (PROBLEM_JSON, JSON, HTML)),
        "update_webhook": Declared((), (PROBLEM_JSON, JSON, HTML)),  # 204, no body
        "delete_webhook": Declared((), (JSON, HTML)),  # 204, no body
        "list_webhook_event_types": Declared((JSON,), (JSON, HTML)),
        "get_delivery_note": Declared((JSON, _PDF), (JSON, HTML)),
    }
)


def accept_for(operation: str) -> str:
    """The `Accept` value for `operation` (a `XentralClient` operation name)."""
    declared = DECLARED.get(operation)
    if declared is None:
        raise KeyError(f"no declared response types for Xentral operation {operation!r}")
    types = declared.all
    parts = [JSON]
    if PROBLEM_JSON in types:
        parts.append(PROBLEM_JSON)
    if HTML in types:
        parts.append(f"{HTML};q=0.5")
    return ", ".join(parts)
