"""Whether a filtered list answer is the answer to our filter, before anything acts on it.

Found in the field: a server answered `externalOrderNumber equals SHOP-1` with an order whose
reference was something else, and the service reported that order as the caller's. A list that
returns items its filter excludes did not apply the filter, so its answer proves nothing — not
"found" (the items are not ours) and not "not found" (ours may sit on a page we did not get).

Two notions of equality, one per question:

- *The filter was applied* (`same_leniently`): the item's value equals what we asked for after
  `strip()` and `casefold()`. Assumption (docs/xentral.md#matching-text): Xentral's `equals` may
  compare like MySQL's default collation, ignoring case and trailing spaces; such an item is a
  lenient match, not a sign that the filter was ignored. Anything else is, and raises
  `XentralUnfilteredAnswer`.
- *The item is ours*: decided by the caller. For sales orders it is exact, case-sensitive equality
  of `externalOrderNumber` with the reference we sent (`SHOP-1` and `shop-1` are two orders).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import XentralUnfilteredAnswer, XentralUntrustedAnswer

__all__ = ["AnswerChecks", "UntrustedHook", "check_filter_applied", "same_leniently"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

UntrustedHook = Callable[[str, str], None]
"""Called as `hook(operation, reason)` for every answer a check refused; reason e.g. `filter_ignored`."""


def same_leniently(value: str | None, wanted: str) -> bool:
    """Equal as a case- and whitespace-lenient `equals` filter would find them."""
    return value is not None and value.strip().casefold() == wanted.strip().casefold()


def check_filter_applied(operation: str, key: str, items: Sequence[T], matches: Callable[[T], bool]) -> None:
    """Raise `XentralUnfilteredAnswer` when any item is one the filter on `key` excludes."""
    unmatched = sum(1 for item in items if not matches(item))
    if unmatched:
        raise XentralUnfilteredAnswer(operation=operation, key=key, returned=len(items), unmatched=unmatched)


class AnswerChecks:
    """The checks as the gateways run them: a refused answer is logged, reported, then raised."""

    def __init__(self, on_untrusted: UntrustedHook | None = None) -> None:
        self._on_untrusted = on_untrusted

    def filter_applied(self, operation: str, key: str, items: Sequence[T], matches: Callable[[T], bool]) -> None:
        try:
            check_filter_applied(operation, key, items, matches)
        except XentralUntrustedAnswer as error:
            raise self.distrust(error) from None

    def distrust(self, error: XentralUntrustedAnswer) -> XentralUntrustedAnswer:
        """Log and count an answer a check refused; returns it for the caller to raise."""
        logger.warning("xentral answer not trusted (%s): %s", error.reason, error)
        if self._on_untrusted is not None:
            try:
                self._on_untrusted(error.operation, error.reason)
            except Exception:
                logger.exception("xentral on_untrusted hook failed")
        return error
