"""The async lane's gauges as serve's housekeeping loop sets them (`housekeeping.report_queue`): the queue's
depth and how long its oldest order has waited — a short queue that does not move shows by its age alone."""

from __future__ import annotations

import datetime as dt

from prometheus_client.parser import text_string_to_metric_families

from tests.support.clock import FakeClock
from unified_order_api.housekeeping import report_queue
from unified_order_api.metrics import Metrics
from unified_order_api.store.attempts import SqlAttemptStore

START = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def gauges(metrics: Metrics) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for sample in family.samples
        if sample.labels.get("queue") == "orders"
    }


async def test_the_oldest_queued_orders_age_is_reported_beside_the_depth(store: SqlAttemptStore) -> None:
    clock, metrics = FakeClock(START), Metrics()
    await report_queue(store, metrics, clock=clock)
    assert gauges(metrics) == {"queue_depth": 0, "queue_oldest_age_seconds": 0}

    for n in range(2):
        await store.claim(
            client="shop",
            key=f"Q{n}",
            reference=f"Q{n}",
            fingerprint="F",
            owner="api",
            now=clock(),
            lease_until=clock(),
            queued=True,
        )
        clock.advance(600)
    clock.advance(300)
    await report_queue(store, metrics, clock=clock)
    assert gauges(metrics) == {"queue_depth": 2, "queue_oldest_age_seconds": 1500}
