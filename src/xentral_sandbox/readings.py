"""The contested readings of Xentral's behaviour, one switch each, today's reading as the default.

No public source settles these points (the Xentral 2026 spec, its examples and Xentral's guides disagree
or stay silent), so the sandbox models one reading and can be switched to the other. A client that must be
right under either reading is tested against both; a command that probes a real instance is tested
against a sandbox showing each reading in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

__all__ = ["Readings"]

DiscountScale = Literal["fraction", "percent"]
PriceBasis = Literal["tax-display", "net"]
Rounding = Literal["per-line", "per-rate-sum"]
DiscountSign = Literal["positive-lowers", "negative-lowers"]
RepeatedReference = Literal["accepted", "refused-400", "refused-409"]
CursorEnd = Literal["empty-string", "empty-page"]
OversizePage = Literal["refused", "clamped"]
LocationForm = Literal["absolute", "path"]
MissingScope = Literal["400", "401", "403"]
Cancellable = Literal["released", "created-or-completed"]
RateLimitHeaders = Literal["sent", "absent"]


@dataclass(frozen=True)
class Readings:
    """Each member names the reading the sandbox shows; the defaults are the readings it always showed."""

    # `positions[].discount`: the field's description says a fraction (0.15 = 15 %) and values outside 0..1
    # are refused; "percent" is what every example and the v3 API say (10 = 10 %, refused outside 0..100).
    discount_scale: DiscountScale = "fraction"
    # `price.amount`: gross unless `financials.tax.taxDisplay` is "net" ("tax-display"), or always net ("net",
    # as the v3 API's line prices are).
    price_basis: PriceBasis = "tax-display"
    # Rounding: each line to the cent, half up ("per-line"), or Xentral's legacy default "Runden nach
    # addieren": unrounded nets added per rate, the tax rounded once per rate ("per-rate-sum").
    rounding: Rounding = "per-line"
    # `discountPositions[].value.amount`: a positive amount lowers the total ("positive-lowers"), or the
    # amount is added as given so a discount must be negative ("negative-lowers").
    discount_sign: DiscountSign = "positive-lowers"
    # A repeated `externalOrderNumber`: imported again ("accepted"), or refused with 400 or 409 (the spec's import
    # declares no 409: that reading is an undocumented answer a client must still survive).
    repeated_reference: RepeatedReference = "accepted"
    # The last page of a customer cursor: `nextCursor: ""` ("empty-string"), or a cursor to one more, empty
    # page ("empty-page").
    cursor_end: CursorEnd = "empty-string"
    # `page[size]` above 50: refused with a 400 ("refused") or served as 50 ("clamped").
    oversize_page: OversizePage = "refused"
    # `Location` of a 201: an absolute URL ("absolute") or the path alone ("path").
    location_form: LocationForm = "absolute"
    # A token lacking the operation's scope: the documented 400 `#token-scopes` problem where the operation
    # declares it (else 403), a 401 JSON `message`, or a bare 403.
    missing_scope: MissingScope = "400"
    # `POST /api/v1/salesOrders/{id}/actions/cancel`: a released order not dispatched yet is cancelled, drafts
    # and completed orders are refused ("released", the v3 action's text and what a warehouse needs), or the
    # v1 text read as it stands: "Only sales orders in status 'created' or 'completed' can be canceled", every
    # other one refused ("created-or-completed"). Either way a dispatched or shipped order is refused with 409.
    cancellable: Cancellable = "released"
    # `X-RateLimit-Limit` / `-Remaining` on every answer (Xentral's rate-limit page, "sent"), or on none
    # ("absent": a proxy in front of the instance may strip them); a 429 keeps `Retry-After` either way.
    rate_limit_headers: RateLimitHeaders = "sent"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Readings:
        """For the admin API: unknown members or values are a ValueError naming the allowed ones."""
        known = {f.name: f for f in fields(cls)}
        for name, value in data.items():
            if name not in known:
                raise ValueError(f"unknown reading {name!r} (known: {', '.join(known)})")
            allowed = get_args(_TYPES[name])
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        return cls(**data)

    def to_json(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_TYPES: dict[str, Any] = {
    "discount_scale": DiscountScale,
    "price_basis": PriceBasis,
    "rounding": Rounding,
    "discount_sign": DiscountSign,
    "repeated_reference": RepeatedReference,
    "cursor_end": CursorEnd,
    "oversize_page": OversizePage,
    "location_form": LocationForm,
    "missing_scope": MissingScope,
    "cancellable": Cancellable,
    "rate_limit_headers": RateLimitHeaders,
}
