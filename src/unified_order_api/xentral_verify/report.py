"""The report `verify-xentral` prints: one line per finding, its advice indented below, then the cleanup
(what was cancelled, what was not and why, what could not be found), and whether the run was interrupted."""

from __future__ import annotations

from .run import Report
from .target import Target

__all__ = ["report_lines"]

_MARKS = {"agrees": "OK", "differs": "DIFFERS", "noted": "NOTE", "not_checked": "SKIPPED", "failed": "FAILED"}


def report_lines(report: Report, target: Target, run_id: str) -> list[str]:
    lines = []
    if report.interrupted:
        lines.append(f"Interrupted after {len(report.findings)} check(s); the test orders so far were cleaned up.")
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
    for foreign in report.foreign:
        lines.append(
            f"LEFT ALONE order {foreign.order_id}: the import of {foreign.reference} named it in Location, "
            "but it shows another reference, so it is not this run's"
        )
    for reference in report.unaccounted:
        lines.append(
            f"NOT FOUND {reference}: its import got no usable answer and Xentral shows no order with it; "
            "if one appears, cancel it by hand"
        )
    if report.left_over or report.foreign or report.unaccounted:
        lines.append(
            f"This run's test orders carry references starting VERIFY-{run_id}- in project {target.project_id}."
        )
    if target.customer_created:
        lines.append(
            f"Created test customer {target.customer_id} (kept: Xentral keeps a customer with orders); "
            f"pass --customer {target.customer_id} next time."
        )
    differs = sum(1 for finding in report.findings if finding.contradicts)
    lines.append(f"{len(report.findings)} checks, {differs} to look at.")
    return lines
