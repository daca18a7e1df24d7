"""The lane's door for the rest of the service (`ShopNotes`): a note for the merchant, queued as a job.

Only a client whose shop has `api` credentials gets one; for the others nothing is written back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from ..clock import Clock, utc_now
from .jobs import note_job
from .ports import WriteBackQueue

__all__ = ["WriteBackRequests"]


class WriteBackRequests:
    """Implements `write_back.ShopNotes`."""

    def __init__(
        self,
        queue: WriteBackQueue,
        writing_clients: Collection[str],
        *,
        give_up: dt.timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._queue, self._writing, self._give_up, self._clock = queue, frozenset(writing_clients), give_up, clock

    def writes_back(self, client: str) -> bool:
        """Whether the client's shop has `api` credentials (else nothing is written back)."""
        return client in self._writing

    async def add_note(self, client: str, reference: str, text: str, *, key: str, cause: str) -> bool:
        if client not in self._writing:
            return False
        now = self._clock()
        return await self._queue.enqueue(
            note_job(client, reference, text, key=key, cause=cause), now, now + self._give_up
        )
