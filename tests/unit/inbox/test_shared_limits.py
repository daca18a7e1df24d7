"""The inbox's recording budget shared by processes: two limiters on one budget record one sender's budget
between them, a flood is refused without asking, the "+N not recorded" count stays whole, and a budget that
does not answer leaves each process counting alone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.inbox.limits import BudgetUnavailable, SharedSourceLimiter, SourceLimiter
from unified_order_api.store.inbox_sources import SqlSourceBudget


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # wall-clock seconds, as the processes share them

    def __call__(self) -> float:
        return self.now


class CountingBudget:
    """A budget that counts its questions and can be made to fail."""

    def __init__(self, inner: SqlSourceBudget) -> None:
        self.inner, self.asked, self.failing = inner, 0, False

    async def take(self, source: str, *, window: int, per_minute: int, refused_here: int) -> tuple[bool, int]:
        self.asked += 1
        if self.failing:
            raise BudgetUnavailable("down")
        return await self.inner.take(source, window=window, per_minute=per_minute, refused_here=refused_here)


async def test_two_processes_share_one_senders_budget_and_hand_over_what_was_skipped(engine: AsyncEngine) -> None:
    clock, budget = Clock(), CountingBudget(SqlSourceBudget(engine))
    first, second = (SharedSourceLimiter(budget, 3, now=clock) for _ in range(2))
    answers = [await limiter.allow("203.0.113.9") for limiter in (first, second) * 3]
    assert answers == [(True, 0)] * 3 + [(False, 0)] * 3  # three in all, not three each
    assert await second.allow("198.51.100.1") == (True, 0)  # another sender has its own budget
    clock.now += 60
    assert await first.allow("203.0.113.9") == (True, 3)  # the three skipped, by either process
    assert await second.allow("203.0.113.9") == (True, 0)


async def test_a_flood_is_refused_here_once_this_process_alone_saw_the_budget_and_counted_later(
    engine: AsyncEngine,
) -> None:
    clock, budget = Clock(), CountingBudget(SqlSourceBudget(engine))
    limiter = SharedSourceLimiter(budget, 2, now=clock)
    answers = [await limiter.allow("203.0.113.9") for _ in range(50)]
    assert answers.count((True, 0)) == 2 and budget.asked == 2  # 48 refused without a round trip
    clock.now += 60
    assert await limiter.allow("203.0.113.9") == (True, 48)


async def test_all_senders_together_get_ten_times_a_senders_budget_across_processes(engine: AsyncEngine) -> None:
    clock, budget = Clock(), SqlSourceBudget(engine)
    first, second = (SharedSourceLimiter(budget, 2, now=clock) for _ in range(2))
    allowed = [(await (first if n % 2 else second).allow(f"192.0.2.{n}"))[0] for n in range(30)]
    assert allowed.count(True) == 20 and allowed[20:] == [False] * 10


async def test_while_the_budget_does_not_answer_each_process_counts_alone(engine: AsyncEngine) -> None:
    clock, budget = Clock(), CountingBudget(SqlSourceBudget(engine))
    limiter = SharedSourceLimiter(budget, 2, now=clock, fallback=SourceLimiter(2, clock))
    budget.failing = True
    assert [await limiter.allow("203.0.113.9") for _ in range(3)] == [(True, 0), (True, 0), (False, 0)]
    budget.failing = False
    clock.now += 60
    assert await limiter.allow("203.0.113.9") == (True, 1)  # the skip counted alone, handed over via the budget


async def test_senders_not_heard_from_within_the_retention_are_forgotten(engine: AsyncEngine) -> None:
    clock, budget = Clock(), SqlSourceBudget(engine)
    limiter = SharedSourceLimiter(budget, 1, now=clock)
    await limiter.allow("203.0.113.9")
    assert await budget.purge(dt.datetime.fromtimestamp(clock.now, dt.UTC)) == 0  # heard from this minute
    later = dt.datetime.fromtimestamp(clock.now + 120, dt.UTC)
    assert await budget.purge(later) == 2  # the sender's row and the all-senders row
