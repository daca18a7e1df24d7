"""Knobs of the sandbox; one frozen dataclass so a test states its whole setup in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .readings import Readings

DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed test token, not a secret
# Assumption (no source gives a date): the v1 product operations are deprecated in the 2026 spec; the
# sandbox announces their end a year after that spec's release.
V1_PRODUCTS_SUNSET = "Tue, 31 Aug 2027 00:00:00 GMT"
V1_PRODUCTS_DEPRECATED_SINCE = 1756684800  # 2025-09-01T00:00:00Z, as an RFC 9745 `@<epoch>` date


@dataclass(frozen=True)
class SandboxConfig:
    """How the sandbox behaves where Xentral is configurable or undocumented."""

    token: str = DEFAULT_TOKEN  # holds every scope
    # Further tokens with only the listed scopes (tokens.py), e.g. {"no-create": {"customer:read"}}.
    limited_tokens: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # docs/xentral.md#rate-limit: 100 requests per fixed 60 s window per client IP. None switches limiting off
    # (then no X-RateLimit-* headers are sent either).
    rate_limit: int | None = 100
    rate_window_seconds: float = 60.0
    # The contested points, each switchable to its other reading (readings.py).
    readings: Readings = field(default_factory=Readings)
    # docs/xentral.md#products: undocumented. Assumption: a locked product (isDisabled) is refused by the import, as the
    # Xentral UI refuses to add locked articles to documents.
    refuse_locked_products: bool = True
    seed_path: Path | None = None
    # Admin endpoints under /_sandbox/ need no bearer token; when this is False they answer 404.
    admin_enabled: bool = True
    # Base URL used in Location headers; None derives it from the request's Host header.
    public_base_url: str | None = None
    # Webhook subscriptions (webhooks.py): Xentral takes only https URLs [HC]; tests on loopback http switch it off.
    webhook_https_only: bool = False
    # After a delivery got no 2xx, the waits before each further try (delivery.py); then it is given up.
    webhook_retry_seconds: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0)
