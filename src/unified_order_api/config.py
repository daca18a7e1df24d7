"""Every knob of the service, read from `UOA_*` environment variables and an optional TOML file.

Nested settings use `__` in environment names, e.g. `UOA_DEFAULTS__PROJECT_ID=1`;
mappings and client lists are JSON there, e.g. `UOA_SHIPPING_MAP='{"dhl_standard": "4"}'`.
The file named by `UOA_CONFIG_FILE` (TOML) is read first; the environment wins over it.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .shops.registry import ShopKind, connector_for

CONFIG_FILE_ENV = "UOA_CONFIG_FILE"

SectionT = TypeVar("SectionT", bound=BaseModel)


# Statuses never imported whatever is configured (what each shop imports by default is its connector's).
NEVER_IMPORTED = frozenset({"cancelled", "canceled", "voided", "refunded", "failed", "trash"})


class ShopSettings(BaseModel):
    """A shop that sends its own order webhooks to `/api/shops/{client}/{kind}`, signed with `secret`."""

    model_config = ConfigDict(hide_input_in_errors=True)  # the input holds the secret

    kind: ShopKind
    secret: SecretStr = Field(description="The webhook secret (WooCommerce, Shopify) or shop secret (Shopware).")
    import_statuses: list[str] | None = Field(
        default=None,
        description="Order statuses that create an order (WooCommerce `status`, Shopware order state); "
        "None = the default: WooCommerce processing, Shopware open. Shopify orders have none.",
    )
    import_payment_states: list[str] | None = Field(
        default=None,
        description="Payment states that create an order (Shopify `financial_status`, Shopware transaction "
        'state), e.g. ["paid"]; None = any that is not voided, refunded or failed.',
    )
    import_test_orders: bool = Field(default=False, description="Import Shopify test orders too.")
    sku_fields: list[str] | None = Field(
        default=None,
        description="The line fields holding the SKU, first non-empty wins; None = sku (WooCommerce, Shopify), "
        'productNumber (Shopware). e.g. ["sku", "product_id"] for WooCommerce products without SKU.',
    )
    max_age_seconds: float = Field(
        default=300.0, gt=0, description="Shopware: a webhook whose signed timestamp is older is refused."
    )

    @field_validator("secret")
    @classmethod
    def _secret_not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("the shop secret must not be empty")
        return value

    @model_validator(mode="after")
    def _rules_fit_the_shop(self) -> ShopSettings:
        shop = connector_for(self.kind)
        if shop.default_statuses is None and self.import_statuses is not None:
            raise ValueError(f"{shop.title} orders have no order status; use import_payment_states")
        if not shop.payment_states and self.import_payment_states is not None:
            raise ValueError(f"{shop.title} sends no payment state; use import_statuses")
        never = NEVER_IMPORTED & {s.lower() for s in (self.import_statuses or []) + (self.import_payment_states or [])}
        if never:
            raise ValueError(f"{', '.join(sorted(never))} orders are never imported")
        unknown = set(self.sku_fields or []) - shop.sku_fields_allowed
        if unknown or self.sku_fields == []:
            allowed = ", ".join(sorted(shop.sku_fields_allowed))
            raise ValueError(f"sku_fields for {self.kind} must be among {allowed}")
        return self

    @property
    def statuses(self) -> list[str] | None:
        if self.import_statuses is not None:
            return self.import_statuses
        defaults = connector_for(self.kind).default_statuses
        return list(defaults) if defaults is not None else None

    @property
    def skus_from(self) -> list[str]:
        return self.sku_fields or list(connector_for(self.kind).sku_fields)


class OrderDefaults(BaseModel):
    """What an order gets when the request does not say."""

    project_id: str | None = Field(default=None, description="Xentral project id; None = first project.")
    payment_method_id: str | None = None
    shipping_method_id: str | None = None
    currency: str = "EUR"
    sales_channel_id: str | None = None
    auto_shipping: bool = False
    language: str | None = None
    shipping_cost_product_id: str | None = Field(
        default=None, description="Xentral product that carries a shipping cost sent with the order."
    )
    discount_product_id: str | None = Field(
        default=None, description="Xentral discount product that carries the order's `discounts` (coupons)."
    )
    fee_product_id: str | None = Field(
        default=None, description="Xentral product that carries the order's `fees` (e.g. cash on delivery)."
    )
    prices: Literal["gross", "net"] = Field(
        default="gross", description="How the amounts of a request without `prices` are meant."
    )
    internal_designation: str | None = "Unified Order API"


LookupField = Literal["number", "email"]


def _default_lookup_fields() -> list[LookupField]:
    return ["number", "email"]


class CustomerPolicy(BaseModel):
    lookup_fields: list[LookupField] = Field(
        default_factory=_default_lookup_fields,
        description="Tried in this order; a field the request does not carry is skipped.",
    )
    create_missing: bool = True
    on_several_matches: Literal["oldest", "reject"] = Field(
        default="oldest",
        description="oldest: take the customer with the lowest Xentral id; reject: answer 409.",
    )


class IdempotencyPolicy(BaseModel):
    key_source: Literal["header_or_reference", "reference"] = "header_or_reference"
    upstream_check: Literal["always", "when_unsure"] = Field(
        default="always",
        description=(
            "always: before every import, look for an order with externalOrderNumber = reference in Xentral "
            "(one call); when_unsure: only when our own store cannot know (resumed or unknown-outcome attempts)."
        ),
    )
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a running attempt owns its key; longer than the slowest Xentral round-trip.",
    )
    unknown_outcome_retry_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "After a write whose outcome is unknown (timeout, lost connection, 5xx), the key stays locked this long "
            "before a retry looks the order up and, if absent, imports again. Xentral may still finish a request it "
            "stopped answering, so keep this above its longest request time (PHP's max_execution_time)."
        ),
    )
    retention_days: float = Field(default=30.0, gt=0)


TargetKind = Literal["loopback", "private", "link_local", "unique_local", "unspecified", "multicast", "reserved"]


class WebhookPolicy(BaseModel):
    """How callbacks are delivered: when to retry, how long to wait, and which targets are refused."""

    schedule_seconds: list[float] = Field(
        default_factory=lambda: [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 43200.0],
        min_length=1,
        description="Delay before each retry after a failed attempt; one attempt more than entries (~21h).",
    )
    jitter: float = Field(default=0.1, ge=0, lt=1, description="Each delay is spread by ± this fraction.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Per attempt: connect, send and answer.")
    claim_seconds: float = Field(
        default=60.0, gt=0, description="How long a dispatcher owns a claimed delivery before others may take it."
    )
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=20, ge=1, le=500)
    run_in_service: bool = Field(
        default=True, description="Run the dispatcher inside `serve`; false when `dispatcher` runs on its own."
    )
    allow_private_targets: list[TargetKind] = Field(
        default_factory=list,
        description='Address kinds a webhook target may resolve to besides public ones, e.g. ["loopback"].',
    )

    @model_validator(mode="after")
    def _claim_outlives_attempt(self) -> WebhookPolicy:
        if self.claim_seconds <= self.timeout_seconds:
            raise ValueError("claim_seconds must be longer than timeout_seconds")
        return self


class QueuePolicy(BaseModel):
    """The async lane (`Prefer: respond-async`): queued orders worked off at Xentral's pace."""

    run_in_service: bool = Field(default=True, description="Run the queue worker inside `serve`.")
    batch_size: int = Field(
        default=50,
        ge=1,
        le=200,
        validation_alias=AliasChoices("batch_size", "concurrency"),
        description=(
            "Queued orders in flight at once per instance, claimed together: their Xentral reads share calls. "
            "(`concurrency` is the former name.)"
        ),
    )
    poll_seconds: float = Field(default=0.5, gt=0, description="How often an idle worker looks for work.")
    coalesce_ms: float = Field(
        default=250.0,
        ge=0,
        le=5000,
        description=(
            "How long a queued order's Xentral reads (duplicate check, customer search, read-back) wait for the "
            "other orders' to share one call; a synchronous request joining them shortens the wait to its own."
        ),
    )


