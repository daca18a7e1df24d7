"""Who is signed in to the console: operator keys, and signed, expiring session cookies.

A session is a cookie `v1.<payload>.<signature>`: the payload (operator, key id, expiry,
CSRF token, session id) is base64url JSON, the signature HMAC-SHA256 over it with the
console's secret. Nothing secret is in it: the key id is an HMAC of the operator's key, so
changing or removing a key ends every session made with it. Signing out revokes the session
id in this process until it would have expired anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ADMIN_OPERATOR", "Operators", "Session", "SessionCodec"]

ADMIN_OPERATOR = "admin"
_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class Session:
    operator: str
    key_id: str
    expires: float  # Unix time
    csrf: str
    id: str


class Operators:
    """The keys that may sign in, each with the name that actions are recorded under."""

    def __init__(self, keys: list[tuple[str, str]], secret: bytes) -> None:
        self._secret = secret
        self._keys = [(name, key.encode()) for name, key in keys if key]

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def key_id(self, key: bytes) -> str:
        return hmac.new(self._secret, b"operator-key:" + key, hashlib.sha256).hexdigest()[:24]

    def sign_in(self, presented: str) -> tuple[str, str] | None:
        """(operator, key id) for a valid key. Every key is compared, so timing does not tell which came close."""
        candidate = presented.encode()
        found = None
        for name, key in self._keys:
            if hmac.compare_digest(candidate, key):
                found = (name, self.key_id(key))
        return found

    def still_valid(self, operator: str, key_id: str) -> bool:
        return any(name == operator and hmac.compare_digest(self.key_id(key), key_id) for name, key in self._keys)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Issues and checks session cookies; revocations live in this process."""

    def __init__(self, secret: bytes, lifetime_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._lifetime = lifetime_seconds
        self._clock = clock
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def lifetime_seconds(self) -> float:
        return self._lifetime

    def issue(self, operator: str, key_id: str) -> tuple[Session, str]:
        session = Session(
            operator=operator,
            key_id=key_id,
            expires=self._clock() + self._lifetime,
            csrf=secrets.token_urlsafe(24),
            id=secrets.token_urlsafe(12),
        )
        payload = {"o": session.operator, "k": session.key_id, "e": session.expires, "c": session.csrf, "i": session.id}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return session, f"{_VERSION}.{body}.{self._sign(body)}"

    def read(self, cookie: str | None) -> Session | None:
        """The session in `cookie` if it is ours, unexpired and not revoked; else None."""
        if not cookie:
            return None
        parts = cookie.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            return None
        _, body, signature = parts
        if not hmac.compare_digest(self._sign(body), signature):
            return None
        try:
            payload = json.loads(_unb64(body))
            session = Session(
                operator=str(payload["o"]),
                key_id=str(payload["k"]),
                expires=float(payload["e"]),
                csrf=str(payload["c"]),
                id=str(payload["i"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if session.expires <= self._clock() or self._is_revoked(session.id):
            return None
        return session

    def revoke(self, session: Session) -> None:
        now = self._clock()
        with self._lock:
            self._revoked = {sid: until for sid, until in self._revoked.items() if until > now}
            self._revoked[session.id] = session.expires

    def _is_revoked(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._revoked

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, f"{_VERSION}.{body}".encode(), hashlib.sha256).digest())

    def token(self, purpose: str) -> str:
        """A signed random value for a form that has no session yet (the sign-in form)."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(purpose + ':' + nonce)}"

    def token_valid(self, purpose: str, value: str | None) -> bool:
        if not value or "." not in value:
            return False
        nonce, signature = value.split(".", 1)
        return hmac.compare_digest(self._sign(purpose + ":" + nonce), signature)
