"""The section of Xentral's webhooks (`xentral_events`): our subscription, the receiver, the worker."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..orders.policy import Section

__all__ = ["XentralEventSettings"]


class XentralEventSettings(Section):
    """Xentral's webhooks as the lifecycle's first source (docs/operations/xentral-events.md)."""

    public_url: str | None = None
    """This service's public base URL, as Xentral reaches it (https), e.g. `https://orders.example.com`; each
    instance's subscription delivers to `{public_url}/api/xentral/{instance}/events`. None: no subscription
    is made and tracking relies on polling."""
    subscription_name: str = Field(default="unified-order-api", min_length=1, max_length=100)
    """The name of our subscription at Xentral: how `subscribe-xentral` recognises ours (besides its URL)."""
    timestamp_tolerance_seconds: float = Field(default=300.0, gt=0, le=3600)
    """An event whose `xentral-request-timestamp` is further than this from our clock is refused as stale."""
    healthy_within_seconds: float = Field(default=900.0, gt=0)
    """An instance's events count as working when its subscription was found as wanted, and a verified event
    arrived or the subscription was checked, within this time; the poller slows down only then."""
    check_seconds: float = Field(default=600.0, ge=0)
    """How often `serve` checks (and repairs) each instance's subscription; 0: only `subscribe-xentral` does."""
    run_in_service: bool = True
    """Work off received events inside `serve` (the event worker)."""
    batch_size: int = Field(default=50, ge=1, le=500)
    """Events one worker claims at once."""
    poll_seconds: float = Field(default=0.5, gt=0)
    """How often an idle event worker looks for received events."""
    max_attempts: int = Field(default=8, ge=1)
    """Tries per event whose handling failed (a lookup at Xentral, the lifecycle's store) before it is given up."""
    retention_days: float = Field(default=30.0, gt=0)
    """Handled events older than this are purged (hourly); until then a repeat of one is recognised and not
    handled twice. Events not yet handled, and given-up ones, stay."""

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("public_url must start with https:// (or http:// for a test)")
        return value.rstrip("/")
