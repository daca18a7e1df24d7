"""The operators' alert channel: one per deployment, a signed webhook and, optionally, e-mail."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from ..orders.policy import Section
from . import rules

__all__ = ["AlertSettings"]


class AlertSettings(Section):
    """Where operator alerts go (failed orders, unresolved outcomes, dead webhooks, Xentral refusing the token or
    the token expiring, repeated wrong shop signatures), grouped per kind per window. Without a webhook URL or
    e-mail: none."""

    webhook_url: str | None = None
    """Receives each alert as a Standard Webhooks message (`alert.raised`), through the webhook outbox."""
    webhook_secret: SecretStr | None = None
    """The alert webhook's signing secret (`whsec_…`); needed with `webhook_url`."""
    email_to: list[str] = Field(default_factory=list)
    """Also send each alert by e-mail to these addresses (needs `smtp_host` and `email_from`)."""
    email_from: str | None = None
    """The alert e-mails' sender address."""
    smtp_host: str | None = None
    """The SMTP server alert e-mails are handed to."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    """Its port (25; 587 with `smtp_starttls`)."""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS before logging in."""
    smtp_username: str | None = None
    """SMTP login, if the server wants one."""
    smtp_password: SecretStr | None = None
    """SMTP password."""
    window_seconds: float = Field(default=300.0, gt=0)
    """Alerts of one kind raised within this window go out as one message (not one per order)."""
    signature_failures: int = Field(default=5, ge=1)
    """Wrong shop signatures within one window before they are alerted (one is noise, a run is not)."""
    unresolved_remind_seconds: float = Field(default=3600.0, gt=0)
    """An order still without an outcome is named again after this long (the reconciler looks at it every
    recheck; the alert is not repeated in every window)."""
    token_check_seconds: float = Field(default=3600.0, gt=0)
    """How often each process looks at the Xentral tokens' expiry dates (at start, then this often)."""
    token_repeat_seconds: float = Field(default=86400.0, gt=0)
    """An expiring token is alerted again after this long (a daily reminder, not one per check); at once when it
    expires."""

    @model_validator(mode="after")
    def _channels_complete(self) -> AlertSettings:
        rules.alert_channels_complete(self)
        return self
