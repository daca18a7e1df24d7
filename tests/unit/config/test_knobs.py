"""What were fixed numbers in the wiring are settings now, and reach the adapters `bootstrap` builds."""

from __future__ import annotations

from unified_order_api.bootstrap import xentral_instances
from unified_order_api.cache import CacheTtls
from unified_order_api.config import Settings
from unified_order_api.metrics import Metrics


async def test_the_cache_settings_reach_every_instances_adapters() -> None:
    settings = Settings(
        xentral_url="https://x.xentral.biz",
        xentral_token="t",
        xentral_instances={"eu": {"url": "https://eu.xentral.biz", "token": "t"}},
        cache={
            "product_seconds": 7,
            "missing_product_seconds": 1,
            "customer_seconds": 9,
            "reference_data_seconds": 11,
            "max_entries": 2,
        },
    )
    instances = xentral_instances(settings, Metrics())
    try:
        assert sorted(instances) == ["default", "eu"]
        for adapters in instances.values():
            assert adapters.gateway._ttls == CacheTtls(7, 1, 9)
            assert adapters.reference_data.projects._ttl == 11
            await adapters.cache.set_many({"a": 1, "b": 2, "c": 3}, 60)
            assert await adapters.cache.get_many(["a", "b", "c"]) == {"b": 2, "c": 3}  # two entries at most
    finally:
        for adapters in instances.values():
            await adapters.aclose()


def test_the_defaults_are_the_numbers_that_were_fixed_before() -> None:
    settings = Settings()
    assert (settings.queue.max_requeues, settings.queue.backoff_cap_seconds) == (12, 900.0)
    assert settings.cache.model_dump() == {
        "product_seconds": 300.0,
        "missing_product_seconds": 30.0,
        "customer_seconds": 600.0,
        "reference_data_seconds": 300.0,
        "max_entries": 50_000,
    }
    assert settings.xentral_max_connections == 20
