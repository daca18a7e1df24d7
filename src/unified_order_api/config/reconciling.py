"""The reconciler's settings section, and the order service's rules it yields (`reconcile_rules`)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ..orders.policy import Section
from ..orders.reconciliation import ReconcileRules

__all__ = ["ReconcilerPolicy", "reconcile_rules"]


class ReconcilerPolicy(Section):
    """The reconciler: synchronous orders nobody is finishing (outcome unknown or unconfirmed, process gone),
    looked up in Xentral and finished, run again, or failed visibly."""

    run_in_service: bool = True
    """Run the reconciler inside `serve` (safe in several processes: each attempt is taken by one)."""
    poll_seconds: float = Field(default=15.0, gt=0)
    """How often it looks for attempts whose lease ran out."""
    recheck_seconds: float = Field(default=60.0, gt=0)
    """How soon an attempt it could not resolve (Xentral did not answer) is looked up again. With the poll, this
    bounds how long an unknown outcome stays unknown once Xentral answers again."""
    settle_seconds: float = Field(default=300.0, gt=0)
    """How long after an import whose answer was lost a lookup that finds nothing proves the order did not land;
    then it runs again. Keep it above Xentral's longest request time (docs/xentral.md, retries and lost answers)."""
    give_up_days: float = Field(default=5.0, gt=0)
    """How long after it was received an order may stay unresolved before it fails (`xentral_outcome_unresolved`,
    with `order.failed`); Xentral's own connectors retry for five days."""
    batch_size: int = Field(default=50, ge=1, le=200)
    """Attempts taken and looked up together; their lookups by reference share Xentral calls."""
    attention_seconds: float = Field(default=600.0, gt=0)
    """An order unresolved this long after it was received needs attention: the console's filter, and the
    alert for outcomes unresolved too long."""
    degraded_after_seconds: float = Field(default=3600.0, gt=0)
    """`/readyz` says `degraded` while the oldest unresolved order is older than this."""
    budget_share: float = Field(default=0.5, gt=0, le=1)
    """The share of Xentral's request budget its calls may use; they wait while new orders wait, and never take
    the rest of the window."""


def reconcile_rules(policy: ReconcilerPolicy) -> ReconcileRules:
    """The reconciler lane's rules from its settings section."""
    return ReconcileRules(
        settle=dt.timedelta(seconds=policy.settle_seconds),
        give_up=dt.timedelta(days=policy.give_up_days),
        recheck=dt.timedelta(seconds=policy.recheck_seconds),
    )
