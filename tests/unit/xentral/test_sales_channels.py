"""A v2 sales channel as the service reads it: name, platform, project, and whether it is active."""

from __future__ import annotations

from unified_order_api.orders.model import SalesChannel
from unified_order_api.xentral.converters import to_sales_channel
from unified_order_api.xentral.wire import SalesChannelItem


def test_a_sales_channel_carries_its_module_and_project() -> None:
    item = SalesChannelItem.model_validate(
        {"id": "2", "uuid": "x", "name": "Shopify", "moduleName": "shopify", "project": {"id": "4"}, "active": True}
    )
    assert to_sales_channel(item) == SalesChannel(id="2", name="Shopify", active=True, module="shopify", project_id="4")


def test_only_an_explicit_false_is_inactive() -> None:
    assert to_sales_channel(SalesChannelItem.model_validate({"id": "1"})) == SalesChannel(id="1", name="")
    assert to_sales_channel(SalesChannelItem.model_validate({"id": "1", "active": False})).active is False
