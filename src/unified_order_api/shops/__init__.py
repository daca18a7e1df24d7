"""Shop connectors: a shop's own order webhook, authenticated by its signature and translated into our
order request, so it enters the one order flow exactly as `POST /api/orders` does.

One module per shop (`woocommerce`, `shopify`, `shopware`): pure translation of the shop's JSON,
tested without HTTP. `signatures` checks the shops' HMACs; `deliveries` remembers answered deliveries.
"""

from __future__ import annotations

from . import shopify, shopware, woocommerce
from .deliveries import Answered, DeliveryMemory
from .native import Ignored, NativeOrderInvalid, Translated, native_pointer
from .signatures import SignatureRejected, check_fresh, verify_hmac_sha256

__all__ = [
    "Answered",
    "DeliveryMemory",
    "Ignored",
    "NativeOrderInvalid",
    "SignatureRejected",
    "Translated",
    "check_fresh",
    "native_pointer",
    "shopify",
    "shopware",
    "verify_hmac_sha256",
    "woocommerce",
]
