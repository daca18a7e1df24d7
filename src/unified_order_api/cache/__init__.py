"""Caches in front of Xentral's slow-changing answers: products by SKU and customers by email/number."""

from .gateway import CacheTtls, CachingGateway
from .store import Cache, MemoryCache, RedisCache

__all__ = ["Cache", "CacheTtls", "CachingGateway", "MemoryCache", "RedisCache"]
