"""What the reconciler's lane of the order service is told (its rules) and what it reports (a finding).

An attempt nobody is finishing — its outcome unknown or unconfirmed, or its process gone — is
looked up in Xentral by its reference. Found: it is finished as a retry would finish it. Absent:
it runs again, but only once the lookup can be trusted to mean "did not land" (`settle` after the
last import, docs/xentral.md#retries-and-lost-answers). Neither for too long (`give_up` after it was
received): it fails visibly, and a retry (the client's, or the console's) looks it up again first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Finding", "ReconcileRules"]


@dataclass(frozen=True, slots=True)
class ReconcileRules:
    settle: dt.timedelta
    """How long after an import whose answer was lost a lookup that finds nothing proves it did not land."""
    give_up: dt.timedelta
    """How long after it was received an attempt may stay unresolved before it fails."""
    recheck: dt.timedelta
    """How soon an attempt the reconciler could not resolve is looked at again."""


class Finding(StrEnum):
    """What one look at an unresolved attempt ended with."""

    FOUND = "found"  # Xentral holds the order: completed
    RAN_AGAIN = "ran_again"  # nothing was sent, or the order provably did not land: ran again and completed
    NOT_YET = "not_yet"  # not in Xentral, but too soon after the import to tell
    UNKNOWN = "unknown"  # Xentral did not answer (or not in a way that decides): looked at again later
    FAILED = "failed"  # the order itself was refused, as a retry's would have been
    GAVE_UP = "gave_up"  # unresolved for longer than the give-up time: failed
    TAKEN = "taken"  # someone else (a client's retry) took the attempt over meanwhile

    @property
    def resolved(self) -> bool:
        return self in (Finding.FOUND, Finding.RAN_AGAIN, Finding.FAILED, Finding.GAVE_UP)
