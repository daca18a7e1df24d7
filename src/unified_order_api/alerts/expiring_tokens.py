"""The Xentral tokens running out, alerted before every order fails with `xentral_access_denied`.

The expiry dates are the operator's settings (`token_expiry`: Xentral's tokens are opaque and no API
tells their end). The check runs in every `serve` process at start and then every
`alerts.token_check_seconds`; a token within `xentral_token_warn_days` of its date (or past it) is
raised as `xentral_token_expiring` for its instance. A check is cheap and frequent, a reminder is
not: an instance is raised again only after `alerts.token_repeat_seconds` (a day), or at once when
its token goes from expiring to expired. Raises within one window are one digest naming every
instance (`grouping`); with several processes on one database, the reminder is claimed there per
instance, state and `token_repeat_seconds` window, so one process sends it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping

import structlog

from ..clock import Clock, utc_now
from ..token_expiry import WARN_BEFORE, TokenExpiry
from .grouping import AlertGroups
from .model import AlertKind

__all__ = ["ExpiringTokens", "expiry_detail"]

log = structlog.get_logger(__name__)


def expiry_detail(expiry: TokenExpiry) -> str:
    """What the alert says about one instance's token: when it ends, and how long that is from now."""
    when = f"{expiry.expires.isoformat()} 00:00 UTC"
    if expiry.expired:
        return f"token expired on {when}: Xentral refuses every call with it"
    return f"token expires on {when}, in {expiry.days_left} days"


class ExpiringTokens:
    """Each instance's token expiry date (only those set), checked against the clock."""

    def __init__(
        self,
        alerts: AlertGroups,
        expires: Mapping[str, dt.date],
        *,
        warn_before: dt.timedelta = WARN_BEFORE,
        repeat: dt.timedelta = dt.timedelta(days=1),
        clock: Clock = utc_now,
    ) -> None:
        self._alerts, self._expires = alerts, dict(expires)
        self._warn_before, self._repeat, self._clock = warn_before, repeat, clock
        self._raised: dict[str, tuple[dt.datetime, bool]] = {}  # instance → when last raised, whether expired then

    def check(self) -> list[str]:
        """Raise what is due now; returns the instances raised."""
        now = self._clock()
        raised: list[str] = []
        for instance, expires in self._expires.items():
            expiry = TokenExpiry(expires, now, self._warn_before)
            if not expiry.soon:
                continue
            last = self._raised.get(instance)
            if last is not None and last[1] == expiry.expired and now - last[0] < self._repeat:
                continue
            self._alerts.raise_alert(
                AlertKind.XENTRAL_TOKEN_EXPIRING,
                instance,
                expiry_detail(expiry),
                once_per=self._repeat,
                key=f"{instance}:{'expired' if expiry.expired else 'expiring'}",
            )
            self._raised[instance] = (now, expiry.expired)
            raised.append(instance)
        return raised

    async def run_forever(self, interval_seconds: float) -> None:
        """Check at once (a restart with an expiring token is told within one window), then every interval."""
        while True:
            try:
                self.check()
            except Exception:
                log.exception("alerts.token_check_failed")
            await asyncio.sleep(interval_seconds)
