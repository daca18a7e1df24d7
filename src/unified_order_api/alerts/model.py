"""What an operator is alerted about, in words that say what happened, which orders, and what to do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["AlertDigest", "AlertKind"]


class AlertKind(StrEnum):
    ORDER_FAILED = "order_failed"
    OUTCOME_UNRESOLVED = "outcome_unresolved"
    WEBHOOK_DEAD = "webhook_dead"
    XENTRAL_ACCESS_DENIED = "xentral_access_denied"
    XENTRAL_TOKEN_EXPIRING = "xentral_token_expiring"  # noqa: S105 - an alert kind, not a secret
    SHOP_SIGNATURE_FAILURES = "shop_signature_failures"
    SHOP_WRITE_BACK_DEAD = "shop_write_back_dead"
    SHOP_CANCELLATION_NOT_CARRIED_OUT = "shop_cancellation_not_carried_out"

    @property
    def what(self) -> str:
        """What happened, for the alert's headline."""
        return _WHAT[self]

    @property
    def action(self) -> str:
        """What the operator does about it."""
        return _ACTION[self]


_WHAT = {
    AlertKind.ORDER_FAILED: "Orders failed after their retries",
    AlertKind.OUTCOME_UNRESOLVED: "Orders without an outcome for too long",
    AlertKind.WEBHOOK_DEAD: "Webhook deliveries gave up",
    AlertKind.XENTRAL_ACCESS_DENIED: "Xentral refused the service's token",
    AlertKind.XENTRAL_TOKEN_EXPIRING: "A Xentral token expires soon or has expired",
    AlertKind.SHOP_SIGNATURE_FAILURES: "Shop webhooks with a wrong signature, repeatedly",
    AlertKind.SHOP_WRITE_BACK_DEAD: "Shop write-backs gave up",
    AlertKind.SHOP_CANCELLATION_NOT_CARRIED_OUT: "Orders the shop cancelled that Xentral still holds",
}
_ACTION = {
    AlertKind.ORDER_FAILED: "Open each order in the console: its problem says why; fix the cause (Xentral, the "
    "configuration or the request) and press Retry. Retrying looks the order up in Xentral first.",
    AlertKind.OUTCOME_UNRESOLVED: "Xentral does not answer the lookups that would decide these orders: check that "
    "it is reachable and accepts the token (console health page). The reconciler finishes them once it answers; "
    "the console's 'Needs attention' filter lists them.",
    AlertKind.WEBHOOK_DEAD: "The receiver did not accept these callbacks on any try: check that it is up and "
    "verifies with the client's secret, then redeliver them from the console's Webhook deliveries page.",
    AlertKind.XENTRAL_ACCESS_DENIED: "Orders cannot be placed: check the Xentral token (revoked, expired, missing a "
    "scope) and set a valid one (UOA_XENTRAL_TOKEN or the instance's token); `check-config` shows what is refused.",
    AlertKind.XENTRAL_TOKEN_EXPIRING: "Create a new Personal Access Token in Xentral with the same scopes and set "
    "it together with its new expiry date (UOA_XENTRAL_TOKEN and UOA_XENTRAL_TOKEN_EXPIRES, or the instance's token "
    "and token_expires), then restart; an expired token fails every order with xentral_access_denied. "
    "`check-config` shows the dates.",
    AlertKind.SHOP_SIGNATURE_FAILURES: "A shop signs its webhooks with another secret than the one configured (or "
    "someone else is calling): compare the shop block's secret with the shop's; orders so signed are refused.",
    AlertKind.SHOP_WRITE_BACK_DEAD: "The shop did not take these tracking, status or note updates (refused, or "
    "failing past the give-up time): open each order in the console, read the shop's answers under Write-back, fix "
    "the cause (the shop block's `api` credentials and their permissions, `check-config` shows them) and press "
    "Redeliver.",
    AlertKind.SHOP_CANCELLATION_NOT_CARRIED_OUT: "The shop cancelled these orders, but Xentral had dispatched or "
    "shipped them (or refused the cancellation, or never got the order): nothing was changed in Xentral. Open each "
    "order in the console (Cancellation by the shop says why), stop the parcel in the warehouse or settle it with "
    "the buyer (a return), and cancel or complete the order in Xentral by hand; the shop got a note saying so.",
}


@dataclass(frozen=True, slots=True)
class AlertDigest:
    """One kind's alerts of one window: how many, about what (orders, shops, instances), and what to do."""

    kind: AlertKind
    count: int
    subjects: tuple[str, ...]  # the orders (client/reference), shops or instances concerned, first ones first
    details: tuple[str, ...]  # one line per subject: what was seen last
    first_at: dt.datetime
    last_at: dt.datetime
    more: int = 0  # subjects left out of the lists (the digest names at most a page of them)

    @property
    def headline(self) -> str:
        return f"{self.kind.what}: {self.count}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "what": self.kind.what,
            "count": self.count,
            "subjects": list(self.subjects),
            "details": list(self.details),
            "more_subjects": self.more,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "action": self.kind.action,
        }

    def text(self) -> str:
        """The digest as a plain-text message (the e-mail's body)."""
        lines = [self.headline, "", f"Seen from {self.first_at.isoformat()} to {self.last_at.isoformat()}.", ""]
        lines += [f"- {detail}" for detail in self.details]
        if self.more:
            lines.append(f"- and {self.more} more")
        return "\n".join([*lines, "", "What to do: " + self.kind.action, ""])
