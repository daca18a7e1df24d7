"""Every knob of the service, read from `UOA_*` environment variables and an optional TOML file.

Nested settings use `__` in environment names, e.g. `UOA_DEFAULTS__PROJECT_ID=1`;
mappings and client lists are JSON there, e.g. `UOA_SHIPPING_MAP='{"dhl_standard": "4"}'`.
The file named by `UOA_CONFIG_FILE` (TOML) is read first; the environment wins over it.
An unknown key in any of them is refused (`keys`). Adding a setting is one field here (or in
its section) with a `description`, then `make settings-doc`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ..orders.policy import CustomerPolicy, IdempotencyPolicy, OrderDefaults, TotalsPolicy
from ..orders.routing import DEFAULT_INSTANCE
from . import rules
from .alerting import AlertSettings
from .clients import ApiClient, CodeMap, PaymentCodeMap
from .credentials import AccessKey, HeaderToken, XentralAddress
from .keys import CONFIG_FILE_ENV, ENV_DELIMITER, ENV_PREFIX, refuse_unknown_environment
from .reconciling import ReconcilerPolicy
from .sections import (
    INSTANCE_NAME,
    CacheSettings,
    ConsoleSettings,
    InboxSettings,
    Limits,
    MetricsSettings,
    QueuePolicy,
    WebhookPolicy,
    XentralInstance,
)
from .tracking import TrackingSettings
from .write_back import WriteBackPolicy
from .xentral_events import XentralEventSettings

__all__ = ["ConfigFileMissing", "Settings", "load_settings"]


class ConfigFileMissing(Exception):
    """`UOA_CONFIG_FILE` names no readable file; the message says which and what to do."""


class Settings(BaseSettings):
    """The whole configuration; `docs/reference/settings.md` is generated from these fields."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        use_attribute_docstrings=True,  # each field's docstring is its description
        hide_input_in_errors=True,  # a bad setting must not print the token or keys next to it
    )

    xentral_url: XentralAddress | None = None
    """Your Xentral instance, e.g. https://acme.xentral.biz (no `/api/...` path: the service adds it)."""
    xentral_token: HeaderToken | None = None
    """Xentral Personal Access Token (never logged or echoed)."""
    xentral_token_expires: dt.date | None = None
    """The default instance's token expiry date (Xentral tokens live at most 180 days); `check-config`, `/readyz` and
    an operator alert warn from `xentral_token_warn_days` before it."""
    xentral_token_warn_days: int = Field(default=14, ge=1, le=180)
    """How many days before a token's expiry date (`xentral_token_expires`, an instance's `token_expires`)
    `check-config`, `/readyz`, the console and the operator alert (`xentral_token_expiring`) start to warn."""
    xentral_instances: dict[str, XentralInstance] = Field(default_factory=dict)
    """Further Xentral instances by name, `{"merchant": {"url": "…", "token": "…"}}`; a client names its own with
    `xentral = "name"`."""
    xentral_timeout_seconds: float = Field(default=15.0, gt=0)
    """Read and write timeout of every Xentral call."""
    xentral_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    """Connect timeout of every Xentral call."""
    xentral_max_connections: int = Field(default=20, ge=1)
    """Open connections to one Xentral instance at most (its pool); the rate limit paces them."""
    xentral_rate_limit_per_minute: int = Field(default=100, ge=1)
    """Xentral's budget per instance and client IP (docs/xentral.md#rate-limit); ask Xentral before raising it."""
    xentral_rate_window_seconds: float = Field(default=60.0, gt=0)
    """The window the rate limit counts in; Xentral's is a minute (benchmarks scale it down)."""
    xentral_rate_limit_reserve: int = Field(default=0, ge=0)
    """Requests per minute left unused for other integrations calling from the same IP."""
    xentral_wait_budget_seconds: float = Field(default=10.0, ge=0)
    """Longest one Xentral call waits for a rate-limit slot and between retries; then 503."""
    xentral_max_attempts: int = Field(default=4, ge=1)
    """Tries per Xentral call (reads on 429/502/503/504/network errors; writes only on 429 and connect errors)."""

    xentral_coalesce_ms: float = Field(default=20.0, ge=0, le=1000)
    """Concurrent product, customer and duplicate-check lookups arriving within this many milliseconds (or while one
    of their kind is open) share one Xentral call of up to 50 keys; a lookup while none of its kind is running
    goes out at once. 0 switches coalescing off."""

    database_url: str = "sqlite+aiosqlite:///./var/unified-order-api.db"
    """The attempt store; use `postgresql+psycopg://…` for several instances."""
    database_timeout_seconds: float = Field(default=5.0, gt=0)
    """Longest wait for a database connection, lock or statement; then the request gets 503."""
    redis_url: str | None = None
    """Share the Xentral rate limit and caches between instances of the service."""
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    """Longest wait for any Redis operation; then Redis counts as unavailable."""
    redis_retry_seconds: float = Field(default=5.0, gt=0)
    """After Redis failed, how long to work without it before trying it again."""
    redis_fallback_share: float = Field(default=0.5, gt=0, le=1)
    """While Redis is unavailable each instance paces itself alone at this share of Xentral's budget; 1 / (number of
    instances) keeps their sum within it."""

    clients: list[ApiClient] = Field(default_factory=list)
    """The API's callers, `[{"name": "shop", "api_key": "…"}]`; each field of a client is listed under `clients[]`."""
    admin_api_key: AccessKey | None = None
    """Enables the admin API (webhook deliveries) and the console's `admin` sign-in; at least 16 characters."""
    admin_api_key_next: AccessKey | None = None
    """A second admin key while the admin key is rotated; both are accepted until this one moves to `admin_api_key`
    (docs/operations/secrets.md)."""

    defaults: OrderDefaults = Field(default_factory=OrderDefaults)
    """What an order gets when it does not say."""
    shipping_map: CodeMap = Field(default_factory=dict)
    """Caller's shipping code → Xentral shipping method id, e.g. `{"dhl_standard": "1"}`."""
    payment_map: PaymentCodeMap = Field(default_factory=dict)
    """Caller's payment code → Xentral payment method id, e.g. `{"paypal": "2"}`; or, per code, payment status → id
    with `*` for the rest: `{"prepayment": {"paid": "2", "*": "3"}}` (a paid prepayment order is not held)."""
    customers: CustomerPolicy = Field(default_factory=CustomerPolicy)
    """How an order finds its customer."""
    totals: TotalsPolicy = Field(default_factory=TotalsPolicy)
    """How an order's money is checked."""
    idempotency: IdempotencyPolicy = Field(default_factory=IdempotencyPolicy)
    """How a repeated order is recognised."""
    limits: Limits = Field(default_factory=Limits)
    """What one HTTP request may cost the server."""
    cache: CacheSettings = Field(default_factory=CacheSettings)
    """How long what was read from Xentral is reused."""
    queue: QueuePolicy = Field(default_factory=QueuePolicy)
    """The async lane (`Prefer: respond-async`)."""
    webhooks: WebhookPolicy = Field(default_factory=WebhookPolicy)
    """How callbacks are delivered."""
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    """The operator console."""
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    """Refused and ignored requests, kept for the console."""

    shutdown_grace_seconds: float = Field(default=20.0, ge=0)
    """On SIGTERM: how long requests in flight may take to be answered, and then queued orders in flight to
    finish before they are handed back to another instance; a stop takes up to twice this (systemd's
    `TimeoutStopSec` must be longer)."""

    log_level: str = "INFO"
    """The lowest level logged (DEBUG, INFO, WARNING, ERROR)."""
    log_json: bool = True
    """Logs as JSON lines on stderr; false: readable lines."""
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    """Where `/metrics` is served."""
    reconciler: ReconcilerPolicy = Field(default_factory=ReconcilerPolicy)
    """Synchronous orders nobody is finishing: looked up, finished or failed."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """The operators' alert channel (webhook, e-mail)."""
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)
    """Orders followed after the import: states, shipments, lifecycle webhooks, the change feed."""
    write_back: WriteBackPolicy = Field(default_factory=WriteBackPolicy)
    """Tracking and status written back to the shops (each client's `shop.api`), and cancellations from them."""

    xentral_events: XentralEventSettings = Field(default_factory=XentralEventSettings)
    """Xentral's webhooks: our subscription per instance, the receiver, the event worker."""

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        rules.database_url_form(value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None:
            rules.redis_url_form(value)
        return value

    @field_validator("clients")
    @classmethod
    def _client_names_are_unique(cls, value: list[ApiClient]) -> list[ApiClient]:
        rules.unique_client_names(value)
        return value

    @field_validator("xentral_instances")
    @classmethod
    def _instance_names(cls, value: dict[str, XentralInstance]) -> dict[str, XentralInstance]:
        rules.instance_names(value, INSTANCE_NAME)
        return value

    @model_validator(mode="after")
    def _clients_resolve(self) -> Settings:
        rules.clients_resolve(self)
        return self

    @model_validator(mode="after")
    def _lease_outlasts_xentral_write(self) -> Settings:
        rules.lease_outlasts_xentral_write(self)
        return self

    # -- per client ------------------------------------------------------------------------------

    def client_settings(self, client: ApiClient) -> dict[str, Any]:
        """Every section of `CLIENT_SECTIONS` and map of `CLIENT_MAPS` as it applies to `client`:
        its overrides over the global values, by name."""
        sections: dict[str, Any] = {
            section: rules.overridden(getattr(self, section), getattr(client, section))
            for section in rules.CLIENT_SECTIONS
        }
        if client.on_total_mismatch is not None:  # the shorthand wins over `totals.on_mismatch`
            sections["totals"] = sections["totals"].model_copy(update={"on_mismatch": client.on_total_mismatch})
        for name in rules.CLIENT_MAPS:
            sections[name] = {**getattr(self, name), **getattr(client, name)}
        return sections

    def global_settings(self) -> dict[str, Any]:
        """The same sections and maps as `client_settings`, without any client's overrides."""
        return {name: getattr(self, name) for name in (*rules.CLIENT_SECTIONS, *rules.CLIENT_MAPS)}

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
            # Validated as a field (`credentials.xentral_address`), so constructed here without a second check.
            endpoints[DEFAULT_INSTANCE] = XentralInstance.model_construct(
                url=self.xentral_url.rstrip("/"), token=self.xentral_token, token_expires=self.xentral_token_expires
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
        # The environment source reads only the names it owns; the others are refused here, before
        # a typo's default could be used (the TOML file and JSON values refuse theirs by `extra`).
        refuse_unknown_environment(settings_cls, os.environ)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            path = Path(config_file)
            if not path.is_file() or not os.access(path, os.R_OK):
                problem = "is not readable by this user" if path.is_file() else "does not exist"
                raise ConfigFileMissing(
                    f"{CONFIG_FILE_ENV} names {path}, which {problem}: correct the path or unset {CONFIG_FILE_ENV}."
                )
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
