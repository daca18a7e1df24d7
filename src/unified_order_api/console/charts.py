"""Small bar charts as inline SVG geometry: numbers in, rectangles out, no chart library.

The template draws what these functions compute, so the geometry is tested without a browser.
Every bar carries a title (shown on hover and read by screen readers) with its exact value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..call_history import MinuteCount
from ..orders.journal import HourlyOutcomes

__all__ = ["Bar", "Chart", "calls_chart", "outcomes_chart"]

WIDTH = 720
HEIGHT = 160
_TOP = 10.0  # room above the highest value
_BOTTOM = 20.0  # room for the time labels


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    tone: str  # CSS class: ok, warn, over, completed, failed, unfinished


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    limit_y: float | None  # where the limit line goes, None without one
    limit_label: str
    peak: float
    summary: str  # one sentence for screen readers and the caption


def _scale(value: float, top: float) -> float:
    usable = HEIGHT - _TOP - _BOTTOM
    return usable * (value / top) if top > 0 else 0.0


def calls_chart(minutes: list[MinuteCount], limit_per_minute: float) -> Chart:
    """Calls per minute against the limit: green below 80 % of it, amber up to it, red above."""
    peak = max((m.calls for m in minutes), default=0)
    top = max(peak, limit_per_minute, 1) * 1.1
    slot = WIDTH / max(len(minutes), 1)
    bars = []
    for index, minute in enumerate(minutes):
        height = _scale(minute.calls, top)
        share = minute.calls / limit_per_minute if limit_per_minute else 0
        tone = "over" if share > 1 else "warn" if share >= 0.8 else "ok"
        at = dt.datetime.fromtimestamp(minute.minute * 60, dt.UTC).strftime("%H:%M")
        bars.append(
            Bar(
                x=round(index * slot + 1, 2),
                y=round(HEIGHT - _BOTTOM - height, 2),
                width=round(max(slot - 2, 1), 2),
                height=round(height, 2),
                title=f"{at} UTC: {minute.calls} calls",
                tone=tone,
            )
        )
    labels = [
        Label(round(index * slot, 2), dt.datetime.fromtimestamp(m.minute * 60, dt.UTC).strftime("%H:%M"))
        for index, m in enumerate(minutes)
        if index % 10 == 0
    ]
    last = minutes[-1].calls if minutes else 0
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        labels=labels,
        limit_y=round(HEIGHT - _BOTTOM - _scale(limit_per_minute, top), 2),
        limit_label=f"limit {limit_per_minute:g}/min",
        peak=peak,
        summary=(
            f"Xentral calls per minute over the last {len(minutes)} minutes: peak {peak}, "
            f"this minute {last}, limit {limit_per_minute:g}."
        ),
    )


def outcomes_chart(hours: list[HourlyOutcomes]) -> Chart:
    """Orders per hour stacked by outcome: completed at the bottom, then failed, then unfinished."""
    peak = max((h.completed + h.failed + h.unfinished for h in hours), default=0)
    top = max(peak, 1) * 1.1
    slot = WIDTH / max(len(hours), 1)
    bars = []
    for index, hour in enumerate(hours):
        base = HEIGHT - _BOTTOM
        at = hour.hour.strftime("%d %b %H:00")
        for tone, count in (("completed", hour.completed), ("failed", hour.failed), ("unfinished", hour.unfinished)):
            if not count:
                continue
            height = _scale(count, top)
            base -= height
            bars.append(
                Bar(
                    x=round(index * slot + 1, 2),
                    y=round(base, 2),
                    width=round(max(slot - 2, 1), 2),
                    height=round(height, 2),
                    title=f"{at} UTC: {count} {tone}",
                    tone=tone,
                )
            )
    labels = [
        Label(round(index * slot, 2), hour.hour.strftime("%H:00")) for index, hour in enumerate(hours) if index % 4 == 0
    ]
    total = sum(h.completed + h.failed + h.unfinished for h in hours)
    failed = sum(h.failed for h in hours)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        labels=labels,
        limit_y=None,
        limit_label="",
        peak=peak,
        summary=f"{total} orders in the last {len(hours)} hours, {failed} failed; busiest hour {peak}.",
    )
