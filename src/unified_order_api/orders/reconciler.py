"""The reconciler: the loop that finishes synchronous orders nobody is finishing.

A synchronous order whose outcome was unknown or unconfirmed (its client got a 502/504), or whose
process died mid-flight, waits for nobody unless its client retries. Every `serve` process runs this
loop: it takes such attempts (lease ran out) in batches — each taken by one process only, under a
lease, so several processes share the work safely — and hands each to the order service's
reconciler lane (`OrderService.reconcile`). The attempts of a batch run together, so their lookups
by reference reach the gateway at once and go out as one Xentral call; they run in the limiter's
low-priority lane (`in_background`), so new orders always go first. Queued orders are the queue
worker's (it requeues them itself); this loop leaves them alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from ..clock import Clock, utc_now
from .attempts import Attempt, StoreUnavailable
from .ports import UnresolvedAttempts
from .reads import in_background, unhurried
from .reconciliation import Finding, ReconcileRules
from .service import OrderService

__all__ = ["Reconciler"]

log = structlog.get_logger(__name__)

FindingHook = Callable[[Attempt, Finding], None]


@dataclass
class Reconciler:
    """`on_finding` hears what each look found (metrics, alerts); `lease_seconds` is how long a taken
    attempt is this process's (the idempotency lease: a look takes as long as a retry)."""

    service: OrderService
    attempts: UnresolvedAttempts
    rules: ReconcileRules
    batch_size: int = 50
    poll_seconds: float = 15.0
    lease_seconds: float = 60.0
    clock: Clock = utc_now
    on_finding: FindingHook | None = None
    owner: str = field(default_factory=lambda: f"reconciler-{uuid.uuid4().hex[:12]}")

    async def run_once(self) -> list[tuple[Attempt, Finding]]:
        """Take what is due (up to the batch size) and look at it together; returns what each look found."""
        now = self.clock()
        taken = await self.attempts.claim_unresolved(
            owner=self.owner, now=now, lease_until=now + dt.timedelta(seconds=self.lease_seconds), limit=self.batch_size
        )
        findings = await asyncio.gather(*(self._look(attempt) for attempt in taken))
        return [(attempt, finding) for attempt, finding in zip(taken, findings, strict=True) if finding is not None]

    async def _look(self, attempt: Attempt) -> Finding | None:
        try:
            with unhurried(), in_background():
                finding = await self.service.reconcile(attempt, self.rules)
        except StoreUnavailable as error:
            # Nothing could be recorded; the lease runs out and the attempt is taken again.
            log.warning("reconciler.database_unavailable", reference=attempt.reference, error=error.detail)
            return None
        except Exception:
            log.exception("reconciler.crashed", reference=attempt.reference)
            return None
        log.info("reconciler.looked", reference=attempt.reference, client=attempt.client, finding=finding.value)
        if self.on_finding is not None:
            self.on_finding(attempt, finding)
        return finding

    async def run_forever(self) -> None:
        """Look for unresolved attempts every `poll_seconds`; a full batch is followed by the next at once."""
        while True:
            try:
                looked = await self.run_once()
            except StoreUnavailable as error:
                log.warning("reconciler.database_unavailable", error=error.detail)
                looked = []
            except Exception:
                log.exception("reconciler.poll_failed")
                looked = []
            if len(looked) < self.batch_size:
                await asyncio.sleep(self.poll_seconds)
