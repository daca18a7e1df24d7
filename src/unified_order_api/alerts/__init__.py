"""Alerts for the operators: one channel per deployment (a signed webhook, and e-mail if configured).

- `model`: the kinds of alert, what each says and what to do about it, a digest of one kind's alerts;
- `grouping`: alerts raised anywhere in the process, grouped per kind per window into one digest;
- `channels`: the port the digests go out through, and its adapters (the webhook outbox, SMTP);
- `triggers`: the hooks that raise alerts where trouble is seen; `expiring_tokens`: the check of the
  tokens' expiry dates.
"""

from __future__ import annotations

from .channels import AlertChannel, EmailChannel, WebhookChannel
from .grouping import AlertGroups, deliver_forever
from .model import AlertDigest, AlertKind

__all__ = [
    "AlertChannel",
    "AlertDigest",
    "AlertGroups",
    "AlertKind",
    "EmailChannel",
    "WebhookChannel",
    "deliver_forever",
]
