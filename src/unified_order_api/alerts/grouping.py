"""Alerts grouped per kind per window: a hundred failed orders are one message, not a hundred.

Anything in the process raises an alert (`raise_alert`, never blocking, never failing the caller);
every `window` the groups with something in them become one digest per kind, handed to every
channel. A kind may need several raises in a window before it is worth a message (`at_least`: one
wrong shop signature is noise, a run of them is not). A digest a channel could not take stays and is
offered again with the next window's; what is raised in a window a process dies in is lost with it,
which bounds an operator's blind spot to one window.

Some alerts are raised by every `serve` process alike (Xentral refusing the token, the token's
expiry, an order unresolved for long): such a raise says `once_per`, and before its digest goes out
the subject is claimed in the shared store (`claims`, a conditional insert keyed by kind, key and
the `once_per` window it fell in, `store/alert_claims.py`). Only the process that claims it names
it; the others drop their repeat. Without a store to claim in (none given), or when the claim
cannot be made, the subject is sent: a duplicate is better than silence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from ..clock import Clock, utc_now
from .channels import AlertChannel
from .model import AlertDigest, AlertKind

__all__ = ["AlertClaims", "AlertGroups", "deliver_forever", "window_start"]

log = structlog.get_logger(__name__)

MAX_SUBJECTS = 50
"""Subjects one digest names; the rest are counted (`more`)."""


class AlertClaims(Protocol):
    async def claim(self, kind: str, key: str, window_start: dt.datetime, now: dt.datetime) -> bool:
        """True for the one process that claims (kind, key, window_start) first."""
        ...


def window_start(at: dt.datetime, period: dt.timedelta) -> dt.datetime:
    """The start of the `period`-long window `at` falls in, counted from the epoch (the same in every process)."""
    seconds = period.total_seconds()
    return dt.datetime.fromtimestamp(at.timestamp() // seconds * seconds, dt.UTC)


@dataclass
class _Group:
    count: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    details: dict[str, str] = field(default_factory=dict)  # subject → its latest detail, in first-seen order
    counts: dict[str, int] = field(default_factory=dict)  # subject → how often raised
    claims: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)  # subject → (key, window) to claim

    def add(self, subject: str, detail: str, at: dt.datetime) -> None:
        self.count += 1
        self.first_at = self.first_at or at
        self.last_at = at
        self.details[subject] = detail
        self.counts[subject] = self.counts.get(subject, 0) + 1

    def drop(self, subject: str) -> None:
        self.count -= self.counts.pop(subject, 0)
        self.details.pop(subject, None)


class AlertGroups:
    def __init__(
        self,
        channels: Sequence[AlertChannel],
        *,
        at_least: Mapping[AlertKind, int] | None = None,
        clock: Clock = utc_now,
        claims: AlertClaims | None = None,
        window: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        """`window`: how often the groups are delivered (`alerts.window_seconds`), the `once_per` of a
        burst every process sees alike."""
        self._channels = list(channels)
        self._claims = claims
        self.window = window
        self._at_least = dict(at_least or {})
        self._clock = clock
        self._groups: dict[AlertKind, _Group] = {}
        self._unsent: list[tuple[AlertChannel, AlertDigest]] = []

    @property
    def enabled(self) -> bool:
        return bool(self._channels)

    def raise_alert(
        self,
        kind: AlertKind,
        subject: str,
        detail: str,
        *,
        once_per: dt.timedelta | None = None,
        key: str | None = None,
    ) -> None:
        """Note that `kind` happened to `subject` (an order as `client/reference`, a shop, an instance).

        `once_per`: every process raises this alike; across processes the subject is named once per
        such window (claimed as `key`, the subject unless given)."""
        if not self._channels:
            return
        now = self._clock()
        group = self._groups.setdefault(kind, _Group())
        group.add(subject, detail, now)
        if once_per is not None:
            group.claims.setdefault(subject, (key or subject, window_start(now, once_per)))

    def digests(self) -> list[AlertDigest]:
        """Take the window's groups as digests (one per kind worth a message); the rest wait for more."""
        ready: list[AlertDigest] = []
        for kind, group in list(self._groups.items()):
            if group.count < self._at_least.get(kind, 1):
                continue
            del self._groups[kind]
            assert group.first_at is not None and group.last_at is not None
            subjects = list(group.details)
            shown = subjects[:MAX_SUBJECTS]
            ready.append(
                AlertDigest(
                    kind=kind,
                    count=group.count,
                    subjects=tuple(shown),
                    details=tuple(f"{subject}: {group.details[subject]}" for subject in shown),
                    first_at=group.first_at,
                    last_at=group.last_at,
                    more=len(subjects) - len(shown),
                )
            )
        return ready

    async def claim(self) -> None:
        """Drop from the window's groups the subjects another process has claimed (and so sends)."""
        if self._claims is None:
            return
        now = self._clock()
        for kind, group in list(self._groups.items()):
            if group.count < self._at_least.get(kind, 1):
                continue
            for subject, (key, start) in list(group.claims.items()):
                try:
                    claimed = await self._claims.claim(kind.value, key, start, now)
                except Exception as error:  # the store cannot answer: send it (a duplicate, not silence)
                    log.warning("alerts.claim_failed", kind=kind.value, error=str(error))
                    claimed = True
                del group.claims[subject]
                if not claimed:
                    group.drop(subject)
            if not group.details:
                del self._groups[kind]

    async def deliver(self) -> int:
        """Send the window's digests (and any a channel refused before) through every channel; returns how
        many went out."""
        await self.claim()
        pending = self._unsent + [(channel, digest) for digest in self.digests() for channel in self._channels]
        self._unsent = []
        sent = 0
        for channel, digest in pending:
            try:
                await channel.send(digest)
                sent += 1
            except Exception as error:  # a channel down: keep the digest for the next window
                log.warning("alerts.channel_failed", channel=channel.name, kind=digest.kind.value, error=str(error))
                self._unsent.append((channel, digest))
        return sent


async def deliver_forever(groups: AlertGroups, window_seconds: float) -> None:
    """Every window, the grouped alerts go out."""
    while True:
        await asyncio.sleep(window_seconds)
        try:
            await groups.deliver()
        except Exception:
            log.exception("alerts.deliver_failed")
