"""`serve`'s periodic check of each instance's subscription: one deleted or changed in Xentral is repaired.

Without it a subscription someone deleted in Xentral's UI stays gone until an operator runs
`subscribe-xentral` again, and polling silently carries the whole load. Every `every_seconds` (the
setting `xentral_events.check_seconds`) this does what the command does (`SubscriptionKeeper.ensure`).

Several processes: each wakes on its own, but leaves an instance whose subscription was checked
successfully (by any process: the stored `checked_at`) within the last half interval, so one check per
interval reaches Xentral however many processes run; the keeper's lease serialises two that check at
the same moment, and the second then finds nothing to do, so two processes leave one subscription.
A process that finds the lease taken (`SubscriptionBusy`) leaves the instance to its holder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence

import structlog

from ..clock import Clock, utc_now
from ..orders.attempts import StoreUnavailable
from .ports import SubscriptionStore
from .subscription import SubscriptionBusy, SubscriptionKeeper, SubscriptionReport

__all__ = ["SubscriptionRepair"]

log = structlog.get_logger(__name__)

ReportHook = Callable[[SubscriptionReport], None]


class SubscriptionRepair:
    def __init__(
        self,
        keepers: Sequence[SubscriptionKeeper],
        store: SubscriptionStore,
        *,
        every_seconds: float,
        clock: Clock = utc_now,
        on_report: ReportHook | None = None,
    ) -> None:
        if every_seconds <= 0:
            raise ValueError("every_seconds must be positive")
        self._keepers = list(keepers)
        self._store = store
        self.every_seconds = every_seconds
        self._clock = clock
        self._on_report = on_report

    async def run_forever(self) -> None:
        """Check at once (a fresh deployment subscribes without a manual step), then every interval."""
        while True:
            await self.run_once()
            await asyncio.sleep(self.every_seconds)

    async def run_once(self) -> list[SubscriptionReport]:
        """Check (and repair) every instance not checked lately; what was done, per instance checked."""
        reports = []
        for keeper in self._keepers:
            try:
                report = await self._check(keeper)
            except StoreUnavailable as error:
                log.warning("xentral_events.subscription_check_skipped", instance=keeper.instance, error=error.detail)
                continue
            except Exception as error:  # recorded as the instance's problem by the keeper; the key is in no error
                log.warning(
                    "xentral_events.subscription_problem",
                    instance=keeper.instance,
                    error=f"{type(error).__name__}: {error}",
                )
                continue
            if report is not None:
                reports.append(report)
        return reports

    async def _check(self, keeper: SubscriptionKeeper) -> SubscriptionReport | None:
        record = await self._store.get(keeper.instance)
        recently = self._clock() - dt.timedelta(seconds=self.every_seconds / 2)
        if record is not None and record.problem is None and record.checked_at and record.checked_at > recently:
            return None  # another process (or this one) checked it within the interval
        try:
            report = await keeper.ensure()
        except SubscriptionBusy:
            return None  # another process is repairing it right now
        if report.action != "unchanged":
            log.info(
                "xentral_events.subscription_repaired",
                instance=report.instance,
                action=report.action,
                webhook_id=report.webhook_id,
                removed=list(report.removed),
            )
        if self._on_report is not None:
            self._on_report(report)
        return report
