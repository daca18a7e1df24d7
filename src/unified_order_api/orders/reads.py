"""Running the flow's reads together: one Xentral round trip of latency instead of several."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from .errors import OrderRejected

__all__ = [
    "RunningOrders",
    "gather_reads",
    "in_background",
    "nothing",
    "reads_unhurried",
    "unhurried",
    "work_in_background",
]

_unhurried: ContextVar[bool] = ContextVar("unified_order_api_unhurried_reads", default=False)
_background: ContextVar[bool] = ContextVar("unified_order_api_background_work", default=False)


class RunningOrders:
    """How many orders run right now: the order service counts each while its flow runs, and the
    Xentral gateway may let a read wait for others' only when there are others (a lone order's reads
    go out at once).

    One object, handed by the composition root to the service that counts and to the gateways that
    ask, so a second service in the same process (as in tests) counts its own orders only.
    """

    def __init__(self) -> None:
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    @contextmanager
    def running(self) -> Iterator[None]:
        """Count one order as running while the block runs."""
        self._count += 1
        try:
            yield
        finally:
            self._count -= 1


@contextmanager
def _raised(flag: ContextVar[bool]) -> Iterator[None]:
    token = flag.set(True)
    try:
        yield
    finally:
        flag.reset(token)


def unhurried() -> AbstractContextManager[None]:
    """Reads made inside may wait longer for other orders' reads, to share a Xentral call with them.

    The async lane's pace is set by Xentral's request budget, not by latency: a fraction of a second
    per order buys fewer calls per order. The gateway decides how long (`reads_unhurried`).
    """
    return _raised(_unhurried)


def reads_unhurried() -> bool:
    """Whether the current order said its reads are in no hurry (see `unhurried`)."""
    return _unhurried.get()


def in_background() -> AbstractContextManager[None]:
    """Xentral calls made inside are background work (the reconciler's): they take the low-priority
    lane of the rate limiter, so new orders always go first. The limiter decides how (`work_in_background`)."""
    return _raised(_background)


def work_in_background() -> bool:
    """Whether the current work said it is background work (see `in_background`)."""
    return _background.get()


async def nothing() -> None:
    """A read that is skipped, in the slot of `gather_reads` it would have filled."""
    return None


async def gather_reads(*calls: Awaitable[Any]) -> Any:
    """Run reads concurrently; report an invalid order before an unavailable Xentral.

    Validation problems tell the caller what to fix, so they win over transport errors
    from a sibling read; all tasks are awaited so none is left running.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        rejected = [e for e in errors if isinstance(e, OrderRejected)]
        if len(rejected) > 1:
            raise OrderRejected([p for e in rejected for p in e.problems])
        raise (rejected or errors)[0]
    return results
