"""When the Xentral token runs out: Xentral's personal access tokens live at most 180 days, and an
expired one fails every order at once. The operator sets each instance's expiry date
(`xentral_token_expires`, `xentral_instances.<name>.token_expires`); from `xentral_token_warn_days`
(14) days before it, `check-config` and `/readyz` warn and the operators are alerted
(`alerts.expiring_tokens`), and after it `check-config` reports a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["WARN_BEFORE", "TokenExpiry"]

WARN_BEFORE = dt.timedelta(days=14)


@dataclass(frozen=True, slots=True)
class TokenExpiry:
    """One instance's token expiry date, seen at `now`. The token is taken to expire at the start
    of its expiry date (UTC): the safe reading of a date without a time."""

    expires: dt.date
    now: dt.datetime
    warn_before: dt.timedelta = WARN_BEFORE

    @property
    def seconds_left(self) -> float:
        """Negative once expired."""
        end = dt.datetime.combine(self.expires, dt.time(), tzinfo=dt.UTC)
        return (end - self.now).total_seconds()

    @property
    def days_left(self) -> int:
        """Whole days left (13 for 13.5); negative once expired."""
        return int(self.seconds_left // 86400)

    @property
    def expired(self) -> bool:
        return self.seconds_left <= 0

    @property
    def soon(self) -> bool:
        """Within the warning window (or past it)."""
        return self.seconds_left <= self.warn_before.total_seconds()

    def describe(self) -> str:
        """What an operator reads; empty when nothing is due."""
        if self.expired:
            return f"the Xentral token expired on {self.expires.isoformat()}: create a new one in Xentral"
        if self.soon:
            return (
                f"the Xentral token expires on {self.expires.isoformat()} (in {self.days_left} days): "
                "create a new one in Xentral and set it with its expiry date"
            )
        return ""
