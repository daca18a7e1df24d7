"""What the inbox keeps of a request: its body with secrets and card data masked, capped in size,
and the few headers that say what it was (never a signature's or a key's value).

Masking is by name (a field that sounds secret or like card data) and by shape (a run of 13 to 19 digits
that passes the Luhn check, as a card number does), except in fields that hold article numbers. A gift
card's code is money to whoever holds it: kept as its last four characters (`mask_code`, as the order
keeps it) in our `redeemed[]`, WooCommerce Gift Cards' `gift_cards[]` and a line whose `type` names a
gift card or, as the Shopware connector reads a plugin's redemption, a negative line of a type Shopware
does not know (its `payload.code`). A body
that is not JSON is kept as text, card-like numbers masked. The kept body of a shop arrival is what a
replay sends through the intake, so only values no order is made of are masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..orders.attempts import ReceivedBody
from ..orders.commands import mask_code

__all__ = ["MASK", "KeptBody", "keep_body", "keep_headers", "mask_json", "received_body"]

MASK = "••••••"  # as the console masks

_SECRET_NAME = re.compile(
    r"secret|token|password|passwd|api[_-]?key|authori[sz]ation|signature|hmac|credential|cookie|session", re.I
)
_CARD_NAME = re.compile(r"card[_-]?(number|no|num)|^pan$|cvv|cvc|csc|security[_-]?code|^iban$|card[_-]?holder", re.I)
_ARTICLE_NAME = re.compile(r"sku|ean|gtin|upc|barcode|product[_-]?number|productnumber", re.I)
_GIFT_CARD_LISTS = frozenset({"redeemed", "gift_cards"})  # ours, WooCommerce Gift Cards'
_GIFT_CARD_TYPE = re.compile(r"gift[-_ ]?card|voucher|gutschein", re.I)
SHOPWARE_LINE_TYPES = frozenset({"product", "promotion", "credit", "discount", "custom", "container"})
"""Shopware's own line types, as shops/shopware.py lists them (a test keeps the two in step)."""
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# The headers that say what an arrival was (and which the intake reads on a replay): the content type, the
# shops' topic, event and delivery headers, the sender's agent. Anything secret-sounding is masked.
_KEPT_HEADER = re.compile(r"^(content-type|user-agent|x-request-id|x-wc-webhook-.*|x-shopify-.*|shopware-.*)$", re.I)


@dataclass(frozen=True, slots=True)
class KeptBody:
    text: str
    size: int  # bytes as received
    truncated: bool


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card_numbers(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return MASK if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)

    return _DIGIT_RUN.sub(replace, text)


def _masked(value: Any, name: str = "") -> Any:
    if isinstance(value, dict):
        if name in _GIFT_CARD_LISTS:
            return {key: _code(item) if key == "code" else _masked(item, str(key)) for key, item in value.items()}
        if _gift_card_line(value):
            return {
                key: _gift_card_payload(item) if key == "payload" else _masked(item, str(key))
                for key, item in value.items()
            }
        return {key: _masked(item, str(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, name) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if _SECRET_NAME.search(name) or _CARD_NAME.search(name):
        return MASK
    if _ARTICLE_NAME.search(name):
        return value
    if isinstance(value, str):
        return _mask_card_numbers(value)
    if isinstance(value, int) and len(str(abs(value))) >= 13:
        masked = _mask_card_numbers(str(value))
        return value if masked == str(value) else MASK
    return value


def _gift_card_line(value: dict[str, Any]) -> bool:
    """A line whose type names a gift card, or a negative line of a type Shopware does not know (a plugin's
    redemption, as the Shopware connector takes it); its `payload.code` is a gift card's."""
    kind = value.get("type")
    if not isinstance(kind, str):
        return False
    if _GIFT_CARD_TYPE.search(kind):
        return True
    total = value.get("totalPrice")
    if kind in SHOPWARE_LINE_TYPES or isinstance(total, bool) or not isinstance(total, int | float | str):
        return False
    try:
        return Decimal(str(total)) < 0
    except InvalidOperation:
        return False


def _code(value: Any) -> Any:
    return mask_code(value) if isinstance(value, str) else _masked(value, "code")


def _gift_card_payload(value: Any) -> Any:
    if not isinstance(value, dict):
        return _masked(value, "payload")
    return {key: _code(item) if key == "code" else _masked(item, str(key)) for key, item in value.items()}


def mask_json(value: Any) -> Any:
    """A JSON value with secret-sounding and card fields, and card-like numbers, masked (article numbers kept)."""
    return _masked(value)


def keep_body(body: bytes, max_bytes: int) -> KeptBody:
    """The body as the inbox keeps it: masked JSON (re-serialised) or masked text, at most `max_bytes`."""
    size = len(body)
    truncated = size > max_bytes
    if not truncated:
        try:
            parsed = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            parsed = None
        else:
            text = json.dumps(_masked(parsed), ensure_ascii=False, separators=(",", ":"))
            if len(text.encode()) <= max_bytes:
                return KeptBody(text, size, False)
            truncated = True
    text = _mask_card_numbers(body[:max_bytes].decode("utf-8", errors="replace"))
    # A secret in a body that is not JSON (a form) is masked by its name, `token=…`.
    text = re.sub(
        r"(?i)((?:secret|token|password|api[_-]?key|signature)[^=&:\"\s]*[\"']?\s*[=:]\s*[\"']?)[^&\"'\s,}]+",
        rf"\1{MASK}",
        text,
    )
    return KeptBody(text, size, truncated)


def received_body(body: bytes, max_bytes: int) -> ReceivedBody:
    """An accepted order's body, kept as the inbox keeps a refused one (masked, capped)."""
    kept = keep_body(body, max_bytes)
    return ReceivedBody(kept.text, kept.size, kept.truncated)


def keep_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers worth keeping (lower-case names), secret-sounding values masked."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if _KEPT_HEADER.match(lower):
            kept[lower] = MASK if _SECRET_NAME.search(lower) else value[:500]
        elif _SECRET_NAME.search(lower):
            kept[lower] = MASK  # that one was sent, not what it was
    return kept
