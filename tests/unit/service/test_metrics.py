"""Metrics registries per app instance, without a server."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from unified_order_api.metrics import Metrics


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(series: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return series.get((name, frozenset(labels.items())))


def test_registries_are_per_instance_and_methods_record() -> None:
    first, second = Metrics(), Metrics()  # no "Duplicated timeseries"
    first.cache_hit("products")
    first.cache_hit("products")
    first.cache_miss("products")
    first.webhook_delivery("delivered")
    first.set_queue_depth("webhooks", 3)
    second.set_queue_depth("orders", 7.0)
    second.set_queue_depth("orders", 9.0)
    one, two = samples(first.exposition().decode()), samples(second.exposition().decode())
    assert value(one, "cache_hits_total", cache="products") == 2
    assert value(one, "cache_misses_total", cache="products") == 1
    assert value(one, "webhook_deliveries_total", state="delivered") == 1
    assert value(one, "queue_depth", queue="webhooks") == 3
    assert value(two, "queue_depth", queue="orders") == 9  # the latest reading
    assert value(two, "cache_hits_total", cache="products") is None
