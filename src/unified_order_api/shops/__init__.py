"""Shop connectors: a shop's own order webhook, authenticated by its signature and translated into our
order request, so it enters the one order flow exactly as `POST /api/orders` does.

One module per shop (`woocommerce`, `shopify`, `shopware`), each exporting its `CONNECTOR`
(`connector.py`: everything the service knows about that shop) with a pure translation of the
shop's JSON, tested without HTTP; `registry` lists them. `signatures` checks the shops' HMACs,
`arrivals` remembers answered arrivals, and `intake` takes one arrival from client lookup to the
queued order (imported by the HTTP edge, not from here, since it needs the settings and the service).
"""

from __future__ import annotations

from . import shopify, shopware, woocommerce
from .arrivals import Answered, Arrival, ArrivalMemory
from .connector import ShopConnector, ShopRules, ShopWriteBack, Signature, Topics
from .native import Ignored, NativeOrderInvalid, Translated, native_pointer
from .registry import CONNECTORS, ShopKind, connector_for
from .signatures import SignatureRejected, check_fresh, verify_hmac_sha256

__all__ = [
    "CONNECTORS",
    "Answered",
    "Arrival",
    "ArrivalMemory",
    "Ignored",
    "NativeOrderInvalid",
    "ShopConnector",
    "ShopKind",
    "ShopRules",
    "ShopWriteBack",
    "Signature",
    "SignatureRejected",
    "Topics",
    "Translated",
    "check_fresh",
    "connector_for",
    "native_pointer",
    "shopify",
    "shopware",
    "verify_hmac_sha256",
    "woocommerce",
]
