"""The report `verify-xentral` prints: one line per finding, its advice indented below, then the cleanup."""

from __future__ import annotations

from .run import Report
from .target import Target

__all__ = ["report_lines"]

_MARKS = {"agrees": "OK", "differs": "DIFFERS", "noted": "NOTE", "not_checked": "SKIPPED", "failed": "FAILED"}


def report_lines(report: Report, target: Target) -> list[str]:
    lines = []
    for finding in report.findings:
        lines.append(f"{_MARKS[finding.verdict]:<8} {finding.check}: {finding.observed}")
        if finding.advice:
            lines.append(f"         → {finding.advice}")
    lines.append("")
    lines.append(f"Cancelled {len(report.cancelled)} test order(s) in project {target.project_id}.")
    for left in report.left_over:
        lines.append(
            f"NOT CANCELLED order {left.order.order_id} ({left.order.reference}): {left.reason}; cancel it by hand"
        )
    if target.customer_created:
        lines.append(
            f"Created test customer {target.customer_id} (kept: Xentral keeps a customer with orders); "
            f"pass --customer {target.customer_id} next time."
        )
    differs = sum(1 for finding in report.findings if finding.contradicts)
    lines.append(f"{len(report.findings)} checks, {differs} to look at.")
    return lines
