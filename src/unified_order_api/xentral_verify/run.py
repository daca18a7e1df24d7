"""The checks of `verify-xentral` in their order, run one after another, then the cleanup.

A check is a coroutine taking the session and returning a `Finding`; one that fails (a Xentral error, or
any other: a check broken midway) becomes a `failed` finding and the run goes on. An interruption (Ctrl-C:
`asyncio.run` cancels the run) stops the checks, not the cleanup, which runs whatever happened; the report
then says the run was interrupted. The rate-limit check runs last (it reads the headers of every answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ..xentral.errors import XentralError
from . import money_checks, wire_checks
from .cleanup import Cleanup, Leftover, cancel_created
from .findings import Finding
from .session import CreatedOrder, VerifySession

__all__ = ["CHECKS", "INTERRUPTED", "Check", "Report", "run_checks"]

Check = Callable[[VerifySession], Awaitable[Finding]]

CHECKS: tuple[tuple[str, Check], ...] = (
    ("discount-scale", money_checks.discount_scale),
    ("price-basis", money_checks.price_basis),
    ("rounding", money_checks.rounding),
    ("set-total-amount", money_checks.set_total_amount),
    ("discount-sign", money_checks.discount_sign),
    ("location-form", wire_checks.location_form),
    ("repeated-reference", wire_checks.repeated_reference),
    ("oversize-page", wire_checks.oversize_page),
    ("cursor-end", wire_checks.cursor_end),
    ("missing-scope", wire_checks.missing_scope),
    ("rate-limit-headers", wire_checks.rate_limit_headers),
)
"""FACTS §3 and §4's points no document answers, in the order they are printed."""


INTERRUPTED = 130
"""The exit status of a run interrupted by Ctrl-C (128 + SIGINT, as shells report it)."""


@dataclass(frozen=True, slots=True)
class Report:
    findings: list[Finding]
    cleanup: Cleanup
    interrupted: bool = False

    @property
    def cancelled(self) -> list[CreatedOrder]:
        return self.cleanup.cancelled

    @property
    def left_over(self) -> list[Leftover]:
        return self.cleanup.left_over

    @property
    def foreign(self) -> list[CreatedOrder]:
        return self.cleanup.foreign

    @property
    def unaccounted(self) -> list[str]:
        return self.cleanup.unaccounted

    @property
    def exit_status(self) -> int:
        """130: interrupted; 0: every finding agrees (or needs nothing) and everything was cancelled; 1 otherwise
        (a finding to act on, an order left, one not found, or a `Location` naming another order)."""
        if self.interrupted:
            return INTERRUPTED
        cleanup = self.cleanup
        untidy = cleanup.left_over or cleanup.foreign or cleanup.unaccounted
        return 1 if untidy or any(finding.contradicts for finding in self.findings) else 0


async def run_checks(session: VerifySession, checks: Sequence[tuple[str, Check]] = CHECKS) -> Report:
    findings: list[Finding] = []
    interrupted = False
    try:
        for name, check in checks:
            try:
                findings.append(await check(session))
            except XentralError as error:
                findings.append(Finding(name, "failed", str(error)))
            except Exception as error:  # a check broken midway: the others and the cleanup still run
                findings.append(Finding(name, "failed", f"{type(error).__name__}: {error}"))
    except asyncio.CancelledError:
        interrupted = True
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # taken: the cleanup's own awaits must run, then the report says so
    cleanup = await cancel_created(session)
    return Report(findings, cleanup, interrupted)
