"""Our Xentral client: HTTP access, wire models, filter encoding, error mapping.

The order service sees only `XentralHttpGateway` (through the `orders.ports` protocol) and
the exceptions below; everything else is the client's own business.
"""

from .client import DEFAULT_USER_AGENT, ResponseHook, XentralClient
from .customer_payload import customer_address_body, customer_create
from .errors import (
    RateBudgetExhausted,
    XentralAuthError,
    XentralConflict,
    XentralConnectError,
    XentralConnectionLost,
    XentralError,
    XentralNotAcceptable,
    XentralNotFound,
    XentralServerError,
    XentralStatusError,
    XentralTimeout,
    XentralTooManyRequests,
    XentralTransportError,
    XentralUnexpectedResponse,
    XentralUnfilteredAnswer,
    XentralUntrustedAnswer,
    XentralValidationError,
)
from .filters import MAX_PAGE_SIZE, Cursor, Filter, FilterOp, Page
from .gateway import XentralHttpGateway
from .import_payload import build_import_payload
from .limiter import InProcessRateLimiter, RateLimiter, RedisRateLimiter, Slot
from .retry import RetryPolicy

__all__ = [
    "DEFAULT_USER_AGENT",
    "MAX_PAGE_SIZE",
    "Cursor",
    "Filter",
    "FilterOp",
    "InProcessRateLimiter",
    "Page",
    "RateBudgetExhausted",
    "RateLimiter",
    "RedisRateLimiter",
    "ResponseHook",
    "RetryPolicy",
    "Slot",
    "XentralAuthError",
    "XentralClient",
    "XentralConflict",
    "XentralConnectError",
    "XentralConnectionLost",
    "XentralError",
    "XentralHttpGateway",
    "XentralNotAcceptable",
    "XentralNotFound",
    "XentralServerError",
    "XentralStatusError",
    "XentralTimeout",
    "XentralTooManyRequests",
    "XentralTransportError",
    "XentralUnexpectedResponse",
    "XentralUnfilteredAnswer",
    "XentralUntrustedAnswer",
    "XentralValidationError",
    "build_import_payload",
    "customer_address_body",
    "customer_create",
]
