"""`Prefer: dry-run`: the answer that shows what an order would become in Xentral, with nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..orders.preview import OrderPreview
from .schemas import OrderOut, TotalsOut

__all__ = ["DRY_RUN", "OrderPreviewOut", "dry_run_response"]

DRY_RUN = "dry-run"
"""The `Prefer` token asking for a dry run; answered with `Preference-Applied: dry-run`."""


class PreviewMoneyOut(BaseModel):
    amount: Decimal
    currency: str


class PreviewLineOut(BaseModel):
    sku: str
    product_id: str = Field(description="Xentral product id")
    quantity: Decimal
    price: PreviewMoneyOut | None = Field(description="The price sent; none: Xentral's master price applies")
    name: str | None = None


class PreviewCustomerOut(BaseModel):
    id: str | None = Field(description="Xentral customer id; none when the customer would be created")
    number: str | None
    would_create: bool
    payload: dict[str, Any] | None = Field(
        default=None, description="The body that would create the customer in Xentral"
    )


class ExistingOrderOut(BaseModel):
    id: str
    number: str | None
    status: str


class OrderPreviewOut(BaseModel):
    """What a real `POST /api/orders` with this body would do; nothing of it happened."""

    dry_run: Literal[True] = True
    reference: str
    outcome: Literal["create", "existing", "replay"] = Field(
        description=(
            "create: the order (and the customer, if `customer.would_create`) would be created with `import_payload`; "
            "existing: Xentral already has an order with this reference, which would be returned; "
            "replay: an earlier request with this key finished, its answer (`order`) would be repeated"
        )
    )
    customer: PreviewCustomerOut | None = None
    lines: list[PreviewLineOut] = Field(default_factory=list)
    project_id: str | None = None
    shipping_method_id: str | None = None
    payment_method_id: str | None = None
    sales_channel_id: str | None = None
    currency: str | None = None
    totals: TotalsOut | None = Field(
        default=None, description="The order's money as computed before the import (absent when a price is unknown)"
    )
    warnings: list[str] = Field(
        default_factory=list, description="What the real run would report, e.g. a total the tolerance flags"
    )
    existing_order: ExistingOrderOut | None = None
    order: OrderOut | None = Field(default=None, description="The earlier answer a replay would repeat")
    import_payload: dict[str, Any] | None = Field(
        default=None,
        description=(
            "The exact body the import would send to Xentral; `customer.id` is empty when the customer would be "
            "created first (the real run sends the new id)"
        ),
    )

    @classmethod
    def from_preview(cls, preview: OrderPreview) -> OrderPreviewOut:
        draft = preview.draft
        customer = preview.customer
        existing = preview.existing
        return cls(
            reference=preview.reference,
            outcome=preview.outcome,
            customer=(
                PreviewCustomerOut(
                    id=customer.id, number=customer.number, would_create=customer.would_create, payload=customer.payload
                )
                if customer is not None
                else None
            ),
            lines=[
                PreviewLineOut(
                    sku=line.sku,
                    product_id=line.product_id,
                    quantity=line.quantity,
                    price=(
                        PreviewMoneyOut(amount=line.unit_price.amount, currency=line.unit_price.currency)
                        if line.unit_price is not None
                        else None
                    ),
                    name=line.name,
                )
                for line in (draft.lines if draft is not None else ())
            ],
            project_id=draft.project_id if draft else None,
            shipping_method_id=draft.shipping_method_id if draft else None,
            payment_method_id=draft.payment_method_id if draft else None,
            sales_channel_id=draft.sales_channel_id if draft else None,
            currency=draft.currency if draft else None,
            totals=TotalsOut.model_validate(draft.totals.to_json()) if draft and draft.totals else None,
            warnings=draft.totals.warnings() if draft and draft.totals else [],
            existing_order=(
                ExistingOrderOut(id=existing.id, number=existing.document_number, status=existing.status)
                if existing is not None
                else None
            ),
            order=OrderOut.from_receipt(preview.receipt) if preview.receipt is not None else None,
            import_payload=preview.import_payload,
        )


def dry_run_response(preview: OrderPreview) -> JSONResponse:
    """200 with the preview; `Preference-Applied: dry-run` says nothing was written."""
    body = OrderPreviewOut.from_preview(preview).model_dump(mode="json")
    headers = {"Preference-Applied": DRY_RUN, "Cache-Control": "no-store"}
    return JSONResponse(body, status_code=200, headers=headers)
