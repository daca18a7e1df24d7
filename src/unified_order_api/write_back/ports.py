"""What the write-back lane needs from the outside, as small protocols; the SQL adapters are in
`store/write_back.py` and `store/shop_orders.py`, the shops' APIs behind `shop_apis.ShopApi`.

`ShopNotes` is the lane's door for the rest of the service: a note for the merchant in the shop an
order came from (the shop asked to cancel an order Xentral has dispatched already, …), queued as a
durable job like every other write-back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from .model import JobAttempt, NewJob, ShopOrderIds, WriteBackJob

__all__ = ["FeedCursor", "ShopNotes", "ShopOrderBook", "WriteBackQueue"]


class ShopNotes(Protocol):
    async def add_note(self, client: str, reference: str, text: str, *, key: str, cause: str) -> bool:
        """Queue a note for the merchant on the order in its shop; False when nothing was queued (the
        client's shop has no `api` credentials, or a note of this `key` was queued for the order before)."""
        ...


class ShopOrderBook(Protocol):
    """The shop's own ids of the orders that arrived through a shop endpoint, by client and reference."""

    async def remember(self, client: str, reference: str, ids: ShopOrderIds, now: dt.datetime) -> None:
        """Keep the ids (once: the first arrival's stay)."""
        ...

    async def ids_of(self, client: str, reference: str) -> ShopOrderIds | None: ...


class WriteBackQueue(Protocol):
    """The durable jobs. Claims are leases: a job whose worker died is claimed again after `until`.
    Every write of a claimed job is fenced by its worker: a job whose lease was taken writes nothing."""

    async def enqueue(self, job: NewJob, now: dt.datetime, give_up_at: dt.datetime) -> bool:
        """Queue `job`; False when the order has a job of the same key already."""
        ...

    async def claim(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[WriteBackJob]: ...

    async def keep_mark(self, job: WriteBackJob, *, worker: str, mark: dict[str, Any]) -> bool:
        """Store what the adapter saw before it writes (durably, before the write); False: the claim is lost."""
        ...

    async def finish(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt) -> None: ...

    async def retry(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt, at: dt.datetime) -> None: ...

    async def bury(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt) -> None:
        """The job is dead: refused, or failing past its `give_up_at`."""
        ...

    async def redeliver(
        self, job_id: int, *, operator: str, now: dt.datetime, give_up_at: dt.datetime
    ) -> WriteBackJob | None:
        """A dead job queued again by an operator (recorded as an attempt); None when it is not dead."""
        ...

    async def jobs_of(self, client: str, reference: str) -> list[WriteBackJob]:
        """The order's jobs, oldest first, each with its attempts."""
        ...

    async def job(self, job_id: int) -> WriteBackJob | None: ...


class FeedCursor(Protocol):
    """Where the lane has read the lifecycle's change feed: one cursor per deployment, under a lease."""

    async def claim_feed(self, *, owner: str, now: dt.datetime, until: dt.datetime) -> int | None:
        """The change id read up to, when the feed is `owner`'s until `until`; None while another holds it."""
        ...

    async def advance(
        self, *, owner: str, after: int, jobs: Sequence[NewJob], now: dt.datetime, give_up_at: dt.datetime
    ) -> bool:
        """Queue `jobs` and move the cursor to `after`, in one transaction, only while the lease is `owner`'s."""
        ...
