"""The shops' own APIs, for the second direction: tracking, status and notes written back to the shop.

One module per shop (`woocommerce`, `shopify`, `shopware`), each an adapter behind the `ShopApi`
port (`port.py`), all speaking httpx through `transport.py`, which turns every failure into one
`ShopApiError` (retryable or not, with the wait the shop asked for). `build` makes the adapter of
a client's `shop.api` credentials. Nothing here knows the job lane that drives them.
"""

from .build import shop_api
from .errors import ShopApiError, ShopApiRefused, ShopApiRetryable
from .port import ApiCheck, ShopApi, ShopLine, ShopOrderRef

__all__ = [
    "ApiCheck",
    "ShopApi",
    "ShopApiError",
    "ShopApiRefused",
    "ShopApiRetryable",
    "ShopLine",
    "ShopOrderRef",
    "shop_api",
]
