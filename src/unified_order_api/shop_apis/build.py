"""The adapter of a client's `shop.api` credentials: one `ShopApi` per shop, each with its own httpx client."""

from __future__ import annotations

import httpx

from ..config import ShopifyApi, ShopSettings, ShopwareApi, WooCommerceApi
from .port import ShopApi
from .shopify import ShopifyShopApi
from .shopware import ShopwareShopApi
from .woocommerce import WooCommerceShopApi

__all__ = ["shop_api"]


def shop_api(
    shop: ShopSettings, *, timeout_seconds: float, transport: httpx.AsyncBaseTransport | None = None
) -> ShopApi | None:
    """The shop's API adapter, None when the shop has no `api` credentials (nothing is written back)."""
    credentials = shop.api
    if credentials is None:
        return None
    http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), transport=transport, follow_redirects=False)
    if isinstance(credentials, WooCommerceApi):
        return WooCommerceShopApi(credentials, http, completed_status=shop.completed_status)
    if isinstance(credentials, ShopifyApi):
        return ShopifyShopApi(credentials, http, notify_customer=shop.notify_customer)
    if isinstance(credentials, ShopwareApi):
        return ShopwareShopApi(credentials, http, shipped_order_transition=shop.shipped_order_transition)
    raise TypeError(f"no adapter for {type(credentials).__name__}")
