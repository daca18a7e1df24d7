"""The checks of `verify-xentral` in their order, run one after another, then the cleanup.

A check is a coroutine taking the session and returning a `Finding`; one that fails with a Xentral
error becomes a `failed` finding and the run goes on. The cleanup runs whatever happened, the
rate-limit check last (it reads the headers of every answer the run saw).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ..xentral.errors import XentralError
from . import money_checks, wire_checks
from .cleanup import Leftover, cancel_created
from .findings import Finding
from .session import CreatedOrder, VerifySession

__all__ = ["CHECKS", "Check", "Report", "run_checks"]

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


@dataclass(frozen=True, slots=True)
class Report:
    findings: list[Finding]
    cancelled: list[CreatedOrder]
    left_over: list[Leftover]

    @property
    def exit_status(self) -> int:
        """0: every finding agrees (or needs nothing) and everything was cancelled; 1 otherwise."""
        return 1 if self.left_over or any(finding.contradicts for finding in self.findings) else 0


async def run_checks(session: VerifySession, checks: Sequence[tuple[str, Check]] = CHECKS) -> Report:
    findings: list[Finding] = []
    try:
        for name, check in checks:
            try:
                findings.append(await check(session))
            except XentralError as error:
                findings.append(Finding(name, "failed", str(error)))
    finally:
        cancelled, left = await cancel_created(session)
    return Report(findings, cancelled, left)
