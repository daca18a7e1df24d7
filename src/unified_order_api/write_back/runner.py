"""The lane's job runner: claimed jobs run against the shop's API, each attempt's answer kept.

- done: the adapter said what the shop now shows (a note added, or there already…);
- retried: no answer, 429 or 5xx (`ShopApiRetryable`), or anything unexpected — after the wait the
  shop asked for (`Retry-After`, Shopify's bucket refill), else `backoff` doubling per attempt up to
  `backoff_cap`; a job whose next try would fall after its `give_up_at` is dead instead;
- dead at once: the shop refused (`ShopApiRefused`: wrong credentials, a user error), or the order's
  shop ids were not kept. A dead job raises the "shop write-back dead" alert (`on_dead`) and waits
  for an operator's redelivery.

A lost answer is never written twice: the adapters look before they write (`shop_apis.port`), and
what they keep before a write (`WriteMark`) is stored before it is made. A worker whose lease was
taken (killed, or too slow) writes nothing more of the job: the store fences every write by worker.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from ..clock import Clock, utc_now
from ..shop_apis import ShopApi, ShopApiRefused, ShopApiRetryable, ShopLine, ShopOrderRef
from .model import JobAttempt, JobKind, ShopOrderIds, WriteBackJob
from .ports import ShopOrderBook, WriteBackQueue

__all__ = ["JobRunner", "LeaseLost", "backoff_seconds"]

log = structlog.get_logger(__name__)

DeadHook = Callable[[WriteBackJob, str], None]
"""Called as `hook(job, answer)` when a job dies."""


class LeaseLost(Exception):
    """The job is no longer this worker's (its lease ran out and another took it): stop, write nothing."""


def backoff_seconds(attempts: int, *, first: float, cap: float, retry_after: float | None) -> float:
    """The wait before the next try: what the shop asked for where it asked, else `first` doubled per
    earlier attempt, at most `cap`; never below a second (a shop asking for 0 is not hammered)."""
    if retry_after is not None:
        return max(1.0, retry_after)
    return max(1.0, min(cap, first * 2.0 ** max(0, attempts)))


class _Mark:
    """The job's `WriteMark`: what it kept, and the store to keep more in (fenced by the worker)."""

    def __init__(self, queue: WriteBackQueue, job: WriteBackJob, worker: str) -> None:
        self._queue, self._job, self._worker = queue, job, worker
        self._seen: Mapping[str, Any] | None = job.mark

    @property
    def seen(self) -> Mapping[str, Any] | None:
        return self._seen

    async def keep(self, seen: Mapping[str, Any]) -> None:
        if not await self._queue.keep_mark(self._job, worker=self._worker, mark=dict(seen)):
            raise LeaseLost()
        self._seen = dict(seen)


def _order_ref(reference: str, ids: ShopOrderIds) -> ShopOrderRef:
    lines = tuple(ShopLine(line_id, sku, quantity) for line_id, sku, quantity in ids.lines)
    return ShopOrderRef(ids.order_id, reference, lines, delivery_id=ids.delivery_id)


class JobRunner:
    def __init__(
        self,
        *,
        queue: WriteBackQueue,
        book: ShopOrderBook,
        apis: Mapping[str, ShopApi],
        worker: str,
        lease: dt.timedelta,
        backoff: float,
        backoff_cap: float,
        batch_size: int = 20,
        clock: Clock = utc_now,
        on_dead: DeadHook | None = None,
        on_outcome: Callable[[str, str], None] | None = None,
    ) -> None:
        self._queue, self._book, self._apis, self._worker = queue, book, apis, worker
        self._lease, self._backoff, self._cap = lease, backoff, backoff_cap
        self.batch_size, self._clock = batch_size, clock
        self._on_dead, self._on_outcome = on_dead, on_outcome

    async def run_once(self) -> int:
        """Claim and run one batch of due jobs; the number claimed."""
        now = self._clock()
        jobs = await self._queue.claim(worker=self._worker, now=now, until=now + self._lease, limit=self.batch_size)
        for job in jobs:
            await self.run(job)
        return len(jobs)

    async def run(self, job: WriteBackJob) -> None:
        started = time.monotonic()
        api = self._apis.get(job.client)
        try:
            if api is None:
                await self._done(job, "nothing is written back: the shop has no api credentials", None, started)
                return
            ids = await self._book.ids_of(job.client, job.reference)
            if ids is None:
                await self._dead(job, "the shop's ids of this order were not kept at its arrival", None, started)
                return
            answer = await self._call(api, job, _order_ref(job.reference, ids))
        except LeaseLost:
            log.warning("write_back.lease_lost", job=job.id, client=job.client, reference=job.reference)
            return
        except ShopApiRefused as refused:
            await self._dead(job, refused.message, refused.status, started)
            return
        except ShopApiRetryable as error:
            await self._later(job, error.message, error.status, error.retry_after, started)
            return
        except Exception as error:  # a bug or a shape nobody expected: retried, and visible on the console
            log.exception("write_back.job_failed", job=job.id, client=job.client)
            await self._later(job, f"{type(error).__name__}: {error}", None, None, started)
            return
        await self._done(job, answer, None, started)

    async def _call(self, api: ShopApi, job: WriteBackJob, order: ShopOrderRef) -> str:
        mark = _Mark(self._queue, job, self._worker)
        if job.kind == JobKind.SHIP:
            shipment = job.shipment
            if shipment is None:
                raise ShopApiRefused("the job names no shipment")
            return await api.ship(order, shipment, complete=job.complete, mark=mark)
        if job.kind == JobKind.COMPLETE:
            return await api.complete(order)
        text = job.note or job.cause
        if job.kind == JobKind.CANCEL:
            return await api.cancel(order, text)
        return await api.note(order, text)

    def _attempt(self, outcome: str, answer: str, status: int | None, started: float) -> JobAttempt:
        elapsed = int((time.monotonic() - started) * 1000)
        return JobAttempt(self._clock(), outcome, answer, status, self._worker, elapsed)

    async def _done(self, job: WriteBackJob, answer: str, status: int | None, started: float) -> None:
        await self._queue.finish(job, worker=self._worker, attempt=self._attempt("done", answer, status, started))
        log.info("write_back.done", job=job.id, client=job.client, reference=job.reference, kind=job.kind.value)
        self._count(job, "done")

    async def _dead(self, job: WriteBackJob, answer: str, status: int | None, started: float) -> None:
        await self._queue.bury(job, worker=self._worker, attempt=self._attempt("dead", answer, status, started))
        log.warning("write_back.dead", job=job.id, client=job.client, reference=job.reference, answer=answer)
        self._count(job, "dead")
        if self._on_dead is not None:
            self._on_dead(job, answer)

    async def _later(
        self, job: WriteBackJob, answer: str, status: int | None, retry_after: float | None, started: float
    ) -> None:
        wait = backoff_seconds(job.attempts, first=self._backoff, cap=self._cap, retry_after=retry_after)
        at = self._clock() + dt.timedelta(seconds=wait)
        if at > job.give_up_at:
            await self._dead(job, f"{answer} (still failing after {job.attempts + 1} tries: given up)", status, started)
            return
        attempt = self._attempt("retry", f"{answer} (next try in {wait:.0f} s)", status, started)
        await self._queue.retry(job, worker=self._worker, attempt=attempt, at=at)
        log.info("write_back.retry", job=job.id, client=job.client, status=status, wait=wait)
        self._count(job, "retried")

    def _count(self, job: WriteBackJob, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(job.client, outcome)
