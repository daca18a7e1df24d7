"""The async lane's worker: takes queued orders in arrival order, in batches, and runs them through the service.

Throughput is set by the Xentral limiter every call passes through and by how many calls an
order costs. The worker keeps up to `batch_size` orders in flight, claimed together, so their
reads (duplicate check, customer search, product lookup) reach the gateway at the same moment
and the coalescing gateway answers them with one call per kind. Each order still runs alone
through the service — its own attempt, state machine, lease and idempotency — so a crash in
the middle of a batch resumes every order by reconciliation, and one order's failure never
touches its batch-mates. The queue lives in the database, so it survives restarts and several
instances share it. What happens to one order is the service's `run_queued` (a transient failure
puts it back with a growing delay; after `queue.max_requeues` it fails visibly); the worker only
claims, keeps the batch full, and hands back what it was running when it stops.

Stopping (SIGTERM), the worker claims nothing more, gives the orders in flight `grace_seconds`
to finish, then cancels the rest and hands their leases back, so another instance resumes them
at once (by reconciliation, as after a crash) instead of when the lease runs out. An order
cancelled while a write was on its way to Xentral (an import, a customer creation) keeps its
lease: Xentral may still carry the write out, and a successor looking before it lands would
write again; it is resumed when the lease runs out, as after a crash.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import structlog

from ..clock import Clock, utc_now
from .attempts import Attempt, StepName, StoreUnavailable
from .ports import OrderQueue
from .reads import unhurried
from .service import OrderService

__all__ = ["QueueWorker"]

log = structlog.get_logger(__name__)

# The steps recorded just before a write is sent: an order stopped there has an unknown outcome.
_WRITES = frozenset({StepName.IMPORTING, StepName.CREATING_CUSTOMER})


class QueueWorker:
    def __init__(
        self,
        *,
        service: OrderService,
        queue: OrderQueue,
        batch_size: int = 50,
        poll_seconds: float = 0.5,
        lease_seconds: float = 60.0,
        grace_seconds: float = 20.0,
        clock: Clock = utc_now,
    ) -> None:
        self._service = service
        self._queue = queue
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._grace = grace_seconds
        self._clock = clock
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due (up to `limit`, default the batch size) and process it together; returns how many."""
        attempts = await self._claim(limit or self._batch_size)
        await asyncio.gather(*(self._process(attempt) for attempt in attempts))
        return len(attempts)

    async def _claim(self, limit: int) -> list[Attempt]:
        now = self._clock()
        return await self._queue.claim_queued(owner=self._owner, now=now, lease_until=now + self._lease, limit=limit)

    async def _process(self, attempt: Attempt) -> None:
        try:
            with unhurried():  # its reads may wait for the batch's, to share Xentral calls
                await self._service.run_queued(attempt)
        except StoreUnavailable as error:
            # The attempt keeps its lease and is claimed again when it runs out.
            log.warning("queue.database_unavailable", reference=attempt.reference, error=error.detail)
        except Exception:
            # The attempt keeps its lease and is claimed again when it runs out.
            log.exception("queue.order_crashed", reference=attempt.reference)

    async def run_forever(self) -> None:
        """Keep up to `batch_size` orders in flight; claim more whenever a quarter of the batch is free
        (or none is running), so newly claimed orders arrive at the gateway together."""
        running: dict[asyncio.Task[None], Attempt] = {}
        refill = max(1, self._batch_size // 4)
        try:
            while True:
                free = self._batch_size - len(running)
                taken: list[Attempt] = []
                if free >= refill or not running:
                    try:
                        taken = await self._claim(free)
                    except StoreUnavailable as error:
                        log.warning("queue.database_unavailable", error=error.detail)
                    except Exception:
                        log.exception("queue.poll_failed")
                for attempt in taken:
                    task = asyncio.create_task(self._process(attempt), name=f"order-{attempt.reference}")
                    running[task] = attempt
                    task.add_done_callback(running.pop)
                if running:
                    await asyncio.wait(running, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.sleep(self._poll_seconds)
        finally:
            await self._stop(running)

    async def _stop(self, running: dict[asyncio.Task[None], Attempt]) -> None:
        """The orders in flight finish within the grace time; the others are cancelled and handed back."""
        if running:
            await asyncio.wait(list(running), timeout=self._grace)
        unfinished = dict(running)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        for attempt in unfinished.values():
            if attempt.steps and attempt.steps[-1].name in _WRITES:
                log.info("queue.kept_lease_write_in_flight", reference=attempt.reference)
                continue
            try:
                handed = await self._queue.hand_back(attempt, self._clock())
            except Exception as error:  # the lease then runs out as after a crash
                log.warning("queue.hand_back_failed", reference=attempt.reference, error=type(error).__name__)
                continue
            log.info("queue.handed_back", reference=attempt.reference, handed_back=handed)
