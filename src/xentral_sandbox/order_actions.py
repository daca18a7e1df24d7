"""`POST /api/v1/salesOrders/{id}/actions/cancel`: the API's cancel action (docs/xentral.md#cancelling-an-order).

As the 2026 spec declares it: an optional body `{"notifyCustomer": bool | null}` (no other member; or an
empty form body), 204 without a body when the order is cancelled, 404 without a body for an unknown order,
409 `problems/conflict` when its state forbids it. Which states those are is contested (FACTS §5): the
sandbox takes the reading `Readings.cancellable` names, and refuses a dispatched or shipped order under
both (`fulfilment.cancel_action`). The cancelled order reads `canceled` afterwards, moves its `updatedAt`
and emits `salesOrder.updated` (the AsyncAPI has no cancel event).
"""

from __future__ import annotations

from starlette.responses import Response

from . import fulfilment
from .context import RequestContext
from .problems import conflict, empty
from .state import UnknownOrder
from .validation import Closed, strict_json_validate

__all__ = ["cancel_sales_order"]


class CancelSalesOrder(Closed):
    notifyCustomer: bool | None = None  # the spec's name


def cancel_sales_order(ctx: RequestContext) -> Response:
    body = ctx.body.strip()
    if body and not body.startswith(b"{"):
        body = b""  # a form body: the spec declares it without members (its example is `{}`)
    if body:
        strict_json_validate(CancelSalesOrder, body)
    try:
        fulfilment.cancel_action(ctx.state, ctx.path_params["id"])
    except UnknownOrder:
        return empty(404)
    except fulfilment.FulfilmentRefused as refused:
        raise conflict([str(refused)]) from None
    return Response(status_code=204)
