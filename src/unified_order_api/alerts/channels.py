"""Where operator alerts go: the port, and its two adapters.

- `WebhookChannel`: a Standard Webhooks message (`alert.raised`) in the webhook outbox, delivered by the
  dispatcher with its signing, schedule and dead-letter handling, to the deployment's alert URL.
- `EmailChannel`: a plain-text e-mail through the configured SMTP server (stdlib `smtplib`, in a
  thread so the loop never blocks on a slow server).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import smtplib
import uuid
from email.message import EmailMessage
from typing import Protocol

from ..clock import Clock, utc_now
from ..config.alerting import AlertSettings
from ..orders.attempts import WebhookMessage
from .model import AlertDigest

__all__ = ["OPERATOR", "SMTP_TIMEOUT_SECONDS", "AlertChannel", "EmailChannel", "Outbox", "WebhookChannel"]

SMTP_TIMEOUT_SECONDS = 10.0
"""Longest wait for the SMTP server at each step; a digest it did not take is offered with the next window's."""
OPERATOR = "~operator"
"""The outbox's client name for operator alerts: no API client's name can take this form."""


class AlertChannel(Protocol):
    name: str

    async def send(self, digest: AlertDigest) -> None:
        """Hand the digest over (durably, or sent); raise when it could not be."""
        ...


class Outbox(Protocol):
    async def add(self, message: WebhookMessage, now: dt.datetime) -> None: ...


class WebhookChannel:
    name = "webhook"

    def __init__(self, outbox: Outbox, url: str, *, clock: Clock = utc_now) -> None:
        self._outbox, self._url, self._clock = outbox, url, clock

    async def send(self, digest: AlertDigest) -> None:
        event_id = f"evt_{uuid.uuid4().hex}"
        now = self._clock()
        payload = {"type": "alert.raised", "id": event_id, "timestamp": now.isoformat(), "data": digest.to_json()}
        await self._outbox.add(WebhookMessage(OPERATOR, self._url, "alert.raised", event_id, payload), now)


class EmailChannel:
    name = "email"

    def __init__(self, config: AlertSettings, *, subject_prefix: str = "[Unified Order API]") -> None:
        """`config` has `email_to`, `email_from` and `smtp_host` (the settings refuse one without the others)."""
        self._config, self._prefix = config, subject_prefix

    async def send(self, digest: AlertDigest) -> None:
        message = EmailMessage()
        message["Subject"] = f"{self._prefix} {digest.headline}"
        message["From"] = self._config.email_from
        message["To"] = ", ".join(self._config.email_to)
        message.set_content(digest.text())
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        config = self._config
        assert config.smtp_host is not None
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config.smtp_starttls:
                smtp.starttls()
            if config.smtp_username and config.smtp_password:
                smtp.login(config.smtp_username, config.smtp_password.get_secret_value())
            smtp.send_message(message)
