"""Which Xentral payment method an order gets: by its payment code, and where configured, its payment status.

Xentral's import has no paid flag; the payment *method* decides what happens to the order
(docs/concepts/orders.md#payment-methods-in-xentral): a prepayment ("Vorkasse") method holds it until a
payment is matched, a PayPal-type method counts as paid when confirmed, an invoice method lets it ship at
once. So a shop's one code can need two methods — a prepayment order the buyer has already paid is not
to be held. A `payment_map` entry is a Xentral id (every status) or, per code, a map from payment status
to id, where `*` stands for every status not named (and for an order that sends none):

    {"paypal": "2", "prepayment": {"paid": "2", "*": "3"}}

A code mapped by status whose status has no entry and no `*` is not guessed: the order is refused with
the statuses the code is mapped for. The status itself still goes to the order's internal comment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = ["ANY_STATUS", "PaymentMap", "PaymentTarget", "StatusUnmapped", "mapped_entries", "payment_codes"]

ANY_STATUS = "*"

PaymentTarget = str | Mapping[str, str]
"""A Xentral payment method id, or payment status → id (`*` for the rest)."""
PaymentMap = Mapping[str, PaymentTarget]
"""The caller's payment code (normalized: lower case, no surrounding spaces) → its target."""


@dataclass(frozen=True, slots=True)
class StatusUnmapped:
    """A code mapped by status, for none of which the order's status is (nor `*`)."""

    code: str
    status: str | None
    statuses: tuple[str, ...]

    @property
    def detail(self) -> str:
        said = f"payment status '{self.status}'" if self.status else "no payment status"
        return (
            f"Payment code '{self.code}' is mapped for payment status {', '.join(self.statuses)} only, "
            f"not for {said}; add it or '{ANY_STATUS}' to payment_map.{self.code}"
        )


def payment_codes(mapping: PaymentMap, status: str | None) -> tuple[dict[str, str], list[StatusUnmapped]]:
    """The map as plain code → id for an order with `status`, and the codes it leaves unmapped for that status."""
    codes: dict[str, str] = {}
    unmapped: list[StatusUnmapped] = []
    for code, target in mapping.items():
        if isinstance(target, str):
            codes[code] = target
            continue
        chosen = target.get(status) if status is not None else None
        chosen = chosen if chosen is not None else target.get(ANY_STATUS)
        if chosen is not None:
            codes[code] = chosen
        else:
            unmapped.append(StatusUnmapped(code, status, tuple(sorted(target))))
    return codes, unmapped


def mapped_entries(mapping: PaymentMap) -> Iterator[tuple[str, str]]:
    """Every mapped id with the setting that names it (`paypal`, `prepayment.paid`, `prepayment.*`), sorted."""
    for code, target in sorted(mapping.items()):
        if isinstance(target, str):
            yield code, target
        else:
            for status, method_id in sorted(target.items()):
                yield f"{code}.{status}", method_id
