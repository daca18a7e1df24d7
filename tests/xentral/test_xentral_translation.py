"""Which order-level error a Xentral failure becomes, and whether retrying it helps."""

from __future__ import annotations

import pytest

from unified_order_api.orders import errors as e
from unified_order_api.xentral import errors as upstream
from unified_order_api.xentral.translation import order_error

PROBLEM = {"type": "https://api.xentral.biz/problems/generic-validation", "title": "Validation failed"}


@pytest.mark.parametrize(
    ("error", "write", "expected", "retryable"),
    [
        (upstream.XentralValidationError(400, PROBLEM, "list_products"), False, e.XentralRejectedRequest, False),
        (upstream.XentralValidationError(400, PROBLEM, "import_sales_order"), True, e.XentralRejectedOrder, None),
        (upstream.XentralUnexpectedResponse(200, None, "list_products"), False, e.XentralMisbehaved, None),
        (upstream.XentralNotFound(404, None, "list_customers"), False, e.XentralMisconfigured, False),
        (upstream.XentralNotFound(404, None, "import_sales_order"), True, e.XentralMisconfigured, False),
        (upstream.XentralNotFound(404, None, "get_customer"), False, e.XentralMisbehaved, False),
        (upstream.XentralAuthError(401, None, "list_products"), False, e.XentralAccessDenied, False),
        (upstream.XentralUnexpectedResponse(406, None, "list_products"), False, e.XentralMisbehaved, False),
    ],
)
def test_translation(error: upstream.XentralError, write: bool, expected: type, retryable: bool | None) -> None:
    translated = order_error(error, write=write)
    assert type(translated) is expected
    assert translated.retryable is retryable


def test_a_read_400_does_not_blame_the_order() -> None:
    translated = order_error(upstream.XentralValidationError(400, PROBLEM, "list_sales_orders"), write=False)
    assert not isinstance(translated, e.XentralRejectedOrder)
    assert "not of the order" in translated.detail
