"""What a key, a token and a Xentral address must look like, checked when the settings load.

A key or token travels in an HTTP header, so it must be printable ASCII without spaces: the
README's `"api_key": "…"` pasted with its placeholder would otherwise load and fail later, as a
`UnicodeEncodeError` deep inside httpx. The keys callers and operators present are at least
`MIN_KEY_LENGTH` characters, so none can be guessed. A Xentral address is the instance's root:
the client adds `/api/v1/…` and `/api/v2/…` itself. No message repeats a value.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, SecretStr

__all__ = [
    "MIN_KEY_LENGTH",
    "AccessKey",
    "HeaderToken",
    "XentralAddress",
    "header_safe",
    "long_enough",
    "xentral_address",
]

MIN_KEY_LENGTH = 16
"""The shortest API, admin or operator key accepted (`secrets.token_urlsafe(12)` is 16 characters)."""


def header_safe(value: SecretStr) -> SecretStr:
    """A secret that can be sent as an HTTP header value: printable ASCII, no spaces, not empty."""
    text = value.get_secret_value()
    if not text.strip():
        raise ValueError("must not be empty")
    for position, character in enumerate(text, start=1):
        if not "!" <= character <= "~":
            what = "a space" if character.isspace() else "not printable ASCII"
            hint = " (is an example's '…' placeholder still in it?)" if character == "…" else ""
            raise ValueError(f"character {position} is {what}{hint}; keys and tokens are sent in an HTTP header")
    return value


def long_enough(value: SecretStr) -> SecretStr:
    if len(value.get_secret_value()) < MIN_KEY_LENGTH:
        raise ValueError(
            f"a key needs at least {MIN_KEY_LENGTH} characters (e.g. python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(24))')"
        )
    return value


HeaderToken = Annotated[SecretStr, AfterValidator(header_safe)]
"""A token sent to someone else (Xentral's Personal Access Token): header-safe, any length."""

AccessKey = Annotated[SecretStr, AfterValidator(header_safe), AfterValidator(long_enough)]
"""A key presented to us (a client's, the admin's, an operator's): header-safe and long enough."""


def xentral_address(value: str) -> str:
    """`https://acme.xentral.biz`: a scheme, a host, and no API path; without a trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be the instance's address with its scheme, e.g. https://acme.xentral.biz")
    segments = [segment for segment in parts.path.split("/") if segment]
    if "api" in (segment.lower() for segment in segments):
        root = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # never a password in the URL
        raise ValueError(f"must not include the API path (use {root}; the service adds /api/v1 and /api/v2 itself)")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment, e.g. https://acme.xentral.biz")
    return value.strip().rstrip("/")


XentralAddress = Annotated[str, AfterValidator(xentral_address)]
"""A Xentral instance's address (`xentral_url`, `xentral_instances.<name>.url`, a client's own)."""
