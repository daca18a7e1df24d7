"""Running the flow's reads together: one Xentral round trip of latency instead of several."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .errors import OrderRejected

__all__ = ["gather_reads", "nothing", "order_running", "orders_running", "reads_unhurried", "unhurried"]

_unhurried: ContextVar[bool] = ContextVar("unified_order_api_unhurried_reads", default=False)
_running = 0


@contextmanager
def order_running() -> Iterator[None]:
    """Count an order as running in this process while its flow runs (see `orders_running`)."""
    global _running
    _running += 1
    try:
        yield
    finally:
        _running -= 1


def orders_running() -> int:
    """How many orders run in this process right now: the gateway lets a read wait for others'
    only when there are others (a lone order's reads go out at once)."""
    return _running


@contextmanager
def unhurried() -> Iterator[None]:
    """Reads made inside may wait longer for other orders' reads, to share a Xentral call with them.

    The async lane's pace is set by Xentral's request budget, not by latency: a fraction of a second
    per order buys fewer calls per order. The gateway decides how long (`reads_unhurried`).
    """
    token = _unhurried.set(True)
    try:
        yield
    finally:
        _unhurried.reset(token)


def reads_unhurried() -> bool:
    """Whether the current order said its reads are in no hurry (see `unhurried`)."""
    return _unhurried.get()


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
