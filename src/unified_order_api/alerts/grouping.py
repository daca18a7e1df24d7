"""Alerts grouped per kind per window: a hundred failed orders are one message, not a hundred.

Anything in the process raises an alert (`raise_alert`, never blocking, never failing the caller);
every `window` the groups with something in them become one digest per kind, handed to every
channel. A kind may need several raises in a window before it is worth a message (`at_least`: one
wrong shop signature is noise, a run of them is not). A digest a channel could not take stays and is
offered again with the next window's; what is raised in a window a process dies in is lost with it,
which bounds an operator's blind spot to one window.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from ..clock import Clock, utc_now
from .channels import AlertChannel
from .model import AlertDigest, AlertKind

__all__ = ["AlertGroups", "deliver_forever"]

log = structlog.get_logger(__name__)

MAX_SUBJECTS = 50
"""Subjects one digest names; the rest are counted (`more`)."""


@dataclass
class _Group:
    count: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    details: dict[str, str] = field(default_factory=dict)  # subject → its latest detail, in first-seen order

    def add(self, subject: str, detail: str, at: dt.datetime) -> None:
        self.count += 1
        self.first_at = self.first_at or at
        self.last_at = at
        self.details[subject] = detail


class AlertGroups:
    def __init__(
        self,
        channels: Sequence[AlertChannel],
        *,
        at_least: Mapping[AlertKind, int] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._channels = list(channels)
        self._at_least = dict(at_least or {})
        self._clock = clock
        self._groups: dict[AlertKind, _Group] = {}
        self._unsent: list[tuple[AlertChannel, AlertDigest]] = []

    @property
    def enabled(self) -> bool:
        return bool(self._channels)

    def raise_alert(self, kind: AlertKind, subject: str, detail: str) -> None:
        """Note that `kind` happened to `subject` (an order as `client/reference`, a shop, an instance)."""
        if not self._channels:
            return
        self._groups.setdefault(kind, _Group()).add(subject, detail, self._clock())

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

    async def deliver(self) -> int:
        """Send the window's digests (and any a channel refused before) through every channel; returns how
        many went out."""
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