class ConsoleOperator(BaseModel):
    """A person who may sign in to the operator console, with a key of their own."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    api_key: SecretStr = Field(description="At least 16 characters; compared in constant time.")

    @field_validator("api_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("an operator key needs at least 16 characters")
        return value


class ConsoleSettings(BaseModel):
    """The operator console at `/console`: who may sign in and how long a session lasts."""

    enabled: bool = Field(default=True, description="Serve the console (sign-in needs an admin or operator key).")
    operators: list[ConsoleOperator] = Field(
        default_factory=list, description="Per-person keys; the admin key signs in as `admin` as well."
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs session cookies; set it when several instances serve the console (default: random "
        "per process, so a restart signs everyone out).",
    )
    session_minutes: float = Field(default=480.0, gt=0, le=7 * 24 * 60, description="A session's lifetime.")
    secure_cookie: Literal["auto", "always", "never"] = Field(
        default="auto", description="Mark the session cookie Secure: auto = when the request came over HTTPS."
    )


class TotalsPolicy(BaseModel):
    """How an order's money is checked: the buyer's country against home, and the expected total."""

    home_country: str = Field(
        default="DE",
        pattern=r"^[A-Za-z]{2}$",
        description="The merchant's country (ISO-2); decides domestic / eu / export when a request does not say.",
    )
    tolerance: Decimal = Field(
        default=Decimal("0.01"),
        ge=0,
        description="Largest difference between computed and expected (or Xentral's) total still counted as equal.",
    )
    on_mismatch: Literal["refuse", "flag"] = Field(
        default="refuse",
        description="refuse: `422 total_mismatch` before anything is written; flag: import and report a warning.",
    )


class XentralInstance(BaseModel):
    """One Xentral instance: where it is and the token to call it with.

    Each instance gets its own rate limiter (Xentral counts calls per instance and IP), its own
    caches and reference data, and its own readiness entry and metrics label.
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    url: str = Field(description="e.g. https://acme.xentral.biz")
    token: SecretStr = Field(description="Xentral Personal Access Token (never logged or echoed).")
    rate_limit_per_minute: int | None = Field(
        default=None, ge=1, description="This instance's budget; default `xentral_rate_limit_per_minute`."
    )
    rate_limit_reserve: int | None = Field(
        default=None, ge=0, description="Left for other integrations; default `xentral_rate_limit_reserve`."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


DEFAULT_INSTANCE = "default"
"""The name of the instance set by `xentral_url` / `xentral_token`."""

INSTANCE_NAME = r"^[A-Za-z0-9_.-]{1,64}$"

CLIENT_SECTIONS = ("defaults", "customers", "idempotency", "totals")
"""Settings sections a client may override field by field; the fields it does not set keep the
global value. A new overridable section is one more name here, a field of the same name and type
(optional) on `ApiClient`, and one on `orders.policy.ClientPolicy`."""

CLIENT_MAPS = ("shipping_map", "payment_map")
"""Code maps a client may extend: its entries are merged over the global map and win."""

# Per client, the idempotency section may only choose how keys are read and checked: leases and
# retention are properties of the one attempt store every client shares.
_CLIENT_IDEMPOTENCY_FIELDS = frozenset({"key_source", "upstream_check"})


class ApiClient(BaseModel):
    """One caller of the API (a shop, a middleware): its key, where its callbacks go, its own
    order settings over the global ones, and the Xentral instance its orders go to."""

    model_config = ConfigDict(hide_input_in_errors=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    api_key: SecretStr
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret, `whsec_` + base64; required with webhook_url."
    )
    callback_hosts: list[str] = Field(
        default_factory=list, description="Hosts a request may name in `callback_url` instead of webhook_url."
    )
    respond_async: bool = Field(default=False, description="Answer 202 and queue the order by default.")
    reference_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_.:-]{0,16}$",
        description=(
            "Put before this client's references in Xentral (externalOrderNumber), e.g. `AMZ-`. With several "
            "clients, give each one, so equal references of two shops never meet in Xentral's duplicate check."
        ),
    )
    notify_failures: bool = Field(
        default=False,
        description="Also send `order.failed` when an order fails after something was created (e.g. a customer).",
    )
    xentral: XentralInstance | str | None = Field(
        default=None,
        description=(
            "This client's Xentral: `{url, token}` of its own, or the name of an entry of `xentral_instances`; "
            "default: the instance of `xentral_url`."
        ),
    )
    defaults: OrderDefaults | None = Field(
        default=None, description="Overrides of the global `defaults`; a field not given keeps the global value."
    )
    shipping_map: dict[str, str] = Field(
        default_factory=dict, description="Merged over the global shipping_map; this client's codes win."
    )
    payment_map: dict[str, str] = Field(
        default_factory=dict, description="Merged over the global payment_map; this client's codes win."
    )
    customers: CustomerPolicy | None = Field(
        default=None, description="Overrides of the global customer policy, field by field."
    )
    idempotency: IdempotencyPolicy | None = Field(
        default=None, description="`upstream_check` and `key_source` for this client; the rest is global."
    )
    totals: TotalsPolicy | None = Field(
        default=None,
        description="Overrides of the global totals policy (home country, tolerance, mismatch rule), field by field.",
    )
    on_total_mismatch: Literal["refuse", "flag"] | None = Field(
        default=None,
        description="Overrides `totals.on_mismatch` for this client: refuse (422) or import and flag.",
    )
    shop: ShopSettings | None = Field(
        default=None, description="The shop whose own webhooks post to /api/shops/{name}/{kind}."
    )

    @field_validator("shipping_map", "payment_map")
    @classmethod
    def _codes_are_case_insensitive(cls, value: dict[str, str]) -> dict[str, str]:
        return normalized_codes(value)

    @field_validator("xentral")
    @classmethod
    def _instance_name(cls, value: XentralInstance | str | None) -> XentralInstance | str | None:
        if isinstance(value, str) and not re.match(INSTANCE_NAME, value):
            raise ValueError(f"names an instance of `xentral_instances`, which match {INSTANCE_NAME}")
        return value

    @model_validator(mode="after")
    def _idempotency_per_client(self) -> ApiClient:
        if self.idempotency is not None:
            shared = sorted(self.idempotency.model_fields_set - _CLIENT_IDEMPOTENCY_FIELDS)
            if shared:
                raise ValueError(
                    f"idempotency.{', idempotency.'.join(shared)} cannot be set per client (the attempt store is "
                    "shared); set it in the global [idempotency] section"
                )
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_client(cls, data: Any, handler: ModelWrapValidatorHandler[ApiClient]) -> ApiClient:
        """Errors say which client and which field, never the value (it may be a key or a token)."""
        try:
            return handler(data)
        except ValidationError as error:
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]{1,64}$", name):
                raise
            raise ValueError(f"client '{name}': {describe_errors(error)}") from None


