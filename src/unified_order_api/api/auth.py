"""Who is calling: an API key in `Authorization: Bearer` or `X-API-Key`, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer

from ..config import ApiClient, Settings
from .errors import Unauthenticated


class ApiKeys:
    """Every client's key and the admin key, as the HTTP edge checks them."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiKeys:
        admin_keys = [key.get_secret_value() for key in (settings.admin_api_key, settings.admin_api_key_next) if key]
        return cls(settings.clients, *admin_keys)

    def __init__(self, clients: list[ApiClient], *admin_keys: str) -> None:
        # A client's `api_key_next` is valid beside its `api_key` while keys are rotated.
        self._clients = [
            (key.get_secret_value().encode(), client)
            for client in clients
            for key in (client.api_key, client.api_key_next)
            if key is not None
        ]
        self._admin_keys = [key.encode() for key in admin_keys if key]

    def client_for(self, presented: str | None) -> ApiClient:
        if not presented:
            raise Unauthenticated("An API key is required (Authorization: Bearer <key> or X-API-Key)")
        candidate = presented.encode()
        found = None
        # Compare against every key so the time taken does not tell which client came close.
        for key, client in self._clients:
            if hmac.compare_digest(candidate, key):
                found = client
        if found is None:
            raise Unauthenticated("The API key is not valid")
        return found

    def check_admin(self, presented: str | None) -> None:
        if not self._admin_keys:
            raise Unauthenticated("The admin API is disabled (no admin key is configured)")
        candidate = (presented or "").encode()
        matches = [hmac.compare_digest(candidate, key) for key in self._admin_keys]  # every key, for the timing
        if not presented or not any(matches):
            raise Unauthenticated("The admin API key is not valid")


# Declared for the OpenAPI document (the "Authorize" button in /docs); the check itself is
# `presented_key` + `ApiKeys`, so these never reject a request on their own.
bearer_scheme = HTTPBearer(auto_error=False, description="Your API key as a bearer token")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="Your API key")


def presented_key(request: Request) -> str | None:
    """The key the caller presents. An `Authorization` header, when sent, is what counts: a broken
    or foreign one (Basic, an empty Bearer) is refused rather than ignored in favour of X-API-Key."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <API key>'")
        return token.strip()
    return request.headers.get("x-api-key") or None
