"""App factory: API routes behind the ASGI front (faults, limits, negotiation), admin routes beside it."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import catalog, customers, deliveries, order_actions, orders, products, webhooks
from .admin import ADMIN_PREFIX, create_admin_app
from .calllog import CallLog
from .config import SandboxConfig
from .context import RequestContext
from .delivery import EventFaults, WebhookDelivery
from .faults import FaultInjector
from .front import MISBEHAVING, NEGOTIATED, Front, Receive, Scope, Send
from .operations import JSON
from .problems import ProblemError
from .querystring import parse_nested
from .ratelimit import FixedWindowLimiter
from .state import SandboxState, tokens_of

Handler = Callable[[RequestContext], Response]


class SandboxApp:
    """The ASGI app plus the objects a test steers it with."""

    def __init__(self, state: SandboxState, config: SandboxConfig, faults: FaultInjector, calls: CallLog) -> None:
        self.state = state
        self.config = config
        self.faults = faults
        self.calls = calls
        self.limiter = (
            FixedWindowLimiter(config.rate_limit, config.rate_window_seconds) if config.rate_limit is not None else None
        )
        self.event_faults = EventFaults()
        self.delivery = WebhookDelivery(state, self.event_faults, config.webhook_retry_seconds)
        self.api = Starlette(routes=_routes(state, config))
        self.front = Front(self.api, state, config, faults, calls, self.limiter)
        self.admin = create_admin_app(state, config, faults, calls, self.limiter, self.delivery)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")):
            await self.admin(scope, receive, send)
        elif scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def _endpoint(handler: Handler, state: SandboxState, config: SandboxConfig) -> Callable[[Request], object]:
    async def endpoint(request: Request) -> Response:
        base = config.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
        ctx = RequestContext(
            state=state,
            config=config,
            query=parse_nested(request.url.query),
            path_params=request.path_params,
            body=await request.body(),
            media_type=request.scope.get("state", {}).get(NEGOTIATED, JSON),
            base_url=base,
            misbehaviours=request.scope.get("state", {}).get(MISBEHAVING, frozenset()),
        )
        try:
            return handler(ctx)
        except ProblemError as problem:
            return problem.response()

    return endpoint


def _routes(state: SandboxState, config: SandboxConfig) -> list[Route]:
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/api/v2/customers", customers.list_customers),
        ("POST", "/api/v2/customers", customers.create_customer),
        ("GET", "/api/v2/customers/{id}", customers.get_customer),
        ("GET", "/api/v2/customers/{customerId}/addresses", customers.list_addresses),
        ("POST", "/api/v2/customers/{customerId}/addresses", customers.create_address),
        ("GET", "/api/v2/products", products.list_products_v2),
        ("GET", "/api/v2/products/{id}", products.get_product_v2),
        ("GET", "/api/v1/products", products.list_products),
        ("GET", "/api/v1/products/{id}", products.get_product),
        ("GET", "/api/v1/salesOrders", orders.list_sales_orders),
        ("GET", "/api/v1/salesOrders/{id}", orders.get_sales_order),
        ("POST", "/api/v1/salesOrders/actions/import", orders.import_sales_order),
        ("POST", "/api/v1/salesOrders/{id}/actions/cancel", order_actions.cancel_sales_order),
        ("GET", "/api/v1/deliveries", deliveries.list_deliveries),
        ("GET", "/api/v1/shipments/{id}", deliveries.get_shipment),
        ("GET", "/api/v1/deliveryNotes", deliveries.list_delivery_notes),
        ("GET", "/api/v1/deliveryNotes/{id}", deliveries.get_delivery_note),
        ("GET", "/api/v1/deliveryNotes/{id}/shipments", deliveries.list_note_shipments),
        ("GET", "/api/v2/salesChannels", catalog.list_sales_channels),
        ("GET", "/api/v1/shippingMethods", catalog.list_shipping_methods),
        ("GET", "/api/v1/paymentMethods", catalog.list_payment_methods),
        ("GET", "/api/v1/projects", catalog.list_projects),
        ("GET", "/api/v1/externalReferenceTargets", catalog.list_external_reference_targets),
        ("POST", "/api/v1/webhooks", webhooks.create_webhook),
        ("GET", "/api/v1/webhooks", webhooks.list_webhooks),
        ("GET", "/api/v1/webhooks/{id}", webhooks.get_webhook),
        ("PATCH", "/api/v1/webhooks/{id}", webhooks.update_webhook),
        ("DELETE", "/api/v1/webhooks/{id}", webhooks.delete_webhook),
        ("GET", "/api/v1/webhookEventTypes", webhooks.list_event_types),
    ]
    return [Route(path, _endpoint(handler, state, config), methods=[method]) for method, path, handler in table]


def create_app(
    state: SandboxState | None = None,
    config: SandboxConfig | None = None,
    faults: FaultInjector | None = None,
    calls: CallLog | None = None,
) -> SandboxApp:
    config = config or SandboxConfig()
    state = state or SandboxState(config.seed_path, config.readings, tokens_of(config))
    return SandboxApp(state, config, faults or FaultInjector(), calls or CallLog())