def normalized_codes(codes: dict[str, str]) -> dict[str, str]:
    """Shipping and payment codes compare without case and surrounding spaces."""
    return {code.strip().lower(): xentral_id for code, xentral_id in codes.items()}


def describe_errors(error: ValidationError) -> str:
    """`field.path: message; …` of a validation error, without the rejected values."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def overridden(base: SectionT, override: SectionT | None) -> SectionT:
    """`base` with the fields `override` sets, validated again as a whole."""
    if override is None or not override.model_fields_set:
        return base
    given = override.model_dump(include=set(override.model_fields_set))
    return type(base).model_validate({**base.model_dump(), **given})


class Limits(BaseModel):
    """What one HTTP request may cost the server: its size, and how long a slow client may hold it."""

    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="Larger request bodies get 413")
    drain_max_bytes: int = Field(
        default=64_000_000,
        ge=0,
        description="An oversized body up to this size is read and discarded before the 413, so a client that "
        "sends its whole body before reading sees the 413 instead of a connection reset.",
    )
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A connection whose request line and headers take longer is closed."
    )
    body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Grace for a request body: it must arrive within this plus its size at min_body_bytes_per_second"
        "; a slower one gets 408 and the connection is closed.",
    )
    min_body_bytes_per_second: int = Field(default=1024, ge=1)
    keep_alive_seconds: float = Field(default=5.0, gt=0, description="Idle keep-alive connections are closed after.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="UOA_",
        env_nested_delimiter="__",
        extra="ignore",
        hide_input_in_errors=True,  # a bad setting must not print the token or keys next to it
    )

    xentral_url: str | None = Field(default=None, description="e.g. https://acme.xentral.biz")
    xentral_token: SecretStr | None = None
    xentral_instances: dict[str, XentralInstance] = Field(
        default_factory=dict,
        description='Further Xentral instances by name; a client names its own with `xentral = "name"`.',
    )
    xentral_timeout_seconds: float = Field(default=15.0, gt=0)
    xentral_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    xentral_rate_limit_per_minute: int = Field(
        default=100,
        ge=1,
        description=(
            "Xentral's budget per instance and client IP (docs/xentral.md#rate-limit); ask Xentral before raising it."
        ),
    )
    xentral_rate_window_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The window the rate limit counts in; Xentral's is a minute (benchmarks scale it down).",
    )
    xentral_rate_limit_reserve: int = Field(
        default=0,
        ge=0,
        description="Requests per minute left unused for other integrations calling from the same IP.",
    )
    xentral_wait_budget_seconds: float = Field(
        default=10.0,
        ge=0,
        description="Longest one Xentral call waits for a rate-limit slot and between retries; then 503.",
    )
    xentral_max_attempts: int = Field(
        default=4,
        ge=1,
        description="Tries per Xentral call (reads on 429/502/503/504/network errors; writes only on 429 "
        "and connect errors).",
    )

    xentral_coalesce_ms: float = Field(
        default=20.0,
        ge=0,
        le=1000,
        description=(
            "Concurrent product, customer and duplicate-check lookups arriving within this many milliseconds (or "
            "while one of their kind is open) share one Xentral call of up to 50 keys; a lookup while none of its "
            "kind is running goes out at once. 0 switches coalescing off."
        ),
    )

    database_url: str = "sqlite+aiosqlite:///./var/unified-order-api.db"
    database_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Longest wait for a database connection, lock or statement; then the request gets 503.",
    )
    redis_url: str | None = None
    redis_timeout_seconds: float = Field(
        default=0.5, gt=0, description="Longest wait for any Redis operation; then Redis counts as unavailable."
    )
    redis_retry_seconds: float = Field(
        default=5.0, gt=0, description="After Redis failed, how long to work without it before trying it again."
    )
    redis_fallback_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="While Redis is unavailable each instance paces itself alone at this share of Xentral's "
        "budget; 1 / (number of instances) keeps their sum within it.",
    )

    clients: list[ApiClient] = Field(default_factory=list)
    admin_api_key: SecretStr | None = None

    defaults: OrderDefaults = Field(default_factory=OrderDefaults)
    shipping_map: dict[str, str] = Field(
        default_factory=dict, description="Caller's shipping code → Xentral shipping method id."
    )
    payment_map: dict[str, str] = Field(
        default_factory=dict, description="Caller's payment code → Xentral payment method id."
    )
    customers: CustomerPolicy = Field(default_factory=CustomerPolicy)
    totals: TotalsPolicy = Field(default_factory=TotalsPolicy)
    idempotency: IdempotencyPolicy = Field(default_factory=IdempotencyPolicy)
    limits: Limits = Field(default_factory=Limits)
    queue: QueuePolicy = Field(default_factory=QueuePolicy)
    webhooks: WebhookPolicy = Field(default_factory=WebhookPolicy)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("clients")
    @classmethod
    def _client_names_are_unique(cls, value: list[ApiClient]) -> list[ApiClient]:
        """A name is the client's identity (its orders, prefix and settings): two entries would be ambiguous."""
        names = [client.name for client in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"client names must be unique; repeated: {', '.join(repeated)}")
        return value

    @field_validator("shipping_map", "payment_map")
    @classmethod
    def _codes_are_case_insensitive(cls, value: dict[str, str]) -> dict[str, str]:
        return normalized_codes(value)

    @field_validator("xentral_instances")
    @classmethod
    def _instance_names(cls, value: dict[str, XentralInstance]) -> dict[str, XentralInstance]:
        for name in value:
            if not re.match(INSTANCE_NAME, name):
                raise ValueError(f"instance name '{name[:64]}' must match {INSTANCE_NAME}")
            if name == DEFAULT_INSTANCE:
                raise ValueError(f"'{DEFAULT_INSTANCE}' is the instance of xentral_url; give this one another name")
        return value

    @model_validator(mode="after")
    def _clients_resolve(self) -> Settings:
        """Every client names an instance that exists, and its overrides make valid settings."""
        problems = []
        for client in self.clients:
            if isinstance(client.xentral, str) and client.xentral not in self.xentral_instances:
                known = ", ".join(sorted(self.xentral_instances)) or "none"
                problems.append(
                    f"client '{client.name}': xentral names the instance '{client.xentral}', which "
                    f"xentral_instances does not have (it has: {known})"
                )
            if isinstance(client.xentral, XentralInstance) and client.name in self.xentral_instances:
                problems.append(
                    f"client '{client.name}': has a Xentral of its own, but xentral_instances has an instance "
                    "of the same name; refer to that one by name instead"
                )
            for section in CLIENT_SECTIONS:
                try:
                    overridden(getattr(self, section), getattr(client, section))
                except ValidationError as error:
                    problems.append(f"client '{client.name}': {section}: {describe_errors(error)}")
        by_url: dict[str, list[str]] = {}
        for name, instance in self.xentral_endpoints().items():
            by_url.setdefault(instance.url.lower(), []).append(name)
        for url_names in by_url.values():
            if len(url_names) > 1:
                problems.append(
                    f"Xentral instances {', '.join(repr(n) for n in url_names)} have the same URL; Xentral "
                    "counts calls per instance, so configure it once and let clients refer to it by name"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- per client ------------------------------------------------------------------------------

    def client_settings(self, client: ApiClient) -> dict[str, Any]:
        """Every section of `CLIENT_SECTIONS` and map of `CLIENT_MAPS` as it applies to `client`:
        its overrides over the global values, by name."""
        sections: dict[str, Any] = {
            section: overridden(getattr(self, section), getattr(client, section)) for section in CLIENT_SECTIONS
        }
        if client.on_total_mismatch is not None:  # the shorthand wins over `totals.on_mismatch`
            sections["totals"] = sections["totals"].model_copy(update={"on_mismatch": client.on_total_mismatch})
        for name in CLIENT_MAPS:
            sections[name] = {**getattr(self, name), **getattr(client, name)}
        return sections

    def global_settings(self) -> dict[str, Any]:
        """The same sections and maps as `client_settings`, without any client's overrides."""
        return {name: getattr(self, name) for name in (*CLIENT_SECTIONS, *CLIENT_MAPS)}

    def instance_name(self, client: ApiClient) -> str:
        """The name of the Xentral instance the client's orders go to."""
        if client.xentral is None:
            return DEFAULT_INSTANCE
        if isinstance(client.xentral, str):
            return client.xentral
        return client.name

    def xentral_endpoints(self) -> dict[str, XentralInstance]:
        """Every configured Xentral instance by name: the default one (when `xentral_url` and
        `xentral_token` are set), the named ones and those clients define for themselves."""
        endpoints: dict[str, XentralInstance] = {}
        if self.xentral_url and self.xentral_token is not None and self.xentral_token.get_secret_value():
            # Not validated again: `xentral_url` is taken as given, as it always was.
            endpoints[DEFAULT_INSTANCE] = XentralInstance.model_construct(
                url=self.xentral_url.rstrip("/"), token=self.xentral_token
            )
        endpoints.update(self.xentral_instances)
        for client in self.clients:
            if isinstance(client.xentral, XentralInstance):
                endpoints[client.name] = client.xentral
        return endpoints

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise FileNotFoundError(f"{CONFIG_FILE_ENV} names {path}, which is not a file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
