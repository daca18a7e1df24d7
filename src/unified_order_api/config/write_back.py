"""The shop write-back's settings: each shop's API credentials (a client's `shop.api`) and the job lane's section.

Credentials are optional: a shop without `api` gets nothing written back, and the console says so.
Each kind of shop has its own credential model, named by the fields its API documents; the
client's `shop.kind` decides which one applies (`rules.shop_api_fits_its_kind`). Secrets are
`SecretStr`, so no repr, log or error shows them.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from ..orders.policy import Section

__all__ = [
    "ShopApiCredentials",
    "ShopifyApi",
    "ShopwareApi",
    "WooCommerceApi",
    "WriteBackPolicy",
]


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


def _not_blank(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().strip():
        raise ValueError("must not be empty")
    return value


class WooCommerceApi(Section):
    """WooCommerce REST API v3 keys (WooCommerce → Settings → Advanced → REST API, permission Read/Write)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    url: str
    """The shop's address, e.g. https://shop.example.com (the API is under /wp-json/wc/v3). Over plain http the
    calls are signed with OAuth 1.0a, as WooCommerce requires there; over https the keys go as basic auth."""
    consumer_key: SecretStr
    """The key's consumer key (`ck_…`)."""
    consumer_secret: SecretStr
    """The key's consumer secret (`cs_…`)."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("consumer_key", "consumer_secret")
    @classmethod
    def _secrets(cls, value: SecretStr) -> SecretStr:
        return _not_blank(value)


class ShopifyApi(Section):
    """Shopify Admin GraphQL API access of an app installed in the shop (scopes: write_orders,
    write_merchant_managed_fulfillment_orders): an admin-created custom app's `access_token`, or a Dev
    Dashboard app's `client_id` and `client_secret` (Shopify's client credentials grant; since 2026 new
    custom apps are made there)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    shop_domain: str = Field(pattern=r"^(https?://)?[A-Za-z0-9.-]+(:\d+)?$")
    """The shop's myshopify domain, e.g. acme.myshopify.com (https is used; http:// only for a local test shop)."""
    access_token: SecretStr | None = None
    """An admin-created custom app's Admin API access token (`shpat_…`); or `client_id` and `client_secret`."""
    client_id: SecretStr | None = None
    """A Dev Dashboard app's client ID: tokens are fetched with the client credentials grant, renewed before they
    expire (24 hours) and when refused."""
    client_secret: SecretStr | None = None
    """That app's client secret."""
    api_version: str = Field(default="2026-10", pattern=r"^\d{4}-\d{2}$|^unstable$")
    """The Admin API version called, e.g. 2026-10 (Shopify supports each for a year; an older one is answered
    by the oldest supported)."""

    @field_validator("access_token", "client_id", "client_secret")
    @classmethod
    def _secrets(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else _not_blank(value)

    @model_validator(mode="after")
    def _one_way_in(self) -> ShopifyApi:
        pair = (self.client_id is not None, self.client_secret is not None)
        if pair[0] != pair[1]:
            raise ValueError("client_id and client_secret go together")
        if (self.access_token is not None) == pair[0]:
            raise ValueError("give access_token, or client_id and client_secret (not both)")
        return self


class ShopwareApi(Section):
    """Shopware 6 Admin API integration (Settings → System → Integrations): its access key id and secret."""

    model_config = ConfigDict(hide_input_in_errors=True)

    url: str
    """The shop's address, e.g. https://shop.example.com (the Admin API is under /api)."""
    client_id: SecretStr
    """The integration's access key id (`SWIA…`)."""
    client_secret: SecretStr
    """The integration's secret access key."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("client_id", "client_secret")
    @classmethod
    def _secrets(cls, value: SecretStr) -> SecretStr:
        return _not_blank(value)


ShopApiCredentials = WooCommerceApi | ShopifyApi | ShopwareApi
"""A shop's write-back credentials; which one is the shop's kind's (`rules.shop_api_fits_its_kind`)."""


class WriteBackPolicy(Section):
    """The write-back lane: lifecycle changes of shop orders turned into durable jobs, run against the shops' APIs."""

    run_in_service: bool = True
    """Run the write-back worker inside `serve` (safe in several processes: each job is claimed under a lease)."""
    poll_seconds: float = Field(default=5.0, gt=0)
    """How often the worker reads new lifecycle changes and looks for due jobs."""
    batch_size: int = Field(default=20, ge=1, le=200)
    """Jobs claimed at once."""
    lease_seconds: float = Field(default=120.0, gt=0)
    """How long a claimed job is its worker's; a job whose worker died is taken again after it."""
    timeout_seconds: float = Field(default=20.0, gt=0)
    """One call to a shop's API may take this long."""
    backoff_seconds: float = Field(default=30.0, gt=0)
    """The wait after a job's first failed attempt; it doubles with each attempt, up to `backoff_cap_seconds`."""
    backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    """The longest wait between attempts (a shop's `Retry-After` may ask for longer: it is honoured)."""
    give_up_hours: float = Field(default=120.0, gt=0)
    """A job still failing this long after it was queued is dead (shown in the console, redeliverable there); five
    days as Xentral's own connectors."""
