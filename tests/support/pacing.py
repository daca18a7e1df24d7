"""How evenly requests were spread: the most of them that fell into any one window."""

from __future__ import annotations


def max_in_window(times: list[float], window: float) -> int:
    """The largest number of `times` inside any half-open interval [t, t + window)."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best
