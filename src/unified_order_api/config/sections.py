"""The settings sections of the service itself: its Xentral instances, HTTP limits, queue, webhooks, console.

The sections an order runs under (defaults, customers, idempotency, totals) are the order
service's own types (`orders.policy`); the ones here configure adapters and the process. Every
model is a `Section`: it refuses unknown fields, and each field is described by its docstring.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AliasChoices, ConfigDict, Field, SecretStr, model_validator

from ..orders.policy import Section
from ..webhooks.targets import TargetKind
from . import rules
from .credentials import AccessKey, HeaderToken, XentralAddress

__all__ = [
    "INSTANCE_NAME",
    "CacheSettings",
    "ConsoleOperator",
    "ConsoleSettings",
    "InboxSettings",
    "Limits",
    "MetricsExposure",
    "MetricsSettings",
    "QueuePolicy",
    "WebhookPolicy",
    "XentralInstance",
]

INSTANCE_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
"""What a Xentral instance's name may look like (it becomes a metrics label and a Redis key part)."""


class XentralInstance(Section):
    """One Xentral instance: where it is and the token to call it with.

    Each instance gets its own rate limiter (Xentral counts calls per instance and IP), its own
    caches and reference data, and its own readiness entry and metrics label.
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    url: XentralAddress
    """The instance's address, e.g. https://acme.xentral.biz (no `/api/...` path)."""
    token: HeaderToken
    """Xentral Personal Access Token (never logged or echoed)."""
    token_expires: dt.date | None = None
    """The token's expiry date (Xentral tokens live at most 180 days); `check-config`, `/readyz` and an operator alert
    warn from `xentral_token_warn_days` before it."""
    rate_limit_per_minute: int | None = Field(default=None, ge=1)
    """This instance's budget; default `xentral_rate_limit_per_minute`."""
    rate_limit_reserve: int | None = Field(default=None, ge=0)
    """Left for other integrations; default `xentral_rate_limit_reserve`."""


class Limits(Section):
    """What one HTTP request may cost the server: its size, and how long a slow client may hold it."""

    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    """Larger request bodies get 413."""
    drain_max_bytes: int = Field(default=64_000_000, ge=0)
    """An oversized body up to this size is read and discarded before the 413, so a client that sends its whole body
    before reading sees the 413 instead of a connection reset."""
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    """A connection whose request line and headers take longer is closed."""
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    """Grace for a request body: it must arrive within this plus its size at min_body_bytes_per_second; a slower one
    gets 408 and the connection is closed."""
    min_body_bytes_per_second: int = Field(default=1024, ge=1)
    """The slowest body upload still accepted (see body_timeout_seconds)."""
    keep_alive_seconds: float = Field(default=5.0, gt=0)
    """Idle keep-alive connections are closed after."""


MetricsExposure = Literal["public", "admin_key", "port"]


class MetricsSettings(Section):
    """Where Prometheus scrapes `/metrics`. It holds counts and timings, no order data, but they tell
    an outsider the business's volume and failures, so a production service keeps it off its public port."""

    expose: MetricsExposure | None = None
    """public: on the service's port for anyone; admin_key: there, with the admin key (`Authorization: Bearer`);
    port: only on a port of its own (`host`, `port`). None = admin_key under `serve`, public in `demo`."""
    host: str = "127.0.0.1"
    """The address the metrics port listens on (with `expose = "port"`)."""
    port: int = Field(default=9464, ge=1, le=65535)
    """The metrics port (with `expose = "port"`); each process on a host needs its own."""


class QueuePolicy(Section):
    """The async lane (`Prefer: respond-async`): queued orders worked off at Xentral's pace."""

    run_in_service: bool = True
    """Run the queue worker inside `serve`."""
    batch_size: int = Field(default=50, ge=1, le=200, validation_alias=AliasChoices("batch_size", "concurrency"))
    """Queued orders in flight at once per instance, claimed together: their Xentral reads share calls.
    (`concurrency` is the former name.)"""
    poll_seconds: float = Field(default=0.5, gt=0)
    """How often an idle worker looks for work."""
    max_requeues: int = Field(default=12, ge=0)
    """Times a queued order is put back after a failure on Xentral's side (down, rate limited, an unexpected
    crash) before it fails for good."""
    backoff_cap_seconds: float = Field(default=900.0, gt=0)
    """Longest wait before a requeued order is tried again; the waits double from 2 s up to this."""
    coalesce_ms: float = Field(default=250.0, ge=0, le=5000)
    """How long a queued order's Xentral reads (duplicate check, customer search, read-back) wait for the other
    orders' to share one call; a synchronous request joining them shortens the wait to its own."""


