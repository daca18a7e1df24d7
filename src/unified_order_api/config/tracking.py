"""The tracking section: how orders are followed after the import (lifecycle/, issue 23)."""

from __future__ import annotations

from pydantic import Field

from ..orders.policy import Section

__all__ = ["TrackingSettings"]


class TrackingSettings(Section):
    """Orders followed after the import: released, dispatched, shipped, completed, cancelled, held."""

    enabled: bool = True
    """Track every order this service created or found `existing` (its lifecycle, shipments and the client's
    lifecycle webhooks)."""
    run_in_service: bool = True
    """Run the poller inside `serve` (safe in several processes: one process polls an instance at a time, under a
    lease)."""
    poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How often Xentral is asked what changed (orders by `updatedAt`, delivery notes and deliveries); a shipment
    shows within two of these even where Xentral sends no webhooks, and when the polling process was killed."""
    safety_net_poll_seconds: float = Field(default=600.0, gt=0, le=86400)
    """The poll interval of an instance whose Xentral webhooks are healthy: polling is then only the safety net,
    which makes up a lost event within this long (10 minutes: with the events' own reads, tracking stays within
    two Xentral calls a minute at a few changes a minute; see docs/development/benchmarks.md)."""
    retention_days: float = Field(default=30.0, gt=0)
    """How long after its import an order is tracked at most (it stops earlier when completed or cancelled); its
    record and changes are deleted as long again after it closed."""
    lease_seconds: float = Field(default=120.0, gt=0)
    """How long one round of an instance's poll may run before another process may take it (longer than the
    slowest round). Between rounds the holder keeps the instance only until its next round is due plus one
    `poll_seconds` (at least 5 s), so a killed process's poll is taken over about two poll intervals after its
    last round; and whoever holds it, an instance is never polled more often than its interval."""
    overlap_seconds: float = Field(default=120.0, ge=0)
    """Each poll reads changes from this long before the previous poll's start, so a change Xentral dates late
    (clocks, slow commits) is not missed; what was seen before changes nothing."""
