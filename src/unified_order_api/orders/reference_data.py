"""Shipping methods, payment methods and projects: rarely changing lists, cached and matched to codes."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .model import PaymentMethod, Project, ShippingMethod
from .ports import XentralGateway

T = TypeVar("T")


class _CachedList(Generic[T]):
    """One list with a time-to-live; concurrent callers share a single refresh."""

    def __init__(self, load: Callable[[], Awaitable[Sequence[T]]], ttl_seconds: float) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._value: Sequence[T] | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Sequence[T]:
        if self._value is not None and time.monotonic() - self._loaded_at < self._ttl:
            return self._value
        async with self._lock:
            if self._value is None or time.monotonic() - self._loaded_at >= self._ttl:
                self._value = await self._load()
                self._loaded_at = time.monotonic()
            return self._value

    def invalidate(self) -> None:
        self._value = None


def _normalize(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


@dataclass(frozen=True, slots=True)
class CodeMatch:
    id: str | None
    candidates: tuple[str, ...] = ()


def match_code(code: str, mapping: Mapping[str, str], methods: Sequence[ShippingMethod | PaymentMethod]) -> CodeMatch:
    """Find the Xentral method a caller's code means.

    A configured mapping wins. Without one, a code matches a method whose id, type, module or
    designation equals it once case and punctuation are ignored (`PayPal` ~ `paypal`); a code that
    matches several methods is not guessed.
    """
    mapped = mapping.get(code.strip().lower())
    if mapped is not None:
        return CodeMatch(mapped if any(m.id == mapped for m in methods) else None, (mapped,))
    wanted = _normalize(code)
    hits = []
    for method in methods:
        names = [method.id, method.type, method.designation]
        if isinstance(method, ShippingMethod):
            names.append(method.module)
        if wanted and any(_normalize(name) == wanted for name in names if name):
            hits.append(method.id)
    if len(hits) == 1:
        return CodeMatch(hits[0], tuple(hits))
    return CodeMatch(None, tuple(hits))


class ReferenceData:
    def __init__(self, gateway: XentralGateway, ttl_seconds: float = 300.0) -> None:
        self.shipping_methods: _CachedList[ShippingMethod] = _CachedList(gateway.shipping_methods, ttl_seconds)
        self.payment_methods: _CachedList[PaymentMethod] = _CachedList(gateway.payment_methods, ttl_seconds)
        self.projects: _CachedList[Project] = _CachedList(gateway.projects, ttl_seconds)

    def invalidate(self) -> None:
        self.shipping_methods.invalidate()
        self.payment_methods.invalidate()
        self.projects.invalidate()
