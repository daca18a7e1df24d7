"""The async lane's worker: takes queued orders in arrival order and runs them through the service.

Throughput is set by the Xentral limiter every call passes through, not by this loop: a few
orders run at once so one slow Xentral answer does not idle the budget, and the queue lives in
the database, so it survives restarts and several instances share it. A transient failure puts
an order back with a growing delay instead of failing it; after `MAX_REQUEUES` it fails visibly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import structlog

from ..clock import Clock, utc_now
from .attempts import Attempt, AttemptState, LeaseLost, StepName, StoreUnavailable
from .commands import PlaceOrder
from .errors import OrderError, XentralMisbehaved, XentralSideError
from .ports import Attempts, OrderQueue
from .service import OrderService

__all__ = ["MAX_REQUEUES", "QUEUE_BACKOFF_CAP", "QueueWorker"]

log = structlog.get_logger(__name__)

MAX_REQUEUES = 12
QUEUE_BACKOFF_CAP = 900.0


class QueueWorker:
    def __init__(
        self,
        *,
        service: OrderService,
        queue: OrderQueue,
        attempts: Attempts,
        concurrency: int = 8,
        poll_seconds: float = 0.5,
        lease_seconds: float = 60.0,
        clock: Clock = utc_now,
    ) -> None:
        self._service = service
        self._queue = queue
        self._attempts = attempts
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._clock = clock
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due (up to `limit`, default the concurrency) and process it; returns how many."""
        now = self._clock()
        attempts = await self._queue.claim_queued(
            owner=self._owner, now=now, lease_until=now + self._lease, limit=limit or self._concurrency
        )
        await asyncio.gather(*(self._process(attempt) for attempt in attempts))
        return len(attempts)

    async def _process(self, attempt: Attempt) -> None:
        try:
            await self.process(attempt)
        except StoreUnavailable as error:
            # The attempt keeps its lease and is claimed again when it runs out.
            log.warning("queue.database_unavailable", reference=attempt.reference, error=error.detail)
        except Exception:
            # The attempt keeps its lease and is claimed again when it runs out.
            log.exception("queue.order_crashed", reference=attempt.reference)

    async def process(self, attempt: Attempt) -> None:
        """Run one claimed queued order; a transient failure puts it back with a delay instead of failing it."""
        service = self._service
        callback_url = None
        try:
            assert attempt.request is not None
            command = PlaceOrder.from_json(attempt.request)
            callback_url = await service.callbacks.target(attempt.client, command)
            await service.execute(command, attempt, callback_url, resumed=len(attempt.steps) > 1)
        except LeaseLost:
            return  # another worker owns it now
        except StoreUnavailable:
            raise  # nothing can be recorded now; the lease runs out and the order is taken again
        except XentralSideError as error:
            await self._requeue(attempt, error, callback_url)
        except OrderError as error:
            if attempt.state != AttemptState.FAILED:  # e.g. a refused callback_url, before execute ran
                await service.fail(attempt, error, callback_url)
        except Exception as error:
            # A bug or a stored request we cannot read: retry a few times, then give up visibly
            # instead of spending Xentral's budget on it forever.
            log.exception("queue.order_crashed", reference=attempt.reference)
            crash = XentralMisbehaved(f"Processing failed unexpectedly ({type(error).__name__})")
            await self._requeue(attempt, crash, callback_url)

    async def _requeue(self, attempt: Attempt, error: OrderError, callback_url: str | None) -> None:
        requeues = attempt.count(StepName.REQUEUED)
        if requeues >= MAX_REQUEUES:
            await self._service.fail(attempt, error, callback_url)
            return
        delay = min(QUEUE_BACKOFF_CAP, max(error.retry_after or 0, 2.0 * 2**requeues))
        attempt.lease_until = self._clock() + dt.timedelta(seconds=delay)
        attempt.record(StepName.REQUEUED, self._clock(), f"{error.code}: retry in {delay:.0f}s")
        await self._attempts.save(attempt)

    async def run_forever(self) -> None:
        """`concurrency` lanes, each taking the next due order as soon as it is free."""
        await asyncio.gather(*(self._lane() for _ in range(self._concurrency)))

    async def _lane(self) -> None:
        while True:
            try:
                taken = await self.run_once(limit=1)
            except StoreUnavailable as error:
                log.warning("queue.database_unavailable", error=error.detail)
                taken = 0
            except Exception:
                log.exception("queue.poll_failed")
                taken = 0
            if taken == 0:
                await asyncio.sleep(self._poll_seconds)
