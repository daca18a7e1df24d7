"""Caches in front of Xentral's slow-changing answers: products by SKU and customers by email/number."""

from .backends import Cache, MemoryCache, RedisCache
from .lookups import CachedLookups, CacheTtls

__all__ = ["Cache", "CacheTtls", "CachedLookups", "MemoryCache", "RedisCache"]
