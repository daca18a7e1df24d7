"""`DeprecationLog`: every `Sunset` or `Deprecation` header Xentral sends, so its next move is seen months ahead.

Xentral's framework marks resources it will retire with `Deprecation` (RFC 9745) and `Sunset` (RFC 8594).
An operation's first such answer is logged as a warning (once per operation, not once per call: the log
must stay readable); every such answer is counted (the `on_notice` hook feeds `/metrics`); the notices are
kept per operation for `check-config` and the console's configuration page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["DeprecationLog", "DeprecationNotice", "NoticeHook"]

logger = logging.getLogger(__name__)

NoticeHook = Callable[[str], None]
"""Called with the operation name for every answer that carried a `Sunset` or `Deprecation` header."""


@dataclass(frozen=True, slots=True)
class DeprecationNotice:
    """What Xentral said about one operation the first time it said it: the header values as sent."""

    operation: str
    path: str
    deprecation: str | None
    sunset: str | None

    def describe(self) -> str:
        parts = [f"Deprecation: {self.deprecation}" if self.deprecation else None]
        parts.append(f"Sunset: {self.sunset}" if self.sunset else None)
        return f"{self.path} is deprecated by Xentral ({', '.join(p for p in parts if p)})"


class DeprecationLog:
    """The notices of one Xentral instance, one per operation (the first answer's headers)."""

    def __init__(self, on_notice: NoticeHook | None = None) -> None:
        self._on_notice = on_notice
        self._notices: dict[str, DeprecationNotice] = {}
        self._lock = threading.Lock()

    def observe(self, operation: str, path: str, headers: Mapping[str, str]) -> None:
        deprecation, sunset = headers.get("deprecation"), headers.get("sunset")
        if deprecation is None and sunset is None:
            return
        with self._lock:
            first = operation not in self._notices
            if first:
                self._notices[operation] = DeprecationNotice(operation, path, deprecation, sunset)
        if first:
            logger.warning("xentral %s: %s", operation, self._notices[operation].describe())
        if self._on_notice is not None:
            try:
                self._on_notice(operation)
            except Exception:
                logger.exception("xentral deprecation hook failed")

    def notices(self) -> list[DeprecationNotice]:
        with self._lock:
            return sorted(self._notices.values(), key=lambda notice: notice.operation)
