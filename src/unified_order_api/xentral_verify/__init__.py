"""`verify-xentral`: the points of Xentral's behaviour no document settles, checked once on a real instance.

Against a test project the operator names, held test orders are imported, read back and cancelled;
each check (money_checks.py, wire_checks.py) returns a `Finding` saying what the instance answered and,
where that contradicts an assumption the service is configured with, which setting to change.
docs/xentral.md#xentral-in-2026-point-by-point lists the points.
"""

from __future__ import annotations

from .assumptions import Configured, configured
from .findings import Finding, Verdict
from .report import report_lines
from .run import CHECKS, Report, run_checks
from .session import VerifySession
from .target import Target, TargetRefused, find_target

__all__ = [
    "CHECKS",
    "Configured",
    "Finding",
    "Report",
    "Target",
    "TargetRefused",
    "Verdict",
    "VerifySession",
    "configured",
    "find_target",
    "report_lines",
    "run_checks",
]
