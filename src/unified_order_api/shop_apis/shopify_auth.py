"""How a Shopify app's calls are authenticated: a fixed token, or tokens of the client credentials grant.

Documentation followed (shopify.dev): "Generate access tokens for admin-created custom apps" (the Admin API
access token shown once at install, sent as `X-Shopify-Access-Token`; no new such apps since 1 January
2026) and "Using the client credentials grant" / "About client credentials" (a Dev Dashboard app
installed in a store of its own organization: `POST https://{shop}.myshopify.com/admin/oauth/access_token`,
form-encoded `grant_type=client_credentials`, `client_id`, `client_secret`, answered `{access_token, scope,
expires_in}`, a token living 24 hours). A granted token is kept until shortly before it expires, and
fetched again when Shopify refuses it (401).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from ..config import ShopifyApi
from .errors import ShopApiRefused
from .transport import send

__all__ = ["ShopifyAccess"]

SHOP = "Shopify"
RENEW_BEFORE_SECONDS = 300.0


class ShopifyAccess:
    """The token for the next call. `renewable`: a refused token is worth fetching again (granted ones)."""

    def __init__(
        self,
        credentials: ShopifyApi,
        http: httpx.AsyncClient,
        base: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        fixed = credentials.access_token
        self._fixed = fixed.get_secret_value() if fixed is not None else None
        client_id, client_secret = credentials.client_id, credentials.client_secret
        self._client = (
            (client_id.get_secret_value(), client_secret.get_secret_value())
            if client_id is not None and client_secret is not None
            else None
        )
        self._http, self._url, self._clock = http, f"{base}/admin/oauth/access_token", clock
        self._granted: tuple[str, float] | None = None  # (token, valid until on `clock`)

    @property
    def renewable(self) -> bool:
        return self._fixed is None

    async def token(self, *, renew: bool = False) -> str:
        if self._fixed is not None:
            return self._fixed
        if self._granted is not None and not renew and self._clock() < self._granted[1]:
            return self._granted[0]
        assert self._client is not None  # the settings give a token or both of these
        client_id, client_secret = self._client
        response = await send(
            self._http,
            SHOP,
            "POST",
            self._url,
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            headers={"Accept": "application/json"},
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ShopApiRefused(f"{SHOP}: the token answer holds no access_token", status=response.status_code)
        assert isinstance(body, dict)
        lifetime = float(body.get("expires_in") or 86399)
        self._granted = (token, self._clock() + max(1.0, lifetime - RENEW_BEFORE_SECONDS))
        return token
