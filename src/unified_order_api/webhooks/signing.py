"""Standard Webhooks signatures: receivers verify `webhook-signature` with the client's secret.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}` (HMAC-SHA256, base64, `v1,`
prefix), exactly what `standardwebhooks.Webhook(secret).verify(body, headers)` checks. The id
is the event id and stays the same on every retry, so receivers can drop duplicates by it.
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
import math
from typing import Any

from standardwebhooks import Webhook


class SigningError(ValueError):
    """The secret is not a usable Standard Webhooks secret."""


def check_secret(secret: str) -> None:
    """Raise SigningError unless `secret` is `whsec_` + non-empty base64."""
    if not secret.startswith("whsec_"):
        raise SigningError("must start with 'whsec_' followed by base64")
    try:
        Webhook(secret)
    except (binascii.Error, ValueError) as error:
        raise SigningError(f"is not valid base64 after 'whsec_': {error}") from error
    except Exception as error:  # the library's EmptyWebhookSecretError has no useful base class
        raise SigningError(str(error)) from error


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, the same on every retry."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(secret: str, event_id: str, at: dt.datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one send of `body` at time `at`."""
    timestamp = math.floor(at.timestamp())
    signature = Webhook(secret).sign(
        msg_id=event_id, timestamp=dt.datetime.fromtimestamp(timestamp, dt.UTC), data=body.decode()
    )
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
