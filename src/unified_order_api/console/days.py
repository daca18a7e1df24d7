"""The date filters of the console's lists: a `YYYY-MM-DD` field, and the UTC interval of whole days it selects."""

from __future__ import annotations

import datetime as dt

__all__ = ["day_of", "days_between"]


def day_of(text: str | None) -> dt.date | None:
    """The date a filter field holds; None when empty or not a date."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def days_between(first: dt.date | None, last: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """From the start of `first` (inclusive) to the end of `last` (exclusive), UTC; None for an open side."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), dt.UTC)

    return (
        midnight(first) if first else None,
        midnight(last + dt.timedelta(days=1)) if last else None,
    )
