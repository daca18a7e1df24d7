"""Knobs of the sandbox; one frozen dataclass so a test states its whole setup in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed test token, not a secret


@dataclass(frozen=True)
class SandboxConfig:
    """How the sandbox behaves where Xentral is configurable or undocumented."""

    token: str = DEFAULT_TOKEN
    # docs/xentral.md#rate-limit: 100 requests per fixed 60 s window per token+client IP. None switches limiting off
    # (then no X-RateLimit-* headers are sent either).
    rate_limit: int | None = 100
    rate_window_seconds: float = 60.0
    # docs/xentral.md#duplicates: no uniqueness check is documented, so by default a repeated
    # externalOrderNumber passes.
    reject_duplicate_external_order_number: bool = False
    # docs/xentral.md#products: undocumented. Assumption: a locked product (isDisabled) is refused by the import, as the
    # Xentral UI refuses to add locked articles to documents.
    refuse_locked_products: bool = True
    seed_path: Path | None = None
    # Admin endpoints under /_sandbox/ need no bearer token; when this is False they answer 404.
    admin_enabled: bool = True
    # Base URL used in Location headers; None derives it from the request's Host header.
    public_base_url: str | None = None