def _default_schedule() -> list[float]:
    return [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 43200.0]


class CacheSettings(Section):
    """How long what was read from Xentral is reused. A stale entry never makes a wrong order: an import
    Xentral refuses forgets it and resolves again."""

    product_seconds: float = Field(default=300.0, gt=0)
    """A product found by SKU (its id, price and tax class)."""
    missing_product_seconds: float = Field(default=30.0, gt=0)
    """An SKU Xentral does not have: short, so a product created in Xentral becomes orderable quickly."""
    customer_seconds: float = Field(default=600.0, gt=0)
    """A customer found by number or e-mail."""
    reference_data_seconds: float = Field(default=300.0, gt=0)
    """The lists of shipping and payment methods and projects that codes are resolved against."""
    max_entries: int = Field(default=50_000, ge=1)
    """Entries the in-process cache keeps per Xentral instance (without Redis); the least recently used go first."""


class WebhookPolicy(Section):
    """How callbacks are delivered: when to retry, how long to wait, and which targets are refused."""

    schedule_seconds: list[float] = Field(default_factory=_default_schedule, min_length=1)
    """Delay before each retry after a failed attempt; one attempt more than entries (~21h)."""
    jitter: float = Field(default=0.1, ge=0, lt=1)
    """Each delay is spread by ± this fraction."""
    timeout_seconds: float = Field(default=10.0, gt=0)
    """Per attempt: connect, send and answer."""
    claim_seconds: float = Field(default=60.0, gt=0)
    """How long a dispatcher owns a claimed delivery before others may take it."""
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    """How often an idle dispatcher looks for due deliveries."""
    batch_size: int = Field(default=20, ge=1, le=500)
    """Deliveries one dispatcher claims and sends at once (its connections)."""
    run_in_service: bool = True
    """Run the dispatcher inside `serve`; false when `dispatcher` runs on its own."""
    allow_private_targets: list[TargetKind] = Field(default_factory=list)
    """Address kinds a webhook target may resolve to besides public ones, e.g. ["loopback"]."""

    @model_validator(mode="after")
    def _claim_outlives_attempt(self) -> WebhookPolicy:
        rules.claim_outlives_attempt(self)
        return self


class ConsoleOperator(Section):
    """A person who may sign in to the operator console, with a key of their own."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    """Their sign-in name; the retries and redeliveries they ask for carry it."""
    api_key: AccessKey
    """At least 16 characters, printable ASCII; compared in constant time."""
    api_key_next: AccessKey | None = None
    """A second key for the same operator while keys are rotated: both sign in until this one moves to `api_key`
    (docs/operations/secrets.md)."""


class ConsoleSettings(Section):
    """The operator console at `/console`: who may sign in and how long a session lasts."""

    enabled: bool = True
    """Serve the console (sign-in needs an admin or operator key)."""
    operators: list[ConsoleOperator] = Field(default_factory=list)
    """Per-person keys, `[{"name": "alice", "api_key": "…"}]`; the admin key signs in as `admin`."""
    session_secret: SecretStr | None = None
    """Signs session cookies; set it when several instances serve the console (default: random per process, so a
    restart signs everyone out)."""
    session_minutes: float = Field(default=480.0, gt=0, le=7 * 24 * 60)
    """A session's lifetime."""
    secure_cookie: Literal["auto", "always", "never"] = "auto"
    """Mark the session cookie Secure: auto = when the request came over HTTPS; always behind a TLS-terminating
    proxy."""


class InboxSettings(Section):
    """The inbox: every request to the order and shop endpoints that was refused (4xx) or ignored, kept for the
    console with its body (secrets and card data masked)."""

    enabled: bool = True
    """Record refused and ignored requests."""
    retention_days: float = Field(default=14.0, gt=0)
    """Entries older than this are purged (hourly); so is the body an accepted order arrived with, once its order
    has not changed for as long."""
    max_body_bytes: int = Field(default=65_536, ge=1024)
    """A body is kept up to this size (a refused one's, and an accepted order's as it arrived); a longer one is kept
    cut off (and cannot be replayed)."""
    per_source_per_minute: int = Field(default=60, ge=1)
    """At most this many entries a minute from one sender's address (and ten times this from all), counted across
    every process sharing Redis (`redis_url`) or the PostgreSQL database, else in this process; what is not recorded
    is counted on the sender's next entry."""
