"""What the console shows of stored requests and URLs: secrets replaced, before any template sees them.

Stored requests hold no keys by design, but a caller may put a token in a `callback_url`
query or a custom field named like one, or a card number in a note; a webhook URL may carry
credentials. Masking is by name (any key that sounds secret or like card data) and by shape
(card-like numbers as the inbox masks them, URL userinfo and query strings).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..inbox.masking import mask_json

__all__ = ["MASK", "mask_request", "mask_url"]

MASK = "••••••"
_SECRET_NAME = re.compile(r"secret|token|password|passwd|api[_-]?key|authori[sz]ation|signature|credential", re.I)
_URL_NAME = re.compile(r"url$", re.I)


def mask_url(url: str | None) -> str | None:
    """The URL without userinfo, query and fragment (where tokens travel); unparsable ones fully masked."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if not parts.scheme or not host:
        return MASK
    netloc = f"{MASK}@{host}{port}" if parts.username or parts.password else f"{host}{port}"
    if ":" in host:
        netloc = netloc.replace(host, f"[{host}]")
    query = MASK if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask_request(value: Any) -> Any:
    """A deep copy of a stored request with secret-sounding fields, card data (as the inbox masks it) and URL
    credentials masked."""
    return _masked(mask_json(value))


def _masked(value: Any, name: str = "") -> Any:
    if isinstance(value, dict):
        return {key: _masked(item, str(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, name) for item in value]
    if value is None:
        return None
    if _SECRET_NAME.search(name):
        return MASK
    if isinstance(value, str) and _URL_NAME.search(name):
        return mask_url(value)
    return value
