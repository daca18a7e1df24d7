"""What raises an alert: hooks the composition root hands to the parts that see trouble first.

Each turns one event into `AlertGroups.raise_alert(kind, subject, detail)`: an order failed after its
retries (the queue worker's last requeue, the reconciler failing it), an order unresolved past the
attention time (the reconciler's looks), a callback that gave up (the dispatcher), Xentral refusing
the token (every response of an instance's client), a wrong shop signature (the shops' edge), a shop
write-back job that died (the write-back runner), a shop's cancellation Xentral could not carry out
(the cancellation flow). The token expiring (`AlertKind.XENTRAL_TOKEN_EXPIRING`)
is no event but a date: a periodic check raises it (`expiring_tokens`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from ..clock import Clock, utc_now
from ..orders.attempts import Attempt
from ..orders.cancellations import CancellationRecord
from ..orders.reconciliation import Finding
from ..webhooks.deliveries import Delivery
from ..write_back.model import WriteBackJob
from .channels import OPERATOR
from .grouping import AlertGroups
from .model import AlertKind

__all__ = [
    "ResponseHook",
    "access_denied_alerts",
    "cancellation_alerts",
    "dead_delivery_alerts",
    "dead_write_back_alerts",
    "failed_order_alert",
    "finding_alerts",
]

ResponseHook = Callable[[str, int, float], None]
"""The Xentral client's `on_response(operation, status, seconds)`."""


def failed_order_alert(alerts: AlertGroups, attempt: Attempt, code: str) -> None:
    alerts.raise_alert(AlertKind.ORDER_FAILED, f"{attempt.client}/{attempt.reference}", code)


def finding_alerts(
    alerts: AlertGroups,
    attention: dt.timedelta,
    clock: Clock = utc_now,
    *,
    remind: dt.timedelta = dt.timedelta(hours=1),
) -> Callable[[Attempt, Finding], None]:
    """The reconciler's findings worth an alert: an order it failed, or one unresolved past `attention`.

    The reconciler looks at an unresolved order every recheck, for days: it is named once, and again
    only `remind` later while it stays unresolved, not in every window."""
    named: dict[str, dt.datetime] = {}  # unresolved orders already alerted → when

    def finding(attempt: Attempt, found: Finding) -> None:
        subject, now = f"{attempt.client}/{attempt.reference}", clock()
        if found.resolved:
            named.pop(subject, None)
        if found in (Finding.FAILED, Finding.GAVE_UP):
            failed_order_alert(alerts, attempt, (attempt.error or {}).get("code", found.value))
        elif not found.resolved and now - attempt.created_at > attention:
            for each, at in list(named.items()):  # orders finished elsewhere (a client's retry) are forgotten
                if now - at >= remind:
                    del named[each]
            if subject in named:
                return
            named[subject] = now
            step = attempt.steps[-1] if attempt.steps else None
            detail = step.detail if step is not None and step.detail else found.value
            alerts.raise_alert(AlertKind.OUTCOME_UNRESOLVED, subject, detail, once_per=remind)

    return finding


def dead_delivery_alerts(alerts: AlertGroups) -> Callable[[Delivery], None]:
    """A client's callback that gave up, named by its order; the receiver by host only (a URL may hold a token)."""

    def dead(delivery: Delivery) -> None:
        if delivery.client == OPERATOR:
            return  # an alert about the alert webhook would go the same way; the log has it
        reference = (delivery.payload.get("data") or {}).get("reference", delivery.event_id)
        last = f"answered {delivery.last_status}" if delivery.last_status else (delivery.last_error or "no answer")
        host = urlsplit(delivery.url).hostname or "?"
        alerts.raise_alert(
            AlertKind.WEBHOOK_DEAD, f"{delivery.client}/{reference}", f"{delivery.event_type} to {host}: {last}"
        )

    return dead


def dead_write_back_alerts(alerts: AlertGroups) -> Callable[[WriteBackJob, str], None]:
    """A write-back job that died, named by its order, with the kind of job and the shop's last answer."""

    def dead(job: WriteBackJob, answer: str) -> None:
        alerts.raise_alert(
            AlertKind.SHOP_WRITE_BACK_DEAD, f"{job.client}/{job.reference}", f"{job.kind.value}: {answer[:200]}"
        )

    return dead


def cancellation_alerts(alerts: AlertGroups) -> Callable[[CancellationRecord, Attempt], None]:
    """A shop's cancellation not carried out in Xentral, named by its order, with why (the record's detail)."""

    def not_cancelled(record: CancellationRecord, attempt: Attempt) -> None:
        detail = f"{record.source}: {record.detail}"
        alerts.raise_alert(AlertKind.SHOP_CANCELLATION_NOT_CARRIED_OUT, f"{attempt.client}/{attempt.reference}", detail)

    return not_cancelled


def access_denied_alerts(alerts: AlertGroups, instance: str, inner: ResponseHook | None) -> ResponseHook:
    """`inner` (the metrics), and an alert whenever the instance answers 401/403."""

    def response(operation: str, status: int, seconds: float) -> None:
        if inner is not None:
            inner(operation, status, seconds)
        if status in (401, 403):
            alerts.raise_alert(
                AlertKind.XENTRAL_ACCESS_DENIED, instance, f"{operation} answered {status}", once_per=alerts.window
            )

    return response
