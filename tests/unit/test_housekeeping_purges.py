"""serve's purge loop (`housekeeping.purge_forever`), as it runs each of the purges, on a fake clock: every hour it
deletes what is older than the retention counted back from now, and a failing purge is logged and tried again
an hour later instead of ending the loop."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from unified_order_api import housekeeping
from unified_order_api.housekeeping import PURGE_INTERVAL_SECONDS, purge_forever
from unified_order_api.orders.attempts import StoreUnavailable

START = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
RETENTION = dt.timedelta(days=30)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


class FlakyStore:
    """Fails its second purge (the database was down), answers the others."""

    def __init__(self) -> None:
        self.cutoffs: list[dt.datetime] = []

    async def purge(self, older_than: dt.datetime) -> int:
        self.cutoffs.append(older_than)
        if len(self.cutoffs) == 2:
            raise StoreUnavailable("database down")
        return 3


async def test_each_hour_purges_what_is_older_than_the_retention_and_survives_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, store, sleeps = Clock(), FlakyStore(), []

    async def sleep(seconds: float) -> None:  # the fake clock moves by the loop's own interval
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise asyncio.CancelledError
        clock.now += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(housekeeping.asyncio, "sleep", sleep)
    with pytest.raises(asyncio.CancelledError):
        await purge_forever(store, RETENTION, clock, what="write_backs")
    hour = dt.timedelta(seconds=PURGE_INTERVAL_SECONDS)
    assert store.cutoffs == [START - RETENTION, START + hour - RETENTION, START + 2 * hour - RETENTION]
    assert sleeps == [PURGE_INTERVAL_SECONDS] * 3
