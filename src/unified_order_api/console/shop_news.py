"""The order page's news from the shop after the import: its cancellation (what was done and why) and its
changes of address or lines (recorded, never sent to Xentral). Read only; nothing here acts."""

from __future__ import annotations

from fastapi import Request

from ..orders.amendments import ShopChange
from ..orders.cancellations import CancellationRecord
from .guard import service_container

__all__ = ["shop_news_of"]


async def shop_news_of(
    request: Request, client: str, reference: str
) -> tuple[CancellationRecord | None, list[ShopChange]]:
    services = service_container(request)
    if services.cancellations is None or services.shop_changes is None:
        return None, []
    cancellation = await services.cancellations.cancellation_of(client, reference)
    return cancellation, await services.shop_changes.changes_of(client, reference)
