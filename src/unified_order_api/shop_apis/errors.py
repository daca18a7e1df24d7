"""One exception hierarchy for a shop's API: retry later (`ShopApiRetryable`) or never (`ShopApiRefused`).

Messages name the shop, the method, the path and the status and a short excerpt of the answer,
never a header or a credential, so they may be logged and shown on the console.
"""

from __future__ import annotations

__all__ = ["ShopApiError", "ShopApiRefused", "ShopApiRetryable"]


class ShopApiError(Exception):
    """Base of every error a shop adapter raises; `status` is the HTTP status when the shop answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status = message, status

    def __str__(self) -> str:
        return self.message


class ShopApiRetryable(ShopApiError):
    """Worth another try: 429, 5xx, a throttled GraphQL query or no answer. `retry_after` is the
    wait in seconds the shop asked for (`Retry-After`, Shopify's cost restore rate), None if it named none.
    `outcome_unknown`: the request may have been carried out (a lost answer to a write)."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None, outcome_unknown: bool
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after, self.outcome_unknown = retry_after, outcome_unknown


class ShopApiRefused(ShopApiError):
    """The shop said no in a way another try will not change (4xx, wrong credentials, a user error)."""
