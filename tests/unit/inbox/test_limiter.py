"""The inbox's recording is limited per source and in all, per minute; what it skipped is counted on the next."""

from __future__ import annotations

from unified_order_api.inbox.limits import SourceLimiter


class Minutes:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_source_over_its_budget_is_skipped_and_its_skips_are_counted_on_its_next_entry() -> None:
    clock = Minutes()
    limiter = SourceLimiter(3, now=clock)
    assert [limiter.take("a") for _ in range(5)] == [(True, 0)] * 3 + [(False, 0)] * 2
    assert limiter.take("b") == (True, 0)  # another source has its own budget
    clock.now = 61.0
    assert limiter.take("a") == (True, 2)
    assert limiter.take("a") == (True, 0)


def test_all_sources_together_get_ten_times_a_sources_budget() -> None:
    limiter = SourceLimiter(2, now=Minutes())
    allowed = [limiter.take(f"source-{n}")[0] for n in range(30)]
    assert allowed.count(True) == 20 and allowed[20:] == [False] * 10
