"""The lane's reader of the lifecycle's change feed: its own cursor, one reader per deployment, under a lease.

Each pass claims the cursor (`FeedCursor.claim_feed`; another process holding it means this one
waits), reads the changes after it, turns those of shop orders whose shop writes back into jobs
(`jobs.py`), and queues them in the transaction that moves the cursor (`advance`). A process killed
between reading and queueing has moved nothing: the next owner reads the same changes again, and
the jobs' keys make what was queued once stay one job.

Only an order whose shop ids were kept at its arrival (`ShopOrderBook`) gets jobs: an order a shop
client sent through `POST /api/orders` has no shop order to write to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..clock import Clock, utc_now
from ..lifecycle import ChangeFeed
from .jobs import CancelChoice, jobs_of_change
from .model import NewJob
from .ports import FeedCursor, ShopOrderBook

__all__ = ["ChangeReader"]


class ChangeReader:
    def __init__(
        self,
        *,
        feed: ChangeFeed,
        cursor: FeedCursor,
        book: ShopOrderBook,
        writing: Mapping[str, CancelChoice],
        owner: str,
        give_up: dt.timedelta,
        lease: dt.timedelta,
        batch_size: int = 200,
        clock: Clock = utc_now,
    ) -> None:
        """`writing`: the clients whose shop writes back, each with its `on_xentral_cancel`."""
        self._feed, self._cursor, self._book, self._writing = feed, cursor, book, dict(writing)
        self._owner, self._give_up, self._lease = owner, give_up, lease
        self.batch_size, self._clock = batch_size, clock

    async def run_once(self) -> int:
        """Read one batch of changes into jobs; the number of changes read (0: none, or not ours to read)."""
        if not self._writing:
            return 0
        now = self._clock()
        after = await self._cursor.claim_feed(owner=self._owner, now=now, until=now + self._lease)
        if after is None:
            return 0
        changes = await self._feed.changes_since(after, self.batch_size)
        if not changes:
            return 0
        jobs: list[NewJob] = []
        for change in changes:
            choice = self._writing.get(change.client)
            if choice is None:
                continue
            found = jobs_of_change(change, on_xentral_cancel=choice)
            if found and await self._book.ids_of(change.client, change.reference) is not None:
                jobs.extend(found)
        now = self._clock()
        moved = await self._cursor.advance(
            owner=self._owner, after=changes[-1].change_id, jobs=jobs, now=now, give_up_at=now + self._give_up
        )
        return len(changes) if moved else 0
