"""The token scopes this service needs in Xentral, and the harmless read that shows each read scope is there.

Xentral's personal access tokens are scoped per resource group and action (`salesOrder:create`,
`customer:create`, …). A token without a scope is refused (400 `#token-scopes`, or 401/403) on the first
order that needs it; `check-config` asks each read scope once with a one-item list. A create scope cannot
be asked without writing, so it is listed but not probed (docs/xentral.md#errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["NEEDED_SCOPES", "NeededScope"]


@dataclass(frozen=True, slots=True)
class NeededScope:
    scope: str
    used_for: str
    probed: bool  # a read: asked by check-config with a one-item list


NEEDED_SCOPES: Final = (
    NeededScope("customer:read", "customer search and view (GET /api/v2/customers, its addresses)", True),
    NeededScope("customer:create", "new customers and their addresses (POST /api/v2/customers, …/addresses)", False),
    NeededScope("product:read", "SKU lookup and the configured products (GET /api/v2/products)", True),
    NeededScope("salesOrder:read", "duplicate check and read-back (GET /api/v1/salesOrders)", True),
    NeededScope("salesOrder:create", "the import (POST /api/v1/salesOrders/actions/import)", False),
    NeededScope("project:read", "projects (GET /api/v1/projects)", True),
    NeededScope("shippingMethod:read", "shipping methods (GET /api/v1/shippingMethods)", True),
    NeededScope("paymentMethod:read", "payment methods (GET /api/v1/paymentMethods)", True),
    NeededScope("salesChannel:read", "sales channels (GET /api/v2/salesChannels)", True),
)
"""Every scope an order (or the configuration check) needs, in the order docs/xentral.md lists them."""
