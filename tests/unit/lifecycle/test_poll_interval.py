"""The poll's pace: the safety net while Xentral's events arrive, the full rate otherwise or when unknown."""

from __future__ import annotations

from typing import Any

from unified_order_api.lifecycle.polling import TrackingPoller


def _poller(**kwargs: Any) -> TrackingPoller:
    return TrackingPoller(store=None, reads={}, sink=None, poll_seconds=30, safety_seconds=300, **kwargs)  # type: ignore[arg-type]


async def test_without_events_the_poll_runs_at_its_full_rate() -> None:
    assert await _poller().interval("main") == 30


async def test_healthy_events_make_the_poll_a_safety_net_per_instance() -> None:
    async def healthy(instance: str) -> bool:
        return instance == "main"

    poller = _poller(webhooks_healthy=healthy)
    assert await poller.interval("main") == 300
    assert await poller.interval("other") == 30


async def test_an_unreadable_health_keeps_the_full_rate() -> None:
    async def broken(instance: str) -> bool:
        raise RuntimeError("database down")

    assert await _poller(webhooks_healthy=broken).interval("main") == 30
